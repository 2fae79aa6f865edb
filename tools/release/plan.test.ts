import fc from "fast-check";
import { next, Outcome, Phase, planSteps, PlanState } from "./plan";

describe("planSteps", () => {
    test("bare weights take stepPause, a final 100 is promotion (no step), indefinite stays", () => {
        expect(
            planSteps({ steps: [{ weight: 0.5, pause: "2m" }, { weight: 10, pause: "indefinite" }, 0, 25, 100], stepPause: "30s" }),
        ).toEqual([
            { weightPercent: 0.5, permille: 5, pauseMs: 120_000 },
            { weightPercent: 10, permille: 100, pauseMs: "indefinite" },
            { weightPercent: 0, permille: 0, pauseMs: 30_000 },
            { weightPercent: 25, permille: 250, pauseMs: 30_000 },
        ]);
    });
    test("without a final 100 the plan is the same: promotion follows the last step", () => {
        expect(planSteps({ steps: [10, 50], stepPause: "1s" })).toEqual(planSteps({ steps: [10, 50, 100], stepPause: "1s" }));
    });
});

describe("the release state machine", () => {
    const at = (phase: Phase, stepIndex = 0): PlanState => ({ phase, stepIndex });
    test.each<[PlanState, Outcome, number, PlanState, string]>([
        [at("step", 0), "step-passed", 3, at("step", 1), "run-step"],
        [at("step", 2), "step-passed", 3, at("watch", 3), "promote"],
        [at("step", 1), "inconclusive", 3, at("paused", 1), "wait"],
        [at("step", 1), "indefinite-pause", 3, at("paused", 1), "wait"],
        [at("paused", 1), "promote", 3, at("step", 2), "run-step"],
        [at("paused", 1), "promote-full", 3, at("watch", 3), "promote"],
        [at("paused", 2), "promote", 3, at("watch", 3), "promote"],
        [at("paused", 1), "resume", 3, at("step", 1), "run-step"],
        [at("step", 1), "failed", 3, at("step", 1), "rollback"],
        [at("watch", 3), "failed", 3, at("watch", 3), "rollback"],
        [at("paused", 1), "abort", 3, at("paused", 1), "rollback"],
        [at("step", 1), "rolled-back", 3, at("rolled-back", 1), "done"],
        [at("paused", 1), "aborted", 3, at("aborted", 1), "done"],
        [at("watch", 3), "watch-passed", 3, at("promoted", 3), "done"],
        [at("rolled-back", 1), "retry", 3, at("step", 0), "run-step"],
    ])("%j + %s", (s, o, count, state, action) => {
        expect(next(s, o, count)).toEqual({ state, action });
    });

    test.each<[PlanState, Outcome]>([
        [at("promoted", 3), "promote"],
        [at("rolled-back", 1), "abort"],
        [at("watch", 3), "promote"],
        [at("watch", 3), "pause"],
        [at("step", 1), "resume"],
        [at("step", 1), "retry"],
    ])("%j refuses %s", (s, o) => {
        expect(() => next(s, o, 3)).toThrow(/release/);
    });

    test("any sequence of passing steps reaches promotion in exactly stepCount steps, through every index", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 20 }), (count) => {
                let t = { state: at("step", 0), action: "run-step" as string };
                const seen: number[] = [];
                while (t.action === "run-step") {
                    seen.push(t.state.stepIndex);
                    t = next(t.state, "step-passed", count);
                }
                return t.action === "promote" && seen.join() === Array.from({ length: count }, (_, i) => i).join();
            }),
        );
    });

    test("from any in-progress state, abort or failure always leads to rollback", () => {
        fc.assert(
            fc.property(
                fc.constantFrom<Phase>("step", "paused", "watch"),
                fc.nat(10),
                fc.constantFrom<Outcome>("abort", "failed"),
                (p, i, o) => {
                    return next(at(p, i), o, 10).action === "rollback";
                },
            ),
        );
    });
});
