/**
 * Counting for an open-loop load: every request is counted when it is sent and once more when it
 * settles (an HTTP answer, a connection error or the client's deadline), so nothing can go missing
 * between the two counts.
 */

/** How one request ended. */
export type Outcome =
    | { readonly kind: "answered"; readonly status: number; readonly color?: string }
    | { readonly kind: "connError" }
    | { readonly kind: "timeout" };

export interface Tally {
    readonly sent: number;
    /** Requests with an HTTP answer (any status). */
    readonly answered: number;
    /** Answers with a 2xx status. */
    readonly ok: number;
    /** Answers with another status. */
    readonly non2xx: number;
    /** Refused, reset or closed before an answer. */
    readonly connErrors: number;
    /** No answer within the client's deadline. */
    readonly timeouts: number;
    /** 2xx answers by the colour that served them (the app's X-Switchyard-Color header). */
    readonly byColor: Readonly<Record<string, number>>;
    /** Milliseconds since the load started of the first and the last request that failed. */
    readonly firstFailureMs?: number;
    readonly lastFailureMs?: number;
}

export const EMPTY: Tally = { sent: 0, answered: 0, ok: 0, non2xx: 0, connErrors: 0, timeouts: 0, byColor: {} };

export function markSent(t: Tally): Tally {
    return { ...t, sent: t.sent + 1 };
}

const isOk = (status: number) => status >= 200 && status < 300;

/** Counts one settled request; `atMs` is when it was sent (ms since the load started). */
export function settle(t: Tally, o: Outcome, atMs: number): Tally {
    if (o.kind === "answered" && isOk(o.status)) {
        const c = o.color ?? "none";
        return { ...t, answered: t.answered + 1, ok: t.ok + 1, byColor: { ...t.byColor, [c]: (t.byColor[c] ?? 0) + 1 } };
    }
    const failed = {
        ...t,
        firstFailureMs: t.firstFailureMs === undefined ? atMs : Math.min(t.firstFailureMs, atMs),
        lastFailureMs: t.lastFailureMs === undefined ? atMs : Math.max(t.lastFailureMs, atMs),
    };
    if (o.kind === "answered") {
        return { ...failed, answered: t.answered + 1, non2xx: t.non2xx + 1 };
    }
    return o.kind === "connError" ? { ...failed, connErrors: t.connErrors + 1 } : { ...failed, timeouts: t.timeouts + 1 };
}

/** Requests sent that have not settled (in flight). */
export function inFlight(t: Tally): number {
    return t.sent - t.answered - t.connErrors - t.timeouts;
}

/** Requests sent that got no 2xx answer (failed or never settled). */
export function lost(t: Tally): number {
    return t.sent - t.ok;
}

const minOf = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
const maxOf = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));

/** The sum of several tallies (streams, or runs). */
export function combine(tallies: readonly Tally[]): Tally {
    return tallies.reduce((acc, t) => {
        const byColor: Record<string, number> = { ...acc.byColor };
        for (const [c, n] of Object.entries(t.byColor)) {
            byColor[c] = (byColor[c] ?? 0) + n;
        }
        const first = minOf(acc.firstFailureMs, t.firstFailureMs);
        const last = maxOf(acc.lastFailureMs, t.lastFailureMs);
        return {
            sent: acc.sent + t.sent,
            answered: acc.answered + t.answered,
            ok: acc.ok + t.ok,
            non2xx: acc.non2xx + t.non2xx,
            connErrors: acc.connErrors + t.connErrors,
            timeouts: acc.timeouts + t.timeouts,
            byColor,
            ...(first === undefined ? {} : { firstFailureMs: first }),
            ...(last === undefined ? {} : { lastFailureMs: last }),
        };
    }, EMPTY);
}

/** The figures of a tally for a report: counts, lost, and the failed requests' send times relative to `fromMs`, in seconds. */
export function figures(t: Tally, fromMs = 0): Record<string, number | Record<string, number> | null> {
    const rel = (ms?: number) => (ms === undefined ? null : Math.round(ms - fromMs) / 1000);
    return {
        sent: t.sent,
        answered: t.answered,
        ok: t.ok,
        non2xx: t.non2xx,
        connErrors: t.connErrors,
        timeouts: t.timeouts,
        lost: lost(t),
        inFlight: inFlight(t),
        byColor: { ...t.byColor },
        firstFailureS: rel(t.firstFailureMs),
        lastFailureS: rel(t.lastFailureMs),
    };
}

/** Requests an open-loop stream at `rate` per second has to have sent `elapsedMs` after it started. */
export function dueBy(elapsedMs: number, rate: number): number {
    return Math.max(0, Math.floor((elapsedMs * rate) / 1000));
}
