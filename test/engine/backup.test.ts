/**
 * Real engine: pre-deploy backups and the migration hook with the real Pulumi CLI, the
 * real backup tool, a real PostgreSQL 15 (Debian's, a private cluster started here) and Docker.
 * Own stack `e2e-backup` and router port 18280, so the `e2e` stack is never touched.
 *
 * The app image here is `switchyard/demo-app-migrate:<v>`: the demo app plus psql (copied from
 * switchyard/postgres:local), so a migration can run in the colour's new image.
 * One describe, steps in order: each step starts from the state the previous one left.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { buildMigrateImage, dockerGateway, PgCluster, startPostgres } from "../support/backup";
import type { Run } from "./harness";

process.env.SWITCHYARD_E2E_STACK = "e2e-backup";
process.env.SWITCHYARD_E2E_PORT = "18280";
// The harness reads the stack name and port when it loads: load it after setting them.

const h: typeof import("./harness") = require("./harness");

jest.setTimeout(30 * 60_000);

const IMAGE = "switchyard/demo-app-migrate";
const VERSIONS = ["1.0.0", "1.1.0", "1.2.0", "1.3.0"];
const ROWS = Number(process.env.SWITCHYARD_E2E_BACKUP_ROWS ?? 700_000);
const TOOL = path.join(h.ROOT, "runtime/backup.js");
const SWITCHYARD = path.join(h.ROOT, "tools/bin/switchyard.js");
const CONFIG_FILE = path.join(h.ROOT, `Pulumi.${h.STACK}.yaml`);

let pg: PgCluster;
let root: string;
let toolConfigFile: string;

/** Runs the backup tool with the same target and source as the stack. */
function tool(args: string[], input = ""): { code: number; stdout: string; stderr: string; ms: number } {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [TOOL, ...args], {
        cwd: h.ROOT,
        env: {
            ...process.env,
            SWITCHYARD_BACKUP_CONFIG_FILE: toolConfigFile,
            APP_DB_URL: pg.url("app"),
            SCRATCH_DB_URL: pg.url("scratch"),
        },
        input,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

/** `switchyard backup ... --stack <stack> --json`: the operator CLI on the deployed stack. */
async function switchyardBackup(args: string[], input?: string): Promise<{ code: number; doc: any; stderr: string; ms: number }> {
    const r = await h.run(process.execPath, [SWITCHYARD, "backup", ...args, "--stack", h.STACK, "--json"], { input });
    let doc: unknown;
    try {
        doc = JSON.parse(r.stdout);
    } catch {
        throw new Error(`switchyard backup ${args.join(" ")} printed no JSON document (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
    return { code: r.code, doc, stderr: r.stderr, ms: r.ms };
}

function listSnapshots(): { id: string; complete: boolean; deploymentId: string; totalBytes: number }[] {
    const r = tool(["list", "--json"]);
    if (r.code !== 0) throw new Error(`list failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
}

/** A digest of the data: row count and a hash over every row in key order. */
function digest(db: string): { rows: number; md5: string; tables: string[] } {
    const [rows, md5] = pg
        .sql("SELECT count(*), md5(string_agg(md5(id::text || ':' || payload), '' ORDER BY id)) FROM items", db)
        .split("|");
    const tables = pg.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", db).split("\n").filter(Boolean);
    return { rows: Number(rows), md5, tables };
}

function containersOf(color: string): { id: string; version: string; startedAt: string }[] {
    const ids = execFileSync("docker", [
        "ps",
        "-q",
        "--filter",
        `label=switchyard.stack=${h.STACK}`,
        "--filter",
        `label=switchyard.color=${color}`,
        "--filter",
        "label=switchyard.replica",
    ])
        .toString()
        .split("\n")
        .filter(Boolean);
    return ids
        .map((id) => {
            const [version, startedAt] = execFileSync("docker", [
                "inspect",
                "-f",
                '{{index .Config.Labels "switchyard.version"}}|{{.State.StartedAt}}',
                id,
            ])
                .toString()
                .trim()
                .split("|");
            return { id, version, startedAt };
        })
        .sort((a, b) => a.id.localeCompare(b.id));
}

/** Edits the stack's config file (the CLI keeps `secure:` values as they are). */
function editConfig(edit: (c: Record<string, unknown>) => void): void {
    const doc = YAML.parse(fs.readFileSync(CONFIG_FILE, "utf8")) as { config: Record<string, unknown> };
    edit(doc.config);
    fs.writeFileSync(CONFIG_FILE, YAML.stringify(doc));
}

async function upFails(): Promise<Run> {
    const r = await h.pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"]);
    expect(r.code).not.toBe(0);
    return r;
}

beforeAll(async () => {
    buildMigrateImage(IMAGE, VERSIONS);
    pg = await startPostgres({ listen: [dockerGateway()] });
    pg.sql("CREATE DATABASE app");
    pg.sql("CREATE DATABASE scratch");
    const t0 = Date.now();
    pg.sql(
        `CREATE TABLE items (id int PRIMARY KEY, payload text NOT NULL);
            INSERT INTO items SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, ${ROWS}) g;`,
        "app",
    );
    const dbBytes = Number(pg.sql("SELECT pg_database_size('app')"));
    h.report("backup-0-setup", { rows: ROWS, databaseMB: +(dbBytes / 1e6).toFixed(1), loadSeconds: (Date.now() - t0) / 1000 });
    root = fs.mkdtempSync(path.join(os.tmpdir(), "sy-e2e-backups-"));
    toolConfigFile = path.join(root, "..", `${path.basename(root)}.tool.json`);
    fs.writeFileSync(
        toolConfigFile,
        JSON.stringify({
            stack: h.STACK,
            target: { type: "local", root },
            postgres: [{ name: "app", urlEnv: "APP_DB_URL", compressLevel: 1 }],
        }),
    );

    const config = h.baseConfig();
    (config["switchyard:app"] as Record<string, unknown>).image = IMAGE;
    config["switchyard:backup"] = {
        target: { type: "local", root },
        postgres: [{ name: "app", compressLevel: 1 }],
        retention: { keepLast: 30 },
    };
    await h.freshStack(config);
    await h.configSet("backupSecrets.app", pg.url("app"), { secret: true, path: true });
    // The app (and its migration) reach the database through the docker0 gateway.
    await h.configSet("secretEnv.DATABASE_URL", pg.url("app").replace("@127.0.0.1:", `@${dockerGateway()}:`), { secret: true, path: true });
});

afterAll(async () => {
    if (process.env.SWITCHYARD_E2E_KEEP !== "1") {
        await h.destroyStack();
    }
    pg?.destroy();
    if (root) fs.rmSync(root, { recursive: true, force: true });
    if (toolConfigFile) fs.rmSync(toolConfigFile, { force: true });
});

describe("pre-deploy backup and migration on the real engine", () => {
    let before: ReturnType<typeof digest>;
    let releaseSnapshot: string;

    test("1. first up: one verified snapshot per colour; state and outputs hold no database password", async () => {
        const r = await h.up();
        const o = await h.outputs();
        const backups = o.backups as Record<string, { snapshotId: string; totalBytes: number; location: string }>;
        expect(Object.keys(backups).sort()).toEqual(["blue", "green"]);
        const listed = listSnapshots();
        expect(listed.map((s) => s.id).sort()).toEqual([backups.blue.snapshotId, backups.green.snapshotId].sort());
        expect(listed.every((s) => s.complete)).toBe(true);
        const state = (await h.pulumi(["stack", "export"])).stdout;
        expect(state).not.toContain(pg.password);
        // Outputs as anyone reads them: the secret ones (each colour's released secretEnv) stay [secret].
        const shown = await h.pulumi(["stack", "output", "--json"]);
        expect(shown.code).toBe(0);
        expect(shown.stdout).not.toContain(pg.password);
        expect(JSON.parse(shown.stdout).colorSecretEnv).toBe("[secret]");
        expect((await h.get(`${h.ROUTER_URL}/`)).status).toBe(200);
        h.report("backup-1-first-up", { upSeconds: r.ms / 1000, snapshotBytes: backups.green.totalBytes });
    });

    test("2. releasing green 1.2.0 takes a snapshot that verifies and holds exactly the data", async () => {
        before = digest("app");
        const o0 = await h.outputs();
        await h.configSet("colors.green.version", "1.2.0", { path: true });
        const r = await h.up();
        const o = await h.outputs();
        const backups = o.backups as Record<string, { snapshotId: string; totalBytes: number }>;
        const old = o0.backups as Record<string, { snapshotId: string }>;
        expect(backups.blue.snapshotId).toBe(old.blue.snapshotId); // blue did not change: no snapshot
        expect(backups.green.snapshotId).not.toBe(old.green.snapshotId);
        releaseSnapshot = backups.green.snapshotId;
        expect(releaseSnapshot).toMatch(new RegExp(`^\\d{8}T\\d{9}Z-${h.STACK}-1-2-0-\\d{8}_\\d{6}$`));
        const manifest = JSON.parse(fs.readFileSync(path.join(root, releaseSnapshot, "manifest.json"), "utf8"));
        expect(manifest.versionsBefore).toEqual({ green: "1.1.0" });
        expect(manifest.versionsAfter).toEqual({ green: "1.2.0" });
        expect(manifest.deploymentId).toBe((o.deploymentIds as Record<string, string>).green);
        const v = tool(["verify", releaseSnapshot]);
        expect(v.code).toBe(0);
        // Exactly that data: restore it into a scratch database and compare.
        const rs = tool(["restore", releaseSnapshot, "--yes", "--into", "app=SCRATCH_DB_URL", "--json"]);
        expect(rs.code).toBe(0);
        expect(digest("scratch")).toEqual(before);
        expect(containersOf("green").map((c) => c.version)).toEqual(["1.2.0", "1.2.0"]);
        // Time of the snapshot step alone, outside Pulumi, on the same database.
        const alone = tool(["snapshot"]);
        expect(alone.code).toBe(0);
        const aloneId = JSON.parse(alone.stdout).snapshotId;
        fs.rmSync(path.join(root, aloneId), { recursive: true, force: true });
        h.report("backup-2-release", {
            upSeconds: r.ms / 1000,
            snapshotBytes: backups.green.totalBytes,
            verifySeconds: v.ms / 1000,
            restoreIntoScratchSeconds: rs.ms / 1000,
            snapshotAloneSeconds: alone.ms / 1000,
            rows: before.rows,
        });
    });

    test("3. mutate, then restore the release snapshot: rows compare equal", () => {
        pg.sql(
            "DELETE FROM items WHERE id % 3 = 0; UPDATE items SET payload = 'changed' WHERE id % 5 = 0; INSERT INTO items VALUES (-1, 'new');",
            "app",
        );
        expect(digest("app")).not.toEqual(before);
        const refused = tool(["restore", releaseSnapshot], "no\n");
        expect(refused.code).toBe(3); // asks first; "no" changes nothing
        const rs = tool(["restore", releaseSnapshot, "--yes"]);
        expect(rs.code).toBe(0);
        expect(rs.stdout).toContain(`items: ${before.rows} rows`);
        expect(digest("app")).toEqual(before);
        h.report("backup-3-restore", { restoreSeconds: rs.ms / 1000, rows: before.rows });
    });

    test("4. re-run with nothing changed, and a flip: no new snapshot", async () => {
        const n = listSnapshots().length;
        const p = await h.previewNoChanges();
        expect(p.code).toBe(0);
        await h.up();
        expect(listSnapshots().length).toBe(n);
        await h.configSet("activeColor", "green");
        await h.up();
        await h.configSet("activeColor", "blue");
        const r = await h.up();
        expect(listSnapshots().length).toBe(n);
        expect((await h.routerStatus()).activeColor).toBe("blue");
        h.report("backup-4-rerun", { upSecondsAfterFlipBack: r.ms / 1000, snapshots: n });
    });

    test("4b. switchyard backup list, verify, snapshot and restore (cancelled) on the deployed stack, through the Automation API", async () => {
        const o = await h.outputs();
        const listed = await switchyardBackup(["list"]);
        expect(listed.code).toBe(0);
        expect(listed.doc.map((s: { id: string }) => s.id)).toEqual(listSnapshots().map((s) => s.id));
        const verified = await switchyardBackup(["verify", releaseSnapshot]);
        expect(verified.code).toBe(0);
        expect(verified.doc).toMatchObject({ snapshotId: releaseSnapshot, ok: true });
        const latest = await switchyardBackup(["verify", "latest"]);
        expect(latest.code).toBe(0);

        const taken = await switchyardBackup(["snapshot"]);
        expect(taken.code).toBe(0);
        const id = taken.doc.snapshotId as string;
        const manifest = JSON.parse(fs.readFileSync(path.join(root, id, "manifest.json"), "utf8"));
        // The stack's current release, with no version change (retention does not count it as a release).
        expect(manifest.deploymentId).toBe(o.deploymentId);
        expect(manifest.versionsBefore).toEqual(o.versions);
        expect(manifest.versionsAfter).toEqual(o.versions);
        expect(manifest.sources.map((s: { kind: string; name: string }) => `${s.kind}:${s.name}`)).toEqual([
            "postgres:app",
            "metadata:release",
        ]);
        expect(JSON.stringify(taken.doc) + taken.stderr).not.toContain(pg.password);

        const cancelled = await switchyardBackup(["restore", id], "no\n");
        expect(cancelled.code).toBe(3);
        expect(cancelled.doc).toMatchObject({ ok: false, exitCode: 3 });
        fs.rmSync(path.join(root, id), { recursive: true, force: true });
        h.report("backup-4b-cli", {
            listSeconds: listed.ms / 1000,
            verifySeconds: verified.ms / 1000,
            snapshotSeconds: taken.ms / 1000,
            snapshotBytes: taken.doc.totalBytes,
        });
    });

    test("4c. a changed snapshot Command (config here; a new command line on upgrade) runs its update: no second snapshot of the release", async () => {
        const n = listSnapshots().length;
        const before = (await h.outputs()).backups;
        editConfig((c) => {
            ((c["switchyard:backup"] as Record<string, unknown>).retention as Record<string, unknown>).keepLast = 31;
        });
        const p = await h.pulumi(["preview", "--json"]);
        expect(p.code).toBe(0);
        const steps = (JSON.parse(p.stdout).steps as { op: string; urn: string }[]).filter((s) =>
            /::backup-(blue|green)-snapshot$/.test(s.urn),
        );
        expect(steps.map((s) => s.op)).toEqual(["update", "update"]);
        const r = await h.up();
        expect(listSnapshots().length).toBe(n);
        expect((await h.outputs()).backups).toEqual(before);
        h.report("backup-4c-update-reuses", { upSeconds: r.ms / 1000, snapshots: n });
    });

    test("5. database down during a release: up fails before any container changes; the live colour keeps serving", async () => {
        const greenBefore = containersOf("green");
        const status0 = await h.routerStatus();
        pg.stop();
        try {
            await h.configSet("colors.green.version", "1.3.0", { path: true });
            const r = await upFails();
            expect(`${r.stdout}\n${r.stderr}`).toContain("backup source postgres 'app' failed");
            expect(containersOf("green")).toEqual(greenBefore);
            const status = await h.routerStatus();
            expect(status.configSha256).toBe(status0.configSha256);
            expect(await h.colorCounts(40)).toEqual({ blue: 40 });
            h.report("backup-5-db-down", { failedUpSeconds: r.ms / 1000 });
        } finally {
            pg.start();
        }
    });

    test("6. migration failing: release aborted, the message shows the migration output, router unchanged", async () => {
        const greenBefore = containersOf("green");
        const status0 = await h.routerStatus();
        editConfig((c) => {
            c["switchyard:migration"] = {
                command: ["sh", "-c", "psql -X -v ON_ERROR_STOP=1 \"$DATABASE_URL\" -c 'SELECT * FROM no_such_table'"],
            };
        });
        const r = await upFails();
        const all = `${r.stdout}\n${r.stderr}`;
        expect(all).toMatch(/migration .*FAILED/);
        expect(all).toContain("no_such_table");
        expect(all).not.toContain(pg.password);
        fs.mkdirSync(path.join(h.ROOT, ".switchyard/results"), { recursive: true });
        fs.writeFileSync(path.join(h.ROOT, ".switchyard/results/backup-migration-failure.txt"), all);
        expect(containersOf("green")).toEqual(greenBefore);
        const status = await h.routerStatus();
        expect(status.configSha256).toBe(status0.configSha256);
        expect(status.versions).toEqual(status0.versions);
        h.report("backup-6-migration-fails", { failedUpSeconds: r.ms / 1000 });
    });

    test("7. migration passing: the schema changes before the new containers start (so before the gate), once per release", async () => {
        editConfig((c) => {
            c["switchyard:migration"] = {
                command: [
                    "sh",
                    "-c",
                    'psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -c "CREATE TABLE IF NOT EXISTS schema_migrations (color text, version text, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())" -c "INSERT INTO schema_migrations (color, version) VALUES (\'$SWITCHYARD_COLOR\', \'$SWITCHYARD_VERSION\')" && echo migrated $SWITCHYARD_COLOR $SWITCHYARD_VERSION',
                ],
                down: ["sh", "-c", "psql \"$DATABASE_URL\" -c 'DROP TABLE schema_migrations'"],
            };
        });
        const r = await h.up();
        const applied = pg
            .sql(
                "SELECT color || '|' || version || '|' || to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM schema_migrations ORDER BY applied_at",
                "app",
            )
            .split("\n")
            .map((l) => l.split("|"));
        expect(applied.map(([c, v]) => `${c} ${v}`)).toEqual(["blue 1.0.0", "green 1.3.0"]);
        const green = containersOf("green");
        expect(green.map((c) => c.version)).toEqual(["1.3.0", "1.3.0"]);
        const migratedAt = Date.parse(applied[1][2]);
        for (const c of green) expect(Date.parse(c.startedAt)).toBeGreaterThan(migratedAt);
        const o = await h.outputs();
        expect((o.migrations as Record<string, { down: string[] }>).green.down).toEqual([
            "sh",
            "-c",
            "psql \"$DATABASE_URL\" -c 'DROP TABLE schema_migrations'",
        ]);
        expect((await h.routerStatus()).versions).toEqual({ blue: "1.0.0", green: "1.3.0" });
        // Once per release: a re-run does not migrate again.
        await h.up();
        expect(pg.sql("SELECT count(*) FROM schema_migrations", "app")).toBe("2");
        h.report("backup-7-migration-passes", {
            upSeconds: r.ms / 1000,
            migratedBeforeContainerStartMs: Math.min(...green.map((c) => Date.parse(c.startedAt))) - migratedAt,
        });
    });
});
