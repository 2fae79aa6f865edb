/**
 * Scoring of analysis readings (router metrics of the canary and stable colours from Prometheus)
 * into pass / fail / inconclusive / error samples, and the step's verdict from the tally. Pure.
 */
import type { ReleaseSettings } from "../../config/release";
import type { AnalysisSample } from "../../domain/releaseEvent";

type Analysis = ReleaseSettings["analysis"];
export type SampleResult = AnalysisSample["result"];

/** One colour's router metrics over the analysis window. */
export interface ColorReading {
    readonly requests: number;
    /** 5xx share 0..1; absent when the colour had no request. */
    readonly errorRatio?: number;
    readonly p95Seconds?: number;
    /** Scrape targets (app containers) of the colour that Prometheus finds down. */
    readonly down?: number;
    /**
     * Of `requests`, those the driver sent itself (synthetic traffic, canary only) in the window, and
     * how many of them answered 5xx: they count towards minRequests, and the samples keep them apart.
     */
    readonly synthetic?: { readonly requests: number; readonly errors: number };
}

export type Reading =
    | { readonly ok: true; readonly at: string; readonly canary: ColorReading; readonly stable: ColorReading }
    | { readonly ok: false; readonly at: string; readonly error: string };

export interface Score {
    readonly result: SampleResult;
    readonly samples: AnalysisSample[];
    /** The breached metric and its value, or why there is no verdict. */
    readonly reason?: string;
}

const fmt = (v: number) => Number(v.toPrecision(4)).toString();

/** Scores one reading. Prometheus unreachable or silent is an error, never a pass. */
export function scoreReading(r: Reading, a: Analysis): Score {
    const at = r.at;
    if (!r.ok) {
        return {
            result: "error",
            samples: [{ at, metric: "requests", threshold: a.minRequests, result: "error" }],
            reason: `no analysis reading: ${r.error}`,
        };
    }
    const { canary, stable } = r;
    if (canary.down !== undefined && canary.down > 0) {
        // A dead canary container gets no traffic (nginx retries elsewhere): few requests must not hide it.
        return {
            result: "fail",
            samples: [{ at, metric: "containersDown", canary: canary.down, threshold: 0, result: "fail" }],
            reason: `${canary.down} canary container(s) down (Prometheus up == 0)`,
        };
    }
    const requests: AnalysisSample = {
        at,
        metric: "requests",
        canary: canary.requests,
        stable: stable.requests,
        threshold: a.minRequests,
        result: canary.requests >= a.minRequests && canary.requests > 0 ? "pass" : "inconclusive",
    };
    const syn = canary.synthetic;
    // What the users sent: the router's count less the driver's own requests (never below 0: the windows differ a little).
    const organic: AnalysisSample[] = syn
        ? [
              { at, metric: "syntheticRequests", canary: syn.requests, threshold: 0, result: "pass" },
              { at, metric: "syntheticErrors", canary: syn.errors, threshold: 0, result: "pass" },
              { at, metric: "organicRequests", canary: Math.max(0, canary.requests - syn.requests), threshold: 0, result: "pass" },
          ]
        : [];
    if (requests.result === "inconclusive") {
        return {
            result: "inconclusive",
            samples: [requests, ...organic],
            reason: `${fmt(canary.requests)} canary requests in the window${syn ? ` (${syn.requests} synthetic)` : ""}, fewer than analysis.minRequests ${a.minRequests}`,
        };
    }
    const samples: AnalysisSample[] = [requests, ...organic];
    const reasons: string[] = [];
    const check = (metric: string, value: number | undefined, stableValue: number | undefined, threshold: number, failed: boolean) => {
        const result: SampleResult = value === undefined ? "error" : failed ? "fail" : "pass";
        samples.push({
            at,
            metric,
            ...(value !== undefined ? { canary: value } : {}),
            ...(stableValue !== undefined ? { stable: stableValue } : {}),
            threshold,
            result,
        });
        if (result === "fail") {
            reasons.push(`${metric} ${fmt(value as number)} > ${fmt(threshold)}`);
        } else if (result === "error") {
            reasons.push(`${metric}: Prometheus gave no value`);
        }
    };
    const e = canary.errorRatio;
    check("errorRatio", e, undefined, a.thresholds.errorRatio, e !== undefined && e > a.thresholds.errorRatio);
    if (stable.errorRatio !== undefined) {
        const limit = stable.errorRatio + a.relative.errorRatioDelta;
        check("errorRatioVsStable", e, stable.errorRatio, limit, e !== undefined && e > limit);
    }
    const p = canary.p95Seconds;
    check("p95Seconds", p, undefined, a.thresholds.p95Seconds, p !== undefined && p > a.thresholds.p95Seconds);
    if (stable.p95Seconds !== undefined) {
        const limit = Math.max(a.relative.p95FloorSeconds, stable.p95Seconds * a.relative.p95Factor);
        check("p95SecondsVsStable", p, stable.p95Seconds, limit, p !== undefined && p > limit);
    }
    const result: SampleResult = samples.some((s) => s.result === "fail")
        ? "fail"
        : samples.some((s) => s.result === "error")
          ? "error"
          : "pass";
    return { result, samples, ...(reasons.length > 0 ? { reason: reasons.join("; ") } : {}) };
}

export interface Tally {
    readonly pass: number;
    readonly fail: number;
    readonly inconclusive: number;
    readonly error: number;
    readonly consecutiveErrors: number;
}

export const EMPTY_TALLY: Tally = { pass: 0, fail: 0, inconclusive: 0, error: 0, consecutiveErrors: 0 };

export function addToTally(t: Tally, r: SampleResult): Tally {
    return { ...t, [r]: t[r] + 1, consecutiveErrors: r === "error" ? t.consecutiveErrors + 1 : 0 };
}

export type Verdict = { readonly kind: "continue" } | { readonly kind: "pass" | "fail" | "inconclusive"; readonly reason: string };

/**
 * The step's verdict so far. Failures and errors end the step as soon as a limit is exceeded;
 * at the end of the pause the step passes only with at least one passing reading.
 */
export function verdict(t: Tally, a: Analysis, pauseOver: boolean): Verdict {
    if (t.fail > a.failureLimit) {
        return { kind: "fail", reason: `${t.fail} failed reading(s), more than analysis.failureLimit ${a.failureLimit}` };
    }
    if (t.consecutiveErrors > a.consecutiveErrorLimit) {
        return {
            kind: "fail",
            reason: `${t.consecutiveErrors} readings in a row without an answer from Prometheus, more than analysis.consecutiveErrorLimit ${a.consecutiveErrorLimit}`,
        };
    }
    if (t.inconclusive > a.inconclusiveLimit) {
        return {
            kind: "inconclusive",
            reason: `${t.inconclusive} inconclusive reading(s) (too few canary requests), more than analysis.inconclusiveLimit ${a.inconclusiveLimit}`,
        };
    }
    if (!pauseOver) {
        return { kind: "continue" };
    }
    if (t.pass === 0) {
        return {
            kind: "inconclusive",
            reason: `no passing reading during the pause (${t.inconclusive} inconclusive, ${t.error} without answer)`,
        };
    }
    return {
        kind: "pass",
        reason: `${t.pass} passing reading(s), ${t.fail} failed, ${t.inconclusive} inconclusive, ${t.error} without answer`,
    };
}

/** The stability watch: a breach when the new colour's 5xx count exceeds maxErrors, or Prometheus stays silent. */
export function watchVerdict(
    errors: number | undefined,
    consecutiveErrors: number,
    w: { maxErrors: number },
    consecutiveErrorLimit: number,
): { breach: boolean; reason?: string } {
    if (errors !== undefined && errors > w.maxErrors) {
        return {
            breach: true,
            reason: `${Math.round(errors)} 5xx responses on the new colour during the watch, more than watch.maxErrors ${w.maxErrors}`,
        };
    }
    if (consecutiveErrors > consecutiveErrorLimit) {
        return { breach: true, reason: `Prometheus did not answer ${consecutiveErrors} times in a row during the watch` };
    }
    return { breach: false };
}
