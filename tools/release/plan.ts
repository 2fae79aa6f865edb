/**
 * The release plan and its state machine: pure functions, no clock and no I/O. The driver
 * (driver.ts) asks `next` what to do after each outcome and persists the state it returns, so
 * another process (`switchyard release promote|abort|retry|resume`) can continue the release.
 */
import type { ReleaseSettings } from "../../config/release";
import { parseDuration } from "../../domain/duration";
import { toPermille } from "../../domain/weights";

export interface PlannedStep {
    /** Percent of traffic for the canary colour (0 = header-only). */
    readonly weightPercent: number;
    readonly permille: number;
    /** Milliseconds of analysis before the next step, or indefinite (waits for `release promote`). */
    readonly pauseMs: number | "indefinite";
}

/** The steps before promotion; a final 100 (promotion itself) is not a step with a pause. */
export function planSteps(r: Pick<ReleaseSettings, "steps" | "stepPause">): PlannedStep[] {
    const defaultPause = parseDuration(r.stepPause) ?? 0;
    return r.steps
        .map((s) => (typeof s === "number" ? { weight: s, pause: undefined } : s))
        .filter((s) => s.weight !== 100)
        .map((s) => ({
            weightPercent: s.weight,
            permille: toPermille(s.weight),
            pauseMs:
                s.pause === undefined ? defaultPause : s.pause === "indefinite" ? "indefinite" : (parseDuration(s.pause) ?? defaultPause),
        }));
}

export const PHASES = ["step", "paused", "watch", "promoted", "rolled-back", "aborted"] as const;
export type Phase = (typeof PHASES)[number];

/** Where a release is: the phase and the index of the current step (steps.length = promotion). */
export interface PlanState {
    readonly phase: Phase;
    readonly stepIndex: number;
}

/** What happened (an analysis outcome, an operator command, a failure). */
export type Outcome =
    | "step-passed"
    | "inconclusive"
    | "indefinite-pause"
    | "failed"
    | "watch-passed"
    | "promote"
    | "promote-full"
    | "pause"
    | "resume"
    | "retry"
    | "abort"
    | "rolled-back"
    | "aborted";

export type Action = "run-step" | "promote" | "watch" | "rollback" | "wait" | "done";

export interface Transition {
    readonly state: PlanState;
    readonly action: Action;
}

const DONE: readonly Phase[] = ["promoted", "rolled-back", "aborted"];

/** True when the release has ended (nothing more to do but a new release). */
export function isFinished(s: PlanState): boolean {
    return DONE.includes(s.phase);
}

/**
 * The next state and what the driver does. Throws on an outcome that makes no sense in the state
 * (e.g. `promote` after the release was rolled back): the command says so and changes nothing.
 */
export function next(s: PlanState, o: Outcome, stepCount: number): Transition {
    const to = (phase: Phase, stepIndex: number, action: Action): Transition => ({ state: { phase, stepIndex }, action });
    const advance = (i: number): Transition => (i >= stepCount ? to("watch", stepCount, "promote") : to("step", i, "run-step"));
    if (isFinished(s) && o !== "retry") {
        throw new Error(`the release is ${s.phase}; '${o}' needs a release in progress (start one with switchyard release <version>)`);
    }
    switch (o) {
        case "step-passed":
            return s.phase === "step" ? advance(s.stepIndex + 1) : refuse(s, o);
        case "inconclusive":
        case "indefinite-pause":
        case "pause":
            return s.phase === "watch" ? refuse(s, o) : to("paused", s.stepIndex, "wait");
        case "promote":
            return s.phase === "paused" || s.phase === "step" ? advance(s.stepIndex + 1) : refuse(s, o);
        case "promote-full":
            return s.phase === "paused" || s.phase === "step" ? advance(stepCount) : refuse(s, o);
        case "resume":
            return s.phase === "paused" ? to("step", s.stepIndex, "run-step") : refuse(s, o);
        case "failed":
        case "abort":
            return to(s.phase, s.stepIndex, "rollback");
        case "rolled-back":
        case "aborted":
            return to(o, s.stepIndex, "done");
        case "watch-passed":
            return s.phase === "watch" ? to("promoted", s.stepIndex, "done") : refuse(s, o);
        case "retry":
            return s.phase === "rolled-back" || s.phase === "aborted" ? to("step", 0, "run-step") : refuse(s, o);
    }
}

function refuse(s: PlanState, o: Outcome): never {
    throw new Error(`'${o}' does not apply to a release that is ${s.phase} (step ${s.stepIndex + 1})`);
}
