/**
 * The backup runner's health as Prometheus metrics: names shared by the runner (which renders
 * them), the scrape config, the alert rule and the dashboard; and the pure rendering of the
 * runner's state into the text exposition format.
 */

export const BACKUP_METRICS = {
    /** Gauge: unix time the last scheduled run ended (success or not). */
    lastRunTimestamp: "switchyard_backup_last_run_timestamp_seconds",
    /** Gauge: 1 when the last scheduled run published a verified snapshot, 0 when it failed. */
    lastRunSuccess: "switchyard_backup_last_run_success",
    /** Gauge: seconds the last scheduled run took. */
    lastRunDuration: "switchyard_backup_last_run_duration_seconds",
    /** Gauge: bytes of the snapshot the last successful run published. */
    lastSuccessBytes: "switchyard_backup_last_success_size_bytes",
    /** Gauge: unix time the last successful run ended. */
    lastSuccessTimestamp: "switchyard_backup_last_success_timestamp_seconds",
    /** Gauge: createdAt of the newest complete (verified before publishing) snapshot of the stack, any kind. */
    newestSnapshotTimestamp: "switchyard_backup_newest_snapshot_timestamp_seconds",
    /** Counter `{result}`: runs since the runner's state began (success | failure). */
    runsTotal: "switchyard_backup_runs_total",
} as const;

/** What a run leaves behind for the next scrape (the runner's state file). */
export interface RunnerState {
    readonly lastRun?: {
        /** ISO time the run ended. */
        readonly at: string;
        readonly success: boolean;
        readonly durationSeconds: number;
        readonly snapshotId?: string;
        readonly totalBytes?: number;
        /** Why it failed, one line. */
        readonly error?: string;
    };
    readonly lastSuccess?: {
        readonly at: string;
        readonly snapshotId: string;
        readonly totalBytes: number;
        readonly durationSeconds: number;
    };
    readonly runs: { readonly success: number; readonly failure: number };
}

export const EMPTY_RUNNER_STATE: RunnerState = { runs: { success: 0, failure: 0 } };

/** The state after one run. Pure: the caller persists it. */
export function recordRun(
    state: RunnerState,
    run: { at: Date; durationSeconds: number } & (
        { success: true; snapshotId: string; totalBytes: number } | { success: false; error: string }
    ),
): RunnerState {
    const at = run.at.toISOString();
    if (run.success) {
        const facts = { at, snapshotId: run.snapshotId, totalBytes: run.totalBytes, durationSeconds: run.durationSeconds };
        return {
            lastRun: { ...facts, success: true },
            lastSuccess: facts,
            runs: { ...state.runs, success: state.runs.success + 1 },
        };
    }
    return {
        ...state,
        lastRun: { at, success: false, durationSeconds: run.durationSeconds, error: run.error.split("\n")[0].slice(0, 300) },
        runs: { ...state.runs, failure: state.runs.failure + 1 },
    };
}

const seconds = (iso: string) => Date.parse(iso) / 1000;
const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(3));
const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/**
 * The exposition text. A gauge without a value yet (no run, no snapshot) is left out rather than
 * reported as 0, so "never" cannot read as "1970"; the alert treats an absent newest snapshot as stale.
 */
export function renderRunnerMetrics(stack: string, state: RunnerState, newestSnapshotAt: string | undefined): string {
    const M = BACKUP_METRICS;
    const l = `stack="${esc(stack)}"`;
    const out: string[] = [];
    const gauge = (name: string, help: string, value: number | undefined) => {
        if (value === undefined || Number.isNaN(value)) return;
        out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}{${l}} ${num(value)}`);
    };
    const r = state.lastRun;
    gauge(M.lastRunTimestamp, "Unix time the last scheduled backup run ended.", r && seconds(r.at));
    gauge(M.lastRunSuccess, "1 if the last scheduled backup run published a verified snapshot, else 0.", r && (r.success ? 1 : 0));
    gauge(M.lastRunDuration, "Seconds the last scheduled backup run took.", r?.durationSeconds);
    const s = state.lastSuccess;
    gauge(M.lastSuccessTimestamp, "Unix time the last successful scheduled backup run ended.", s && seconds(s.at));
    gauge(M.lastSuccessBytes, "Bytes of the snapshot the last successful scheduled run published.", s?.totalBytes);
    gauge(
        M.newestSnapshotTimestamp,
        "Creation time of the newest complete, verified snapshot of the stack (any kind).",
        newestSnapshotAt === undefined ? undefined : seconds(newestSnapshotAt),
    );
    out.push(
        `# HELP ${M.runsTotal} Scheduled backup runs by result.`,
        `# TYPE ${M.runsTotal} counter`,
        `${M.runsTotal}{${l},result="success"} ${state.runs.success}`,
        `${M.runsTotal}{${l},result="failure"} ${state.runs.failure}`,
    );
    return out.join("\n") + "\n";
}
