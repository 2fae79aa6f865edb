import * as fc from "fast-check";
import { BACKUP_METRICS, EMPTY_RUNNER_STATE, recordRun, renderRunnerMetrics } from "./runnerMetrics";

const T = new Date("2026-01-02T03:04:05.000Z");
const ok = (state = EMPTY_RUNNER_STATE, at = T) =>
    recordRun(state, { at, durationSeconds: 2.5, success: true, snapshotId: "s1", totalBytes: 1234 });
const failed = (state = EMPTY_RUNNER_STATE, at = T) =>
    recordRun(state, { at, durationSeconds: 0.25, success: false, error: "db down\nmore" });

describe("renderRunnerMetrics", () => {
    test.each([
        {
            name: "nothing yet: only the counters",
            state: EMPTY_RUNNER_STATE,
            newest: undefined,
            has: [],
            lacks: Object.values(BACKUP_METRICS).filter((m) => m !== BACKUP_METRICS.runsTotal),
        },
        {
            name: "after a good run",
            state: ok(),
            newest: "2026-01-02T03:04:00.000Z",
            has: [
                `${BACKUP_METRICS.lastRunSuccess}{stack="s"} 1`,
                `${BACKUP_METRICS.lastRunDuration}{stack="s"} 2.500`,
                `${BACKUP_METRICS.lastSuccessBytes}{stack="s"} 1234`,
                `${BACKUP_METRICS.lastSuccessTimestamp}{stack="s"} 1767323045`,
                `${BACKUP_METRICS.newestSnapshotTimestamp}{stack="s"} 1767323040`,
                `${BACKUP_METRICS.runsTotal}{stack="s",result="success"} 1`,
            ],
            lacks: [],
        },
        {
            name: "a failed run after a good one keeps the last success",
            state: failed(ok()),
            newest: "2026-01-02T03:04:00.000Z",
            has: [
                `${BACKUP_METRICS.lastRunSuccess}{stack="s"} 0`,
                `${BACKUP_METRICS.lastSuccessBytes}{stack="s"} 1234`,
                `result="failure"} 1`,
            ],
            lacks: [],
        },
        {
            name: "a failed first run: no success gauges",
            state: failed(),
            newest: undefined,
            has: [`${BACKUP_METRICS.lastRunSuccess}{stack="s"} 0`],
            lacks: [BACKUP_METRICS.lastSuccessTimestamp, BACKUP_METRICS.newestSnapshotTimestamp],
        },
    ])("$name", ({ state, newest, has, lacks }) => {
        const text = renderRunnerMetrics("s", state, newest);
        for (const h of has) expect(text).toContain(h);
        for (const l of lacks) expect(text).not.toContain(l);
    });

    test("a failure reason keeps its first line only", () => {
        expect(failed().lastRun?.error).toBe("db down");
    });

    test("property: every sample line is `name{labels} number`, and the run counters add up", () => {
        const run = fc.record({ ok: fc.boolean(), secs: fc.double({ min: 0, max: 1e5, noNaN: true }), bytes: fc.nat() });
        fc.assert(
            fc.property(fc.array(run, { maxLength: 20 }), fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), (runs, stack) => {
                let state = EMPTY_RUNNER_STATE;
                for (const r of runs)
                    state = r.ok
                        ? recordRun(state, { at: T, durationSeconds: r.secs, success: true, snapshotId: "x", totalBytes: r.bytes })
                        : recordRun(state, { at: T, durationSeconds: r.secs, success: false, error: "e" });
                const text = renderRunnerMetrics(stack, state, T.toISOString());
                const samples = text.split("\n").filter((l) => l && !l.startsWith("#"));
                const good = samples.every((l) => /^[a-z_]+\{stack="[^"]+"(,result="(success|failure)")?\} -?\d+(\.\d+)?$/.test(l));
                return (
                    good &&
                    state.runs.success + state.runs.failure === runs.length &&
                    state.runs.success === runs.filter((r) => r.ok).length
                );
            }),
        );
    });
});
