/**
 * Real engine: scheduled backups (backup.schedule) with the real Pulumi CLI, the real runner
 * container (switchyard/backup-runner: Debian's cron + the backup tool uploaded by the program), a
 * real PostgreSQL 15 (a private cluster started here), the real Prometheus of the stack, and a local
 * HTTP receiver as the stack's webhook sink (on the docker0 gateway, where the runner reaches the
 * Docker host). Own stack `e2e-sched`, router 18900, Prometheus 18901. One describe, steps in order.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { expandGrafanaVariables, queries } from "../../components/observability/queries";
import { PgCluster, startPostgres } from "../support/backup";
import { Receiver, startReceiver } from "../support/receivers";

process.env.SWITCHYARD_E2E_STACK = process.env.SWITCHYARD_E2E_SCHED_STACK ?? "e2e-sched";
process.env.SWITCHYARD_E2E_PORT = process.env.SWITCHYARD_E2E_SCHED_PORT ?? "18900";
const PROMETHEUS_PORT = Number(process.env.SWITCHYARD_E2E_SCHED_PROMETHEUS_PORT ?? 18901);
// The harness reads the stack name and port when it loads: load it after setting them.
const h: typeof import("./harness") = require("./harness");

jest.setTimeout(15 * 60_000);

const ROWS = Number(process.env.SWITCHYARD_E2E_SCHED_ROWS ?? 100_000);
const TOOL = path.join(h.ROOT, "runtime/backup.js");
const SWITCHYARD = path.join(h.ROOT, "tools/bin/switchyard.js");
const CONFIG_FILE = path.join(h.ROOT, `Pulumi.${h.STACK}.yaml`);
const RUNNER = `${h.STACK}-backup-runner`;
const PROM = `http://127.0.0.1:${PROMETHEUS_PORT}`;
const SCHEDULE = { cron: "* * * * *", keepLast: 1, maxAgeMinutes: 10, alertForSeconds: 0 };

/** Part of the sink's URL: a secret, which must never show in the runner's inspect output. */
const SINK_SECRET = "sink-e2e-4f1c9a";

let pg: PgCluster;
let sink: Receiver;
let root: string;
let grafanaDir: string;
let toolConfigFile: string;

function dockerGateway(): string {
    const out = execFileSync("ip", ["-4", "-o", "addr", "show", "docker0"]).toString();
    const m = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out);
    if (!m) throw new Error(`no IPv4 address on docker0: ${out}`);
    return m[1];
}

/** The backup tool on this machine, on the stack's target, as an operator would run it. */
async function tool(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return h.run(process.execPath, [TOOL, ...args], {
        env: { ...process.env, SWITCHYARD_BACKUP_CONFIG_FILE: toolConfigFile, APP_DB_URL: pg.url("app") },
    });
}

interface Listed {
    id: string;
    complete: boolean;
    kind: string;
    createdAt: string;
    totalBytes: number;
}
async function list(): Promise<Listed[]> {
    const r = await tool(["list", "--json"]);
    if (r.code !== 0) throw new Error(`list failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
}

/** What the runner's last run left (its state file in the runner's volume). */
function runnerState(): {
    lastRun?: { at: string; success: boolean; durationSeconds: number; totalBytes?: number; snapshotId?: string; error?: string };
    runs: { success: number; failure: number };
} {
    return JSON.parse(execFileSync("docker", ["exec", RUNNER, "cat", "/var/lib/switchyard-backup/state.json"]).toString());
}
function runnerStateOrNone(): ReturnType<typeof runnerState> | undefined {
    try {
        return runnerState();
    } catch {
        return undefined;
    }
}

async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await fetch(`${PROM}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await res.json()) as {
        status: string;
        error?: string;
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
    return body.data.result;
}
async function firingAlerts(): Promise<{ labels: Record<string, string>; state: string; activeAt: string }[]> {
    const res = await fetch(`${PROM}/api/v1/alerts`);
    const body = (await res.json()) as { data: { alerts: { labels: Record<string, string>; state: string; activeAt: string }[] } };
    return body.data.alerts.filter((a) => a.labels.alertname === "SwitchyardBackupStale" && a.state === "firing");
}

/** Polls once a second (the machine is shared) until `check` returns a value. */
async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
    const until = Date.now() + ms;
    let last: unknown;
    while (Date.now() < until) {
        try {
            const v = await check();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`timed out after ${ms / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

function digest(): { rows: number; md5: string } {
    const [rows, md5] = pg
        .sql("SELECT count(*), md5(string_agg(md5(id::text || ':' || payload), '' ORDER BY id)) FROM items", "app")
        .split("|");
    return { rows: Number(rows), md5 };
}

function editConfig(edit: (c: Record<string, unknown>) => void): void {
    const doc = YAML.parse(fs.readFileSync(CONFIG_FILE, "utf8")) as { config: Record<string, unknown> };
    edit(doc.config);
    fs.writeFileSync(CONFIG_FILE, YAML.stringify(doc));
}

function runnerId(): string {
    return execFileSync("docker", ["inspect", "-f", "{{.Id}}", RUNNER]).toString().trim();
}

/** The schedule file cron reads in the runner. */
function installedCron(): string {
    return execFileSync("docker", ["exec", RUNNER, "cat", "/etc/cron.d/switchyard-backup"]).toString();
}

function runnerContainers(): string[] {
    return execFileSync("docker", ["ps", "-aq", "--filter", `name=^${RUNNER}$`])
        .toString()
        .split("\n")
        .filter(Boolean);
}

const t0 = Date.now();

beforeAll(async () => {
    const img = await h.run("bash", [path.join(h.ROOT, "scripts/images.sh"), "--only", "backup-runner"], { timeoutMs: 15 * 60_000 });
    if (img.code !== 0) throw new Error(`scripts/images.sh --only backup-runner failed:\n${img.stdout}\n${img.stderr}`);
    pg = await startPostgres({ listen: [dockerGateway()] });
    sink = await startReceiver("ok", { host: dockerGateway() });
    pg.sql("CREATE DATABASE app");
    pg.sql(
        `CREATE TABLE items (id int PRIMARY KEY, payload text NOT NULL);
         INSERT INTO items SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, ${ROWS}) g;`,
        "app",
    );
    root = fs.mkdtempSync(path.join(os.tmpdir(), "sy-e2e-sched-backups-"));
    grafanaDir = fs.mkdtempSync(path.join(os.tmpdir(), "sy-e2e-sched-grafana-"));
    toolConfigFile = `${root}.tool.json`;
    fs.writeFileSync(
        toolConfigFile,
        JSON.stringify({ stack: h.STACK, app: "app", target: { type: "local", root }, postgres: [{ name: "app", urlEnv: "APP_DB_URL" }] }),
    );
    const config = h.baseConfig();
    config["switchyard:backup"] = {
        target: { type: "local", root },
        postgres: [{ name: "app", compressLevel: 1 }],
        retention: { keepLast: 30 },
        schedule: SCHEDULE,
    };
    config["switchyard:monitoring"] = {
        enabled: true,
        prometheus: { mode: "container", image: "switchyard/prometheus:local", port: PROMETHEUS_PORT, scrapeInterval: "2s" },
        grafana: { provisioningDir: grafanaDir },
    };
    config["switchyard:notifications"] = { sinks: [{ type: "webhook", name: "ops" }], timeoutSeconds: 3, retries: 0 };
    await h.freshStack(config);
    await h.configSet("backupSecrets.app", pg.url("app"), { secret: true, path: true });
    await h.configSet("notificationSecrets.ops", `${sink.url}/hook/${SINK_SECRET}`, { secret: true, path: true });
    const t = Date.now();
    await h.up();
    h.report("sched-0-up", {
        seconds: (Date.now() - t) / 1000,
        rows: ROWS,
        databaseMB: +(Number(pg.sql("SELECT pg_database_size('app')")) / 1e6).toFixed(1),
    });
});

afterAll(async () => {
    try {
        if (process.env.SWITCHYARD_E2E_KEEP !== "1") await h.destroyStack();
    } finally {
        pg?.destroy();
        await sink?.close();
        if (root) fs.rmSync(root, { recursive: true, force: true });
        if (toolConfigFile) fs.rmSync(toolConfigFile, { force: true });
        if (grafanaDir) fs.rmSync(grafanaDir, { recursive: true, force: true });
        h.report("sched-wall", { seconds: (Date.now() - t0) / 1000 });
    }
});

describe("scheduled and on-demand backups on the real engine", () => {
    test("the runner is a container of the stack that restarts with the daemon; its settings are installed files, not inputs", () => {
        expect(runnerContainers()).toHaveLength(1);
        const [policy, running] = execFileSync("docker", ["inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}|{{.State.Running}}", RUNNER])
            .toString()
            .trim()
            .split("|");
        expect({ policy, running }).toEqual({ policy: "unless-stopped", running: "true" });
        expect(installedCron()).toBe("* * * * * root /usr/local/bin/switchyard-backup-run >/proc/1/fd/1 2>/proc/1/fd/2\n");
        const modes = execFileSync("docker", [
            "exec",
            RUNNER,
            "stat",
            "-c",
            "%n %a %U",
            "/etc/switchyard/backup.json",
            "/etc/switchyard/notify.json",
        ])
            .toString()
            .trim()
            .split("\n");
        expect(modes).toEqual(["/etc/switchyard/backup.json 600 root", "/etc/switchyard/notify.json 600 root"]);
        // Neither the sink's URL nor the database password is in what `docker inspect` shows.
        const inspect = execFileSync("docker", ["inspect", RUNNER]).toString();
        expect(inspect).not.toContain(SINK_SECRET);
        expect(inspect).not.toContain(new URL(pg.url("app")).password);
        expect(inspect).not.toContain("SWITCHYARD_BACKUP_CRON");
    });

    test("backup now: a manual snapshot, verified, with id, size and duration", async () => {
        const r = await h.run(process.execPath, [SWITCHYARD, "backup", "now", "--stack", h.STACK, "--json"]);
        expect(r.code).toBe(0);
        const doc = JSON.parse(r.stdout);
        expect(doc).toMatchObject({ kind: "manual", verification: { ok: true, files: 2 } });
        expect(doc.totalBytes).toBeGreaterThan(0);
        expect(r.stderr).toContain("taking a manual snapshot");
        const listed = (await list()).find((s) => s.id === doc.snapshotId);
        expect(listed).toMatchObject({ complete: true, kind: "manual" });
        h.report("sched-1-backup-now", {
            snapshotBytes: doc.totalBytes,
            snapshotMB: +(doc.totalBytes / 1e6).toFixed(2),
            snapshotSeconds: +doc.durationSeconds.toFixed(2),
            verifySeconds: +doc.verification.durationSeconds.toFixed(2),
            cliSeconds: r.ms / 1000,
        });
    });

    test("every minute: verified scheduled snapshots; retention keeps the newest 1 scheduled and every manual one", async () => {
        // A run that has just ended, and at least two so far: the second one's prune removed the first
        // (keepLast 1). Just ended, so the next run's prune cannot remove what is checked below.
        const seen = runnerStateOrNone()?.runs.success ?? 0;
        const state = await waitFor("a new successful scheduled run (two at least)", 200_000, () => {
            const s = runnerStateOrNone();
            return s && s.runs.success >= Math.max(2, seen + 1) ? s : undefined;
        });
        expect(state.lastRun).toMatchObject({ success: true });
        const snaps = await list();
        const scheduled = snaps.filter((s) => s.kind === "scheduled");
        expect(scheduled.map((s) => s.id)).toEqual([state.lastRun!.snapshotId]);
        expect(snaps.filter((s) => s.kind === "manual")).toHaveLength(1);
        expect(snaps.every((s) => s.complete)).toBe(true);
        const v = await tool(["verify", scheduled[0].id]);
        expect([v.code, v.stderr]).toEqual([0, expect.any(String)]);
        h.report("sched-2-scheduled", {
            runs: state.runs.success,
            snapshotBytes: state.lastRun!.totalBytes,
            snapshotSeconds: state.lastRun!.durationSeconds,
        });
        // The runner's health reached the stack's Prometheus, and the alert is quiet.
        await waitFor("the last run's success in Prometheus", 30_000, async () => {
            const r = await query(`switchyard_backup_last_run_success{stack="${h.STACK}"}`);
            return r.length === 1 && r[0].value[1] === "1" ? true : undefined;
        });
        // The dashboard panel's queries, as Grafana runs them.
        const panel: Record<string, number> = {};
        for (const name of ["backupAge", "backupLastRun", "backupDuration", "backupSize"] as const) {
            const r = await query(expandGrafanaVariables(queries[name], { stack: h.STACK, rateInterval: "10s" }));
            expect({ name, series: r.length }).toEqual({ name, series: 1 });
            panel[name] = Number(r[0].value[1]);
        }
        expect(panel.backupAge).toBeLessThan(120);
        expect(panel.backupLastRun).toBe(1);
        expect(panel.backupSize).toBe(state.lastRun!.totalBytes);
        expect(await firingAlerts()).toEqual([]);
    });

    test("a schedule change (cron, keepLast) updates the runner in place: same container, cron runs the new schedule", async () => {
        const before = runnerId();
        await h.configSet("backup.schedule.cron", "*/1 * * * *", { path: true });
        await h.configSet("backup.schedule.keepLast", "2", { path: true });
        // The program's plan: updates only, nothing replaced, and the runner container not touched. The
        // pre-deploy snapshot Commands update too: their prune applies the scheduled retention (an
        // update reuses the release's snapshot, it takes none).
        const p = await h.pulumi(["preview", "--json"]);
        expect(p.code).toBe(0);
        const changed = (JSON.parse(p.stdout).steps as { op: string; urn: string }[])
            .filter((s) => s.op !== "same" && s.op !== "read")
            .map((s) => `${s.op} ${s.urn.split("::").pop()}`)
            .sort();
        expect(changed).toEqual(["update backup-blue-snapshot", "update backup-green-snapshot", "update backup-runner-install"]);
        const t = Date.now();
        await h.up();
        const upSeconds = (Date.now() - t) / 1000;
        const installedAt = Date.now();
        expect(runnerId()).toBe(before);
        expect(installedCron()).toBe("*/1 * * * * root /usr/local/bin/switchyard-backup-run >/proc/1/fd/1 2>/proc/1/fd/2\n");
        // The next run started after the install keeps two scheduled snapshots (keepLast 2, was 1).
        const state = await waitFor("a scheduled run started after the schedule change", 150_000, () => {
            const s = runnerStateOrNone();
            const run = s?.lastRun;
            return run?.success && Date.parse(run.at) - run.durationSeconds * 1000 >= installedAt ? s : undefined;
        });
        const scheduled = (await list()).filter((s) => s.kind === "scheduled");
        expect(scheduled).toHaveLength(2);
        expect(scheduled.map((s) => s.id)).toContain(state.lastRun!.snapshotId);
        h.report("sched-3-schedule-change", {
            containerIdBefore: before.slice(0, 12),
            containerIdAfter: runnerId().slice(0, 12),
            upSeconds,
            firstRunOnNewScheduleSecondsAfterUp: +((Date.parse(state.lastRun!.at) - installedAt) / 1000).toFixed(1),
        });
    });

    test("database stopped: the next run fails, publishes nothing, keeps every snapshot, notifies the sink, and the alert fires", async () => {
        const failuresBefore = runnerState().runs.failure;
        // Successful runs send nothing.
        expect(sink.received).toEqual([]);
        pg.stop();
        try {
            // Taken once the database is down: no run can publish after this.
            await new Promise((r) => setTimeout(r, 3000));
            const before = await list();
            const state = await waitFor("a failed scheduled run", 90_000, () => {
                const s = runnerState();
                return s.runs.failure > failuresBefore ? s : undefined;
            });
            const failedAt = Date.parse(state.lastRun!.at);
            expect(state.lastRun).toMatchObject({ success: false });
            expect(state.lastRun!.error).toMatch(/backup source postgres 'app' failed/);
            // The failed run's event reached the stack's webhook sink, once, with the stack and the reason.
            const delivered = await waitFor("the failure at the webhook sink", 30_000, () =>
                sink.received.length > 0 ? sink.received[0] : undefined,
            );
            const notifiedAfter = (delivered.at - failedAt) / 1000;
            expect({ method: delivered.method, path: delivered.path }).toEqual({ method: "POST", path: `/hook/${SINK_SECRET}` });
            expect(delivered.body).toEqual({
                kind: "failure",
                subject: "scheduled-backup",
                at: state.lastRun!.at,
                stack: h.STACK,
                reason: state.lastRun!.error,
                durationSeconds: state.lastRun!.durationSeconds,
                text: expect.stringContaining(`${h.STACK}: scheduled backup FAILED`),
            });
            const alert = await waitFor("SwitchyardBackupStale firing", 60_000, async () => {
                const a = await firingAlerts();
                return a.length > 0 ? a[0] : undefined;
            });
            const firedAfter = (Date.now() - failedAt) / 1000;
            expect(alert.labels).toMatchObject({ reason: "failed", stack: h.STACK, severity: "critical" });
            // Nothing partial: the same complete snapshots, nothing staged left at the root.
            expect(await list()).toEqual(before);
            expect(fs.readdirSync(root).filter((f) => f.startsWith("."))).toEqual([]);
            for (const s of before) expect((await tool(["verify", s.id])).code).toBe(0);
            // The dashboard panel shows the failure.
            const lastRun = await query(expandGrafanaVariables(queries.backupLastRun, { stack: h.STACK, rateInterval: "10s" }));
            expect(lastRun[0].value[1]).toBe("0");
            // One event per failed run, never the same run twice.
            const ats = sink.received.map((r) => (r.body as { kind: string; at: string }).at);
            expect(new Set(ats).size).toBe(ats.length);
            expect(sink.received.every((r) => (r.body as { kind: string; stack: string }).kind === "failure")).toBe(true);
            h.report("sched-4-failure-alert", {
                alertFiredSecondsAfterFailedRun: +firedAfter.toFixed(1),
                notifiedSecondsAfterFailedRun: +notifiedAfter.toFixed(2),
                notificationsReceived: sink.received.length,
                alertActiveAt: alert.activeAt,
                failedRunEndedAt: state.lastRun!.at,
            });
        } finally {
            pg.start();
        }
    });

    test("removing backup.schedule removes the runner", async () => {
        editConfig((c) => {
            delete (c["switchyard:backup"] as Record<string, unknown>).schedule;
        });
        await h.up();
        expect(runnerContainers()).toEqual([]);
        expect((await h.outputs()).backupRunnerContainer).toBeNull();
        const p = await h.previewNoChanges();
        expect(p.code).toBe(0);
    });

    test("restore from a scheduled snapshot gives back the rows exactly", async () => {
        // The runner is gone, so nothing prunes the snapshot while it is restored.
        const scheduled = (await list()).filter((s) => s.kind === "scheduled");
        expect(scheduled).toHaveLength(2);
        const id = scheduled.map((s) => s.id).sort()[1];
        const want = digest();
        pg.sql("DELETE FROM items WHERE id % 3 = 0; UPDATE items SET payload = 'changed' WHERE id % 7 = 0", "app");
        expect(digest()).not.toEqual(want);
        const t = Date.now();
        const r = await tool(["restore", id, "--yes", "--json"]);
        expect(r.code).toBe(0);
        expect(digest()).toEqual(want);
        h.report("sched-5-restore", { snapshotId: id, rows: want.rows, restoreSeconds: (Date.now() - t) / 1000 });
    });
});
