/**
 * Real engine: `switchyard rollback` at each level on a deployed stack with a real PostgreSQL
 * (a private cluster, as the backup tests), pre-deploy snapshots, a migration with a recorded
 * down-migration, deployment records at the backup target, and notification sinks that are local
 * HTTP receivers answering 200, 429 (Retry-After), 500 and never. Own stack `e2e-ops`, port 18600.
 *
 * One describe, in order: each level starts from a release of green 1.2.0 promoted over blue
 * (the state a release leaves), rolls it back, and checks traffic, data, the record and the
 * receivers. The release itself is made here with config + up (the release driver is not used).
 */
import "./rollbackEnv";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { buildMigrateImage, dockerGateway, PgCluster, startPostgres } from "../support/backup";
import { Receiver, startReceiver } from "../support/receivers";

const h: typeof import("./harness") = require("./harness");

jest.setTimeout(20 * 60_000);

const IMAGE = "switchyard/demo-app-migrate";
const CANARY_SECRET = `canary-${Math.random().toString(36).slice(2)}-value`;
const ACTOR = "e2e-rollback-actor";

let pg: PgCluster;
let root: string;
/** `switchyard ... --json` as the CI actor. */
const sy = (args: string[], input?: string) => h.switchyardJson(args, { input: input ?? "", env: { GITHUB_ACTOR: ACTOR } });
const receivers = {} as Record<"slack" | "limited" | "error" | "telegram" | "hang", Receiver>;
const wall: Record<string, number> = {};

function digest(): { rows: number; md5: string; migrations: string } {
    const [rows, md5] = pg
        .sql("SELECT count(*), md5(string_agg(md5(id::text || ':' || payload), '' ORDER BY id)) FROM items", "app")
        .split("|");
    const migrations = pg.sql("SELECT string_agg(color || ' ' || version, ',' ORDER BY color, version) FROM schema_migrations", "app");
    return { rows: Number(rows), md5, migrations };
}

/** Edits the stack's config file (the CLI keeps `secure:` values as they are). */
function editConfig(edit: (c: Record<string, unknown>) => void): void {
    const file = path.join(h.ROOT, `Pulumi.${h.STACK}.yaml`);
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    edit(doc.config);
    fs.writeFileSync(file, YAML.stringify(doc));
}

function counts(): Record<string, number> {
    return Object.fromEntries(Object.entries(receivers).map(([k, r]) => [k, r.received.length]));
}

function recordFile(id: string): any {
    return JSON.parse(fs.readFileSync(path.join(root, ".records", `${id}.json`), "utf8"));
}

/** The state a release leaves: green (idle) takes 1.2.0 through its gate, then all traffic; blue keeps what it ran. */
async function releaseGreen(): Promise<void> {
    await h.configSet("colors.green.version", "1.2.0", { path: true });
    await h.up();
    await h.configSet("activeColor", "green");
    await h.up();
    expect((await h.routerStatus()).activeColor).toBe("green");
}

/** What every successful rollback must show: traffic on blue, no drift, its record and notes by content. */
async function checkRolledBack(level: number, doc: any, to: string): Promise<any> {
    expect(doc).toMatchObject({ ok: true, level, from: { color: "green", version: "1.2.0" }, to: { color: "blue", version: to } });
    expect(doc.driftProof).toMatchObject({ noChanges: true });
    // The router said the target colour was active before the update ended.
    expect(doc.trafficMovedSeconds).toEqual(expect.any(Number));
    expect(doc.trafficMovedSeconds).toBeLessThanOrEqual(doc.trafficSeconds);
    const status = await h.routerStatus();
    expect(status.activeColor).toBe("blue");
    expect(status.versions.blue).toBe(to);
    expect(await h.colorCounts(30)).toEqual({ blue: 30 });
    const o = await h.outputs();
    expect(o.latestRecord).toBe(doc.recordId);
    expect(o.activeColor).toBe("blue");
    const rec = recordFile(doc.recordId);
    expect(rec).toMatchObject({
        schema: 1,
        id: doc.recordId,
        kind: "rollback",
        level,
        stack: h.STACK,
        who: `${ACTOR} (CI)`,
        outcome: "rolled-back",
        colors: { activeBefore: "green", activeAfter: "blue", canary: "green", stable: "blue" },
        versions: { from: "1.2.0", to },
        driftProof: { noChanges: true },
        notes: { file: `${doc.recordId}.notes.md` },
    });
    expect(rec.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(rec.steps.every((s: { ok: boolean; startedAt: string; finishedAt: string }) => s.ok && s.startedAt <= s.finishedAt)).toBe(true);
    expect(rec.events.map((e: { kind: string }) => e.kind)).toEqual(["rollback", "rollback"]);
    const notes = fs.readFileSync(path.join(root, ".records", `${doc.recordId}.notes.md`), "utf8");
    expect(notes).toContain(`# ${h.STACK} 1.2.0 → ${to} (rollback-${level})`);
    expect(notes).toContain(`- Record: \`${doc.recordId}\``);
    expect(JSON.stringify(rec) + notes).not.toContain(CANARY_SECRET);
    return rec;
}

beforeAll(async () => {
    buildMigrateImage(IMAGE, ["1.0.0", "1.1.0", "1.2.0"]);
    pg = await startPostgres({ listen: [dockerGateway()] });
    pg.sql("CREATE DATABASE app");
    pg.sql(
        "CREATE TABLE items (id int PRIMARY KEY, payload text NOT NULL); INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 20000) g;",
        "app",
    );
    root = fs.mkdtempSync(path.join(os.tmpdir(), "sy-e2e-ops-"));
    receivers.slack = await startReceiver("ok");
    receivers.limited = await startReceiver("rate-limited", { retryAfter: "1", limited: 1 });
    receivers.error = await startReceiver("error");
    receivers.telegram = await startReceiver("ok");
    receivers.hang = await startReceiver("hang");

    const config = h.baseConfig();
    (config["switchyard:app"] as Record<string, unknown>).image = IMAGE;
    config["switchyard:backup"] = { target: { type: "local", root }, postgres: [{ name: "app", compressLevel: 1 }] };
    config["switchyard:records"] = { target: { type: "backup" } };
    config["switchyard:migration"] = {
        command: [
            "sh",
            "-c",
            'psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -c "CREATE TABLE IF NOT EXISTS schema_migrations (color text, version text)" -c "INSERT INTO schema_migrations VALUES (\'$SWITCHYARD_COLOR\', \'$SWITCHYARD_VERSION\')"',
        ],
        down: [
            "sh",
            "-c",
            'psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -c "DELETE FROM schema_migrations WHERE version = \'$SWITCHYARD_VERSION\'"',
        ],
    };
    config["switchyard:notifications"] = {
        sinks: [
            { type: "slack", name: "slack" },
            { type: "webhook", name: "limited" },
            { type: "webhook", name: "error" },
            { type: "telegram", name: "telegram", chatId: "-1001234", apiUrl: receivers.telegram.url },
        ],
        timeoutSeconds: 3,
        retries: 2,
    };
    await h.freshStack(config);
    await h.configSet("backupSecrets.app", pg.url("app"), { secret: true, path: true });
    await h.configSet("secretEnv.DATABASE_URL", pg.url("app").replace("@127.0.0.1:", `@${dockerGateway()}:`), { secret: true, path: true });
    await h.configSet("secretEnv.CANARY_TOKEN", CANARY_SECRET, { secret: true, path: true });
    await h.configSet("notificationSecrets.slack", `${receivers.slack.url}/services/T0/B0/${CANARY_SECRET}`, { secret: true, path: true });
    await h.configSet("notificationSecrets.limited", receivers.limited.url, { secret: true, path: true });
    await h.configSet("notificationSecrets.error", receivers.error.url, { secret: true, path: true });
    await h.configSet("notificationSecrets.telegram", "123456:TESTTOKENabcdef", { secret: true, path: true });
    await h.up();
});

afterAll(async () => {
    if (process.env.SWITCHYARD_E2E_KEEP !== "1") {
        await h.destroyStack();
    }
    await Promise.all(Object.values(receivers).map((r) => r.close()));
    pg?.destroy();
    if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe("switchyard rollback on the real engine", () => {
    let beforeRelease: ReturnType<typeof digest>;

    test("level 1: traffic flips back to blue; record, notes, latestRecord output; every receiver counted", async () => {
        beforeRelease = digest();
        await releaseGreen();
        const before = counts();
        const r = await sy(["rollback", "--level", "1", "--reason", "error ratio 4% on green"]);
        expect(r.code).toBe(0);
        await checkRolledBack(1, r.doc, "1.0.0");
        // Blue was healthy: the router was given the flipped routing before the update.
        expect(r.doc.fastPath).toBe("router");
        wall.level1 = r.doc.totalSeconds;
        const got = Object.fromEntries(Object.entries(counts()).map(([k, n]) => [k, n - before[k]]));
        // Two events (start, end): 200 once each; one 429 (Retry-After 1 s) then 200s; 500 three times each; telegram once each.
        expect(got).toEqual({ slack: 2, limited: 3, error: 6, telegram: 2, hang: 0 });
        const slack = receivers.slack.received.slice(-2).map((x) => x.body as { text: string });
        expect(slack[0].text).toContain("error ratio 4% on green");
        const tg = receivers.telegram.received.slice(-1)[0];
        expect(tg.path).toBe("/bot123456:TESTTOKENabcdef/sendMessage");
        expect(tg.body).toMatchObject({ chat_id: "-1001234", parse_mode: "HTML" });
        const hook = receivers.limited.received.slice(-1)[0].body as Record<string, unknown>;
        expect(hook).toMatchObject({
            kind: "rollback",
            stack: h.STACK,
            canaryColor: "green",
            stableColor: "blue",
            versions: { from: "1.2.0", to: "1.0.0" },
        });
        expect((hook.links as Record<string, string>).record).toContain(r.doc.recordId);
        expect(r.doc.notifications.filter((d: { ok: boolean }) => !d.ok).map((d: { sink: string }) => d.sink)).toEqual(["error", "error"]);
        h.report("rollback-level-1", {
            fastPath: r.doc.fastPath,
            trafficMovedSeconds: r.doc.trafficMovedSeconds,
            trafficSeconds: r.doc.trafficSeconds,
            totalSeconds: r.doc.totalSeconds,
            notifyWaitSeconds: r.doc.notifyWaitSeconds,
            receivers: got,
        });
    });

    test("level 2: the previous version (1.1.0, from green's snapshot manifest) is deployed on blue through the gates, then takes the traffic", async () => {
        await releaseGreen();
        expect((await h.routerStatus()).versions.blue).toBe("1.0.0");
        const r = await sy(["rollback", "--level", "2"]);
        expect(r.code).toBe(0);
        const rec = await checkRolledBack(2, r.doc, "1.1.0");
        expect(rec.versions.after).toEqual({ blue: "1.1.0", green: "1.2.0" });
        wall.level2 = r.doc.totalSeconds;
        h.report("rollback-level-2", {
            trafficMovedSeconds: r.doc.trafficMovedSeconds,
            trafficSeconds: r.doc.trafficSeconds,
            totalSeconds: r.doc.totalSeconds,
        });
    });

    test("level 3: flip to blue 1.1.0, then green 1.2.0's recorded down-migration runs", async () => {
        await releaseGreen();
        expect(digest().migrations).toContain("green 1.2.0");
        const r = await sy(["rollback", "--level", "3"]);
        expect(r.code).toBe(0);
        const rec = await checkRolledBack(3, r.doc, "1.1.0");
        expect(rec.steps.map((s: { name: string }) => s.name)).toContain("down-migration of green 1.2.0");
        expect(digest().migrations).not.toContain("1.2.0");
        wall.level3 = r.doc.totalSeconds;
        h.report("rollback-level-3", {
            trafficMovedSeconds: r.doc.trafficMovedSeconds,
            trafficSeconds: r.doc.trafficSeconds,
            totalSeconds: r.doc.totalSeconds,
        });
    });

    test("level 4: asks first; refuses another stack's snapshot; takes a fresh snapshot, restores green's pre-deploy snapshot: rows compare equal", async () => {
        await releaseGreen();
        const o = await h.outputs();
        const releaseSnapshot = (o.backups as Record<string, { snapshotId: string }>).green.snapshotId;
        const atRelease = JSON.parse(fs.readFileSync(path.join(root, releaseSnapshot, "manifest.json"), "utf8"));
        expect(atRelease.versionsAfter).toEqual({ green: "1.2.0" });
        pg.sql(
            "DELETE FROM items WHERE id % 3 = 0; UPDATE items SET payload = 'changed' WHERE id % 5 = 0; INSERT INTO items VALUES (-1, 'new');",
            "app",
        );
        const mutated = digest();
        expect(mutated).not.toEqual(beforeRelease);

        const no = await sy(["rollback", "--level", "4"], "no\n");
        expect(no.code).toBe(3);
        expect((await h.routerStatus()).activeColor).toBe("green");
        expect(digest()).toEqual(mutated);

        // A snapshot of another stack at the same target: refused before anything changes.
        const foreign = releaseSnapshot.replace(h.STACK, "other-stack");
        fs.cpSync(path.join(root, releaseSnapshot), path.join(root, foreign), { recursive: true });
        const m = JSON.parse(fs.readFileSync(path.join(root, foreign, "manifest.json"), "utf8"));
        fs.writeFileSync(path.join(root, foreign, "manifest.json"), JSON.stringify({ ...m, id: foreign, stack: "other-stack" }));
        const refused = await sy(["rollback", "--level", "4", "--yes", "--snapshot", foreign]);
        expect(refused.code).toBe(2);
        expect(refused.doc.error).toMatch(/not one of stack e2e-ops's snapshots/);
        fs.rmSync(path.join(root, foreign), { recursive: true, force: true });
        expect((await h.routerStatus()).activeColor).toBe("green");

        const r = await sy(["rollback", "--level", "4", "--yes"]);
        expect(r.code).toBe(0);
        const rec = await checkRolledBack(4, r.doc, "1.1.0");
        // The restored data is the data before green's release: the rows, and the migrations applied then.
        const restored = digest();
        expect(restored).toEqual(beforeRelease);
        expect(rec.snapshotId).toBe(releaseSnapshot);
        expect(rec.freshSnapshotId).toBe(r.doc.freshSnapshotId);
        const fresh = JSON.parse(fs.readFileSync(path.join(root, r.doc.freshSnapshotId, "manifest.json"), "utf8"));
        expect(fresh.stack).toBe(h.STACK);
        wall.level4 = r.doc.totalSeconds;
        h.report("rollback-level-4", {
            trafficMovedSeconds: r.doc.trafficMovedSeconds,
            trafficSeconds: r.doc.trafficSeconds,
            totalSeconds: r.doc.totalSeconds,
            rows: restored.rows,
        });
    });

    test("a hanging sink does not slow a rollback by more than its timeout", async () => {
        await releaseGreen();
        await h.configSet("notificationSecrets.hang", receivers.hang.url, { secret: true, path: true });
        editConfig((c) => {
            c["switchyard:notifications"] = {
                sinks: [
                    { type: "slack", name: "slack" },
                    { type: "webhook", name: "hang" },
                ],
                timeoutSeconds: 2,
                retries: 2,
            };
            const secrets = c["switchyard:notificationSecrets"] as Record<string, unknown>;
            for (const k of ["limited", "error", "telegram"]) delete secrets[k];
        });
        const r = await sy(["rollback", "--level", "1"]);
        expect(r.code).toBe(0);
        await checkRolledBack(1, r.doc, "1.1.0");
        expect(receivers.hang.received.length).toBeGreaterThanOrEqual(1);
        expect(
            r.doc.notifications.filter((d: { sink: string; ok: boolean }) => d.sink === "hang").map((d: { ok: boolean }) => d.ok),
        ).toEqual([false, false]);
        // Waiting for notifications after the work is bounded by the budget (2 s).
        expect(r.doc.notifyWaitSeconds).toBeLessThanOrEqual(2 + 0.5);
        h.report("rollback-hanging-sink", {
            trafficMovedSeconds: r.doc.trafficMovedSeconds,
            trafficSeconds: r.doc.trafficSeconds,
            totalSeconds: r.doc.totalSeconds,
            notifyWaitSeconds: r.doc.notifyWaitSeconds,
            level1WithoutHang: wall.level1,
        });
    });

    test("audit lists the rollbacks and drift checks; stack export holds no plaintext secret", async () => {
        const r = await sy(["audit"]);
        expect(r.code).toBe(0);
        const kinds = r.doc.entries.map((e: { kind: string }) => e.kind);
        expect(kinds.filter((k: string) => k === "rollback")).toHaveLength(5);
        expect(kinds.filter((k: string) => k === "drift-check")).toHaveLength(5);
        expect(kinds.filter((k: string) => k === "update").length).toBeGreaterThanOrEqual(6);
        const since = await sy(["audit", "--since", new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)]);
        expect(since.doc.entries).toEqual([]);
        const exported = await h.pulumi(["stack", "export"]);
        expect(exported.code).toBe(0);
        expect(exported.stdout).toContain("ciphertext");
        for (const secret of [CANARY_SECRET, pg.password, "TESTTOKENabcdef"]) {
            expect(exported.stdout).not.toContain(secret);
            expect(JSON.stringify(r.doc)).not.toContain(secret);
        }
        h.report("rollback-receivers", { ...counts(), wallSeconds: wall });
    });
});
