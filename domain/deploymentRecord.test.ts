import { foldRecord, outcomeOf, RECORD_ID, recordId, RecordFacts } from "./deploymentRecord";
import { ReleaseEvent } from "./releaseEvent";

const base: Omit<ReleaseEvent, "kind" | "at"> = {
    stack: "prod",
    deploymentId: "prod-green-1-2-0-x",
    canaryColor: "green",
    stableColor: "blue",
    versions: { from: "1.1.0", to: "1.2.0" },
};
const ev = (kind: ReleaseEvent["kind"], at: string, more: Partial<ReleaseEvent> = {}): ReleaseEvent => ({ ...base, kind, at, ...more });

const facts: RecordFacts = {
    id: "20260101T000000Z-prod-release",
    kind: "release",
    stack: "prod",
    who: "alice <a@example.com>",
    commit: "c".repeat(40),
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:01:00.000Z",
    activeColor: { before: "blue", after: "blue" },
    versionsBefore: { blue: "1.1.0", green: "1.1.0" },
    versionsAfter: { blue: "1.1.0", green: "1.2.0" },
    snapshotId: "snap",
};

test.each([
    [[], "in-progress"],
    [["release-start", "step"], "in-progress"],
    [["release-start", "step", "promote"], "promoted"],
    [["release-start", "step", "rollback"], "rolled-back"],
    [["release-start", "failure"], "failed"],
    [["release-start", "promote", "watch-passed"], "promoted"],
] as const)("outcome of %j is %s", (kinds, expected) => {
    expect(outcomeOf(kinds.map((k, i) => ev(k, `2026-01-01T00:00:0${i}.000Z`)))).toBe(expected);
});

test("a rolled-back release: steps with times, samples, decisions and the reason, in time order", () => {
    const sample = {
        at: "2026-01-01T00:00:20.000Z",
        metric: "errorRatio",
        canary: 0.2,
        stable: 0,
        threshold: 0.01,
        result: "fail" as const,
    };
    const events = [
        ev("rollback", "2026-01-01T00:00:30.000Z", { decision: "rollback", reason: "errorRatio 0.2 > 0.01" }),
        ev("release-start", "2026-01-01T00:00:00.000Z"),
        ev("step", "2026-01-01T00:00:10.000Z", {
            step: { index: 0, count: 3, weightPercent: 10 },
            decision: "continue",
            samples: [sample],
        }),
    ];
    const r = foldRecord(facts, events);
    expect(r.outcome).toBe("rolled-back");
    expect(r.rollbackReason).toBe("errorRatio 0.2 > 0.01");
    expect(r.steps).toEqual([
        {
            name: "step 1/3",
            startedAt: "2026-01-01T00:00:10.000Z",
            finishedAt: "2026-01-01T00:00:30.000Z",
            seconds: 20,
            weightPercent: 10,
            detail: "continue",
        },
    ]);
    expect(r.samples).toEqual([sample]);
    expect(r.decisions.map((d) => d.decision)).toEqual(["continue", "rollback"]);
    expect(r.events.map((e) => e.kind)).toEqual(["release-start", "step", "rollback"]);
    expect(r.versions).toMatchObject({ from: "1.1.0", to: "1.2.0" });
    expect(r.colors).toEqual({ activeBefore: "blue", activeAfter: "blue", canary: "green", stable: "blue" });
    expect(r.deploymentId).toBe("prod-green-1-2-0-x");
});

test("the command's outcome wins over the events; a promoted release has no rollback reason", () => {
    expect(foldRecord({ ...facts, outcome: "failed", error: "x" }, [ev("rollback", "2026-01-01T00:00:00.000Z")]).outcome).toBe("failed");
    expect(foldRecord(facts, [ev("promote", "2026-01-01T00:00:00.000Z", { reason: "all passed" })]).rollbackReason).toBeNull();
});

test("record ids sort by time and are what config accepts as latestRecord", () => {
    const a = recordId(new Date("2026-01-01T09:59:59.999Z"), "prod", "rollback-2");
    const b = recordId(new Date("2026-01-01T10:00:00.000Z"), "prod", "release");
    expect(a).toBe("20260101T095959Z-prod-rollback-2");
    expect([b, a].sort()).toEqual([a, b]);
    expect(RECORD_ID.test(a) && RECORD_ID.test(b)).toBe(true);
});
