/**
 * The scheduled backup runner (switchyard/backup-runner container, components/backup/backupRunner.ts):
 *  - `install`: the program's settings (schedule, tool config, notification sinks) written into the
 *    running container, read from stdin. A schedule change is this, never a new container: cron
 *    re-reads /etc/cron.d, and each run and scrape reads the files afresh.
 *  - `run`: one scheduled snapshot with the backup tool's own `snapshot` and `prune` (the same code
 *    the pre-deploy Command runs), then the run's result into the state file. cron starts it through
 *    switchyard-backup-run, which holds a lock so runs never overlap.
 *  - `serve`: the state and the newest complete snapshot at the target as Prometheus metrics.
 * A failed run publishes nothing (the tool stages, verifies, then publishes) and leaves every
 * earlier snapshot as it was; it is recorded, logged, and sent to the stack's notification sinks.
 */
import { promises as fs } from "fs";
import * as http from "http";
import * as path from "path";
import type { NotificationSettings } from "../../config/notifications";
import { EMPTY_RUNNER_STATE, recordRun, renderRunnerMetrics, RunnerState } from "../../domain/backup/runnerMetrics";
import { createNotifier } from "../../tools/lib/notify";
import { listStack } from "./common";
import { BackupConfig, parseConfig } from "./config";
import { makeTarget } from "./targets";
import { main as tool } from "./tool";

/** Paths and port inside the runner container (the image and the component use the same). */
export const RUNNER = {
    configFile: "/etc/switchyard/backup.json",
    /** The sinks and their secrets (0600); absent when the stack has none. */
    notifyFile: "/etc/switchyard/notify.json",
    cronFile: "/etc/cron.d/switchyard-backup",
    stateDir: "/var/lib/switchyard-backup",
    port: 9187,
} as const;

/** What the program installs into the runner (runtime/backup-runner-install.sh pipes it in as JSON). */
export interface RunnerInstall {
    /** 5-field cron expression (the stack config validated it). */
    readonly cron: string;
    /** The backup tool's config JSON (toolConfig, kind scheduled): database URLs included. */
    readonly config: string;
    /** The stack's sinks and their URLs or tokens; null when it has none. */
    readonly notifications: { readonly settings: NotificationSettings; readonly secrets: Readonly<Record<string, string>> } | null;
}

/**
 * A failed scheduled run as the state volume keeps it: one JSON line in `<stateDir>/events.jsonl`.
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

export interface RunnerOptions {
    configFile: string;
    notifyFile: string;
    stateDir: string;
    env: NodeJS.ProcessEnv;
    now: () => Date;
    log: (line: string) => void;
}

/**
 * The /etc/cron.d line for a schedule. Only digits, `*`, `,`, `-`, `/` and spaces pass: a `%` or a
 * newline would change what cron runs.
 */
export function cronEntry(cron: string): string {
    const fields = cron.trim().split(/\s+/);
    if (fields.length !== 5 || !fields.every((f) => /^[0-9*,/-]+$/.test(f))) {
        throw new Error(`not a 5-field cron expression of numbers, *, ranges, lists and /steps: ${JSON.stringify(cron)}`);
    }
    return `${fields.join(" ")} root /usr/local/bin/switchyard-backup-run >/proc/1/fd/1 2>/proc/1/fd/2\n`;
}

/** Writes a file whole or not at all (a run or a scrape never reads half of it), with its mode. */
async function writeAtomic(file: string, text: string, mode: number): Promise<void> {
    // A leading dot: cron ignores the file while it is being written in /etc/cron.d.
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}-${process.pid}`);
    await fs.writeFile(tmp, text, { mode });
    await fs.chmod(tmp, mode);
    await fs.rename(tmp, file);
}

/**
 * Installs the settings the program sends: checks them all before writing any, then the tool config
 * and the sinks (0600: they hold URLs, passwords and tokens), the cron line last. Returns one line
 * for the Command's output, without secrets.
 */
export async function install(text: string, files: { configFile: string; notifyFile: string; cronFile: string }): Promise<string> {
    const p = JSON.parse(text) as RunnerInstall;
    const entry = cronEntry(p.cron);
    const cfg = parseConfig(p.config, "the installed config");
    const sinks = p.notifications?.settings.sinks ?? [];
    await writeAtomic(files.configFile, p.config, 0o600);
    if (sinks.length > 0) {
        await writeAtomic(files.notifyFile, JSON.stringify(p.notifications), 0o600);
    } else {
        await fs.rm(files.notifyFile, { force: true });
    }
    await writeAtomic(files.cronFile, entry, 0o644);
    return `switchyard-backup-runner: stack '${cfg.stack}': schedule '${p.cron.trim()}', ${sinks.length} notification sink(s)`;
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
    o.log(`[backup-runner] run FAILED after ${durationSeconds.toFixed(1)} s: ${reason}; nothing was published`);
    await notifyFailure(o, event);
    return code;
}

/**
 * Sends a failed run to the stack's sinks, if it has any. The notifier's budget per sink
 * (notifications.timeoutSeconds, at most 60 s) bounds it; it never throws.
 */
async function notifyFailure(o: RunnerOptions, e: BackupRunFailedEvent): Promise<void> {
    let sinks: NonNullable<RunnerInstall["notifications"]>;
    try {
        sinks = JSON.parse(await fs.readFile(o.notifyFile, "utf8"));
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
            o.log(`[backup-runner] warning: the notification settings cannot be read (${(err as Error).message}); nothing was sent`);
        }
        return;
    }
    const notify = createNotifier(sinks.settings, sinks.secrets, (l) => o.log(`[backup-runner] ${l}`));
    await notify({
        kind: "failure",
        subject: "scheduled-backup",
        at: e.at,
        stack: e.stack,
        reason: e.reason,
        durationSeconds: e.durationSeconds,
    });
}

/** createdAt of the newest complete snapshot of the stack at the target, any kind. */
export async function newestSnapshotAt(cfg: BackupConfig, env: NodeJS.ProcessEnv): Promise<string | undefined> {
    const scope = await listStack(makeTarget(cfg.target, env), cfg);
    const times = scope.own.filter((s) => s.complete && s.manifest).map((s) => s.manifest!.createdAt);
    return times.sort().pop();
}

/**
 * Serves /metrics and /healthz. The config is read at each scrape (an install changes it in place);
 * until the first install /metrics answers 503. The target listing is cached for `cacheMs` (S3 lists
 * cost requests), per config.
 */
export async function serve(o: RunnerOptions & { port: number; cacheMs?: number }): Promise<http.Server> {
    let cached: { at: number; config: string; value: string | undefined } | undefined;
    const newest = async (cfg: BackupConfig, text: string) => {
        if (cached && cached.config === text && Date.now() - cached.at < (o.cacheMs ?? 10_000)) return cached.value;
        try {
            cached = { at: Date.now(), config: text, value: await newestSnapshotAt(cfg, o.env) };
        } catch (e) {
            // The target cannot be read: no value, which the alert counts as stale.
            o.log(`[backup-runner] warning: listing the target failed: ${(e as Error).message}`);
            cached = { at: Date.now(), config: text, value: undefined };
        }
        return cached.value;
    };
    const metrics = async (): Promise<[number, string]> => {
        let text: string;
        try {
            text = await fs.readFile(o.configFile, "utf8");
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "ENOENT") return [503, "no settings installed yet\n"];
            throw e;
        }
        const cfg = parseConfig(text, `file ${o.configFile}`);
        const [state, at] = await Promise.all([readState(o.stateDir), newest(cfg, text)]);
        return [200, renderRunnerMetrics(cfg.stack, state, at)];
    };
    const server = http.createServer((req, res) => {
        const done = (status: number, body: string, type = "text/plain; charset=utf-8") => {
            res.writeHead(status, { "content-type": type });
            res.end(body);
        };
        if (req.url === "/healthz") return done(200, "ok\n");
        if (req.url !== "/metrics") return done(404, "not found\n");
        metrics().then(
            ([status, body]) => done(status, body, status === 200 ? "text/plain; version=0.0.4; charset=utf-8" : undefined),
            (e: Error) => done(500, `${e.message}\n`),
        );
    });
    await new Promise<void>((resolve) => server.listen(o.port, "0.0.0.0", resolve));
    o.log(`[backup-runner] serving metrics on :${o.port}/metrics`);
    return server;
}
