/**
 * The scheduled backup runner (switchyard/backup-runner container, components/backup/backupRunner.ts):
 *  - `run`: one scheduled snapshot with the backup tool's own `snapshot` and `prune` (the same code
 *    the pre-deploy Command runs), then the run's result into the state file. cron starts it through
 *    switchyard-backup-run, which holds a lock so runs never overlap.
 *  - `serve`: the state and the newest complete snapshot at the target as Prometheus metrics.
 * A failed run publishes nothing (the tool stages, verifies, then publishes) and leaves every
 * earlier snapshot as it was; it is recorded, logged, and handed to the run-failed listeners.
 */
import { promises as fs } from "fs";
import * as http from "http";
import * as path from "path";
import { EMPTY_RUNNER_STATE, recordRun, renderRunnerMetrics, RunnerState } from "../../domain/backup/runnerMetrics";
import { listStack } from "./common";
import { BackupConfig, parseConfig } from "./config";
import { makeTarget } from "./targets";
import { main as tool } from "./tool";

/** Paths and port inside the runner container (the image and the component use the same). */
export const RUNNER = {
    configFile: "/etc/switchyard/backup.json",
    stateDir: "/var/lib/switchyard-backup",
    port: 9187,
} as const;

/**
 * What a failed scheduled run reports. Written as one JSON line to `<stateDir>/events.jsonl` and
 * passed to every listener in `runFailedListeners`: notification sinks subscribe there.
 */
export interface BackupRunFailedEvent {
    readonly kind: "backup-run-failed";
    /** ISO time the run ended. */
    readonly at: string;
    readonly stack: string;
    readonly durationSeconds: number;
    /** The tool's error, one line (never a URL or password: the tool scrubs them). */
    readonly reason: string;
}

/** Notification sinks register here; a listener that throws is logged and never fails the run. */
export const runFailedListeners: ((event: BackupRunFailedEvent) => Promise<void> | void)[] = [];

export interface RunnerOptions {
    configFile: string;
    stateDir: string;
    env: NodeJS.ProcessEnv;
    now: () => Date;
    log: (line: string) => void;
}

async function readConfig(file: string): Promise<BackupConfig> {
    return parseConfig(await fs.readFile(file, "utf8"), `file ${file}`);
}

export async function readState(stateDir: string): Promise<RunnerState> {
    try {
        return JSON.parse(await fs.readFile(path.join(stateDir, "state.json"), "utf8")) as RunnerState;
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return EMPTY_RUNNER_STATE;
        throw e;
    }
}

/** Replaces the state file atomically: a scrape never reads half a file. */
async function writeState(stateDir: string, state: RunnerState): Promise<void> {
    const tmp = path.join(stateDir, `.state-${process.pid}.json`);
    await fs.writeFile(tmp, JSON.stringify(state, null, 2) + "\n");
    await fs.rename(tmp, path.join(stateDir, "state.json"));
}

/** One scheduled run; resolves to the tool's exit code. */
export async function runOnce(o: RunnerOptions): Promise<number> {
    const cfg = await readConfig(o.configFile);
    const started = Date.now();
    let line = "";
    let lastError = "";
    const io = {
        stdout: (l: string) => (line = l),
        stderr: (l: string) => {
            if (l.startsWith("error: ")) lastError = l.slice("error: ".length);
            o.log(l.replace(/\n$/, ""));
        },
        readLine: async () => null,
        env: { ...o.env, SWITCHYARD_BACKUP_CONFIG_FILE: o.configFile, SWITCHYARD_BACKUP_CONFIG: undefined },
        now: o.now,
    };
    o.log(`[backup-runner] ${o.now().toISOString()} scheduled snapshot of stack '${cfg.stack}'`);
    const code = await tool(["snapshot"], io);
    const durationSeconds = (Date.now() - started) / 1000;
    const at = o.now();
    const state = await readState(o.stateDir);
    if (code === 0) {
        const r = JSON.parse(line) as { snapshotId: string; totalBytes: number };
        await writeState(
            o.stateDir,
            recordRun(state, { at, durationSeconds, success: true, snapshotId: r.snapshotId, totalBytes: r.totalBytes }),
        );
        o.log(`[backup-runner] snapshot ${r.snapshotId}: ${r.totalBytes} bytes in ${durationSeconds.toFixed(1)} s, verified and published`);
        // Retention after a good run only; a prune failure keeps every snapshot and does not fail the run.
        const pruned = await tool(["prune", "--json"], { ...io, stdout: (l: string) => o.log(`[backup-runner] prune ${l}`) });
        if (pruned !== 0) o.log(`[backup-runner] warning: prune failed (exit ${pruned}); every snapshot was kept`);
        return 0;
    }
    const reason = lastError.split("\n")[0] || `the backup tool exited with ${code}`;
    await writeState(o.stateDir, recordRun(state, { at, durationSeconds, success: false, error: reason }));
    const event: BackupRunFailedEvent = { kind: "backup-run-failed", at: at.toISOString(), stack: cfg.stack, durationSeconds, reason };
    await fs.appendFile(path.join(o.stateDir, "events.jsonl"), JSON.stringify(event) + "\n");
    for (const listener of runFailedListeners) {
        try {
            await listener(event);
        } catch (e) {
            o.log(`[backup-runner] warning: a run-failed listener failed: ${(e as Error).message}`);
        }
    }
    o.log(`[backup-runner] run FAILED after ${durationSeconds.toFixed(1)} s: ${reason}; nothing was published`);
    return code;
}

/** createdAt of the newest complete snapshot of the stack at the target, any kind. */
export async function newestSnapshotAt(cfg: BackupConfig, env: NodeJS.ProcessEnv): Promise<string | undefined> {
    const scope = await listStack(makeTarget(cfg.target, env), cfg);
    const times = scope.own.filter((s) => s.complete && s.manifest).map((s) => s.manifest!.createdAt);
    return times.sort().pop();
}

/** Serves /metrics and /healthz. The target listing is cached for `cacheMs` (S3 lists cost requests). */
export async function serve(o: RunnerOptions & { port: number; cacheMs?: number }): Promise<http.Server> {
    const cfg = await readConfig(o.configFile);
    let cached: { at: number; value: string | undefined } | undefined;
    const newest = async () => {
        if (cached && Date.now() - cached.at < (o.cacheMs ?? 10_000)) return cached.value;
        try {
            cached = { at: Date.now(), value: await newestSnapshotAt(cfg, o.env) };
        } catch (e) {
            // The target cannot be read: no value, which the alert counts as stale.
            o.log(`[backup-runner] warning: listing the target failed: ${(e as Error).message}`);
            cached = { at: Date.now(), value: undefined };
        }
        return cached.value;
    };
    const server = http.createServer((req, res) => {
        const done = (status: number, body: string, type = "text/plain; charset=utf-8") => {
            res.writeHead(status, { "content-type": type });
            res.end(body);
        };
        if (req.url === "/healthz") return done(200, "ok\n");
        if (req.url !== "/metrics") return done(404, "not found\n");
        Promise.all([readState(o.stateDir), newest()]).then(
            ([state, at]) => done(200, renderRunnerMetrics(cfg.stack, state, at), "text/plain; version=0.0.4; charset=utf-8"),
            (e: Error) => done(500, `${e.message}\n`),
        );
    });
    await new Promise<void>((resolve) => server.listen(o.port, "0.0.0.0", resolve));
    o.log(`[backup-runner] serving metrics of stack '${cfg.stack}' on :${o.port}/metrics`);
    return server;
}
