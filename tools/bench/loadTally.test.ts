import fc from "fast-check";
import { combine, dueBy, EMPTY, figures, inFlight, lost, markSent, Outcome, settle, Tally } from "./loadTally";

const run = (events: readonly [Outcome | "sent", number][]): Tally =>
    events.reduce((t, [e, at]) => (e === "sent" ? markSent(t) : settle(t, e, at)), EMPTY);

const ok = (color?: string): Outcome => ({ kind: "answered", status: 200, ...(color ? { color } : {}) });
const status = (s: number): Outcome => ({ kind: "answered", status: s });
const conn: Outcome = { kind: "connError" };
const timeout: Outcome = { kind: "timeout" };

describe("settle", () => {
    test.each<[string, [Outcome | "sent", number][], Partial<Tally> & { lost: number; inFlight: number }]>([
        ["nothing", [], { sent: 0, ok: 0, lost: 0, inFlight: 0 }],
        ["sent, not settled", [["sent", 0]], { sent: 1, ok: 0, lost: 1, inFlight: 1 }],
        [
            "a 2xx by colour",
            [
                ["sent", 0],
                [ok("blue"), 0],
            ],
            { sent: 1, answered: 1, ok: 1, byColor: { blue: 1 }, lost: 0, inFlight: 0 },
        ],
        [
            "204 is ok, 301 and 503 are not",
            [
                ["sent", 0],
                ["sent", 0],
                ["sent", 0],
                [status(204), 5],
                [status(301), 7],
                [status(503), 3],
            ],
            { answered: 3, ok: 1, non2xx: 2, lost: 2, inFlight: 0, firstFailureMs: 3, lastFailureMs: 7 },
        ],
        [
            "connection error and timeout",
            [
                ["sent", 0],
                ["sent", 0],
                [conn, 100],
                [timeout, 40],
            ],
            { answered: 0, connErrors: 1, timeouts: 1, lost: 2, inFlight: 0, firstFailureMs: 40, lastFailureMs: 100 },
        ],
    ])("%s", (_, events, want) => {
        const t = run(events);
        const { lost: wantLost, inFlight: wantInFlight, ...fields } = want;
        expect(t).toMatchObject(fields);
        expect(lost(t)).toBe(wantLost);
        expect(inFlight(t)).toBe(wantInFlight);
    });

    test("a 2xx sets no failure time", () => {
        const t = run([
            ["sent", 0],
            [ok(), 10],
        ]);
        expect(t.firstFailureMs).toBeUndefined();
        expect(t.byColor).toEqual({ none: 1 });
    });
});

describe("figures", () => {
    test("failure times relative to a mark, in seconds; null when nothing failed", () => {
        const t = run([
            ["sent", 0],
            ["sent", 0],
            [status(502), 2500],
            [timeout, 4750],
        ]);
        expect(figures(t, 2000)).toEqual({
            sent: 2,
            answered: 1,
            ok: 0,
            non2xx: 1,
            connErrors: 0,
            timeouts: 1,
            lost: 2,
            inFlight: 0,
            byColor: {},
            firstFailureS: 0.5,
            lastFailureS: 2.75,
        });
        expect(figures(EMPTY)).toMatchObject({ firstFailureS: null, lastFailureS: null, lost: 0 });
    });
});

const outcome = fc.oneof(
    fc.constantFrom("blue", "green").map((c) => ok(c)),
    fc.integer({ min: 100, max: 599 }).map(status),
    fc.constant(conn),
    fc.constant(timeout),
);
// Every request is sent before it settles; some never settle.
const tallyOf = fc
    .array(fc.tuple(outcome, fc.nat(60_000), fc.boolean()), { maxLength: 60 })
    .map((reqs) => reqs.reduce((t, [o, at, settles]) => (settles ? settle(markSent(t), o, at) : markSent(t)), EMPTY));

describe("properties", () => {
    test("sent = ok + non2xx + connErrors + timeouts + inFlight; lost = sent - ok; colours sum to ok", () => {
        fc.assert(
            fc.property(tallyOf, (t) => {
                expect(t.sent).toBe(t.ok + t.non2xx + t.connErrors + t.timeouts + inFlight(t));
                expect(inFlight(t)).toBeGreaterThanOrEqual(0);
                expect(lost(t)).toBe(t.non2xx + t.connErrors + t.timeouts + inFlight(t));
                expect(Object.values(t.byColor).reduce((a, b) => a + b, 0)).toBe(t.ok);
                expect(t.firstFailureMs === undefined).toBe(t.non2xx + t.connErrors + t.timeouts === 0);
                if (t.firstFailureMs !== undefined) expect(t.firstFailureMs).toBeLessThanOrEqual(t.lastFailureMs!);
            }),
        );
    });

    test("combine sums every count, keeps the earliest and latest failure, and does not depend on order", () => {
        fc.assert(
            fc.property(fc.array(tallyOf, { maxLength: 5 }), (ts) => {
                const c = combine(ts);
                for (const k of ["sent", "answered", "ok", "non2xx", "connErrors", "timeouts"] as const) {
                    expect(c[k]).toBe(ts.reduce((a, t) => a + t[k], 0));
                }
                expect(lost(c)).toBe(ts.reduce((a, t) => a + lost(t), 0));
                const firsts = ts.flatMap((t) => (t.firstFailureMs === undefined ? [] : [t.firstFailureMs]));
                expect(c.firstFailureMs).toBe(firsts.length ? Math.min(...firsts) : undefined);
                expect(combine([...ts].reverse())).toEqual(c);
                expect(combine([c, EMPTY])).toEqual(c);
            }),
        );
    });
});

describe("dueBy", () => {
    test.each([
        [0, 100, 0],
        [9, 100, 0],
        [10, 100, 1],
        [1000, 100, 100],
        [2500, 400, 1000],
        [-5, 100, 0],
    ])("%d ms at %d/s -> %d", (ms, rate, want) => {
        expect(dueBy(ms, rate)).toBe(want);
    });
    test("property: never decreases with time, and is within one of rate x seconds", () => {
        fc.assert(
            fc.property(fc.nat(600_000), fc.nat(1000), fc.integer({ min: 1, max: 5000 }), (ms, more, rate) => {
                expect(dueBy(ms + more, rate)).toBeGreaterThanOrEqual(dueBy(ms, rate));
                expect(Math.abs(dueBy(ms, rate) - (ms * rate) / 1000)).toBeLessThan(1);
            }),
        );
    });
});
