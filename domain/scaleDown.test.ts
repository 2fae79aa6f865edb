import fc from "fast-check";
import { Color, COLORS, otherColor } from "./color";
import { describeScale, dueScaleDowns, planScale, previousReplicas, ScaleInput, warmUntil } from "./scaleDown";

const T0 = Date.parse("2026-01-01T10:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const DELAY = 20_000;

function input(patch: Partial<ScaleInput> = {}): ScaleInput {
    return {
        activeColor: "green",
        canaryPermille: 0,
        versions: { blue: "1.0.0", green: "1.1.0" },
        previous: {
            activeColor: "green",
            versions: { blue: "1.0.0", green: "1.1.0" },
            colorScale: { blue: { state: "warm", replicas: 2, idleSince: iso(T0), scaleDownAt: iso(T0 + DELAY) } },
        },
        replicas: 2,
        idleReplicas: 1,
        delayMs: DELAY,
        now: T0 + 5_000,
        ...patch,
    };
}

describe("planScale", () => {
    test.each<[string, Partial<ScaleInput>, number, string, number | null]>([
        ["inside the delay the idle colour stays warm", {}, 2, "warm", T0],
        ["at the delay it drops to idleReplicas", { now: T0 + DELAY }, 1, "scaled-down", T0],
        ["long after, it stays down", { now: T0 + 10 * DELAY }, 1, "scaled-down", T0],
        ["idleReplicas 0 stops it", { now: T0 + DELAY, idleReplicas: 0 }, 0, "scaled-down", T0],
        [
            "a promote in this update starts the clock now",
            { previous: { ...input().previous, activeColor: "blue" }, now: T0 + 99_000 },
            2,
            "warm",
            T0 + 99_000,
        ],
        [
            "a new version on the idle colour starts the clock now",
            { versions: { blue: "1.2.0", green: "1.1.0" }, now: T0 + 99_000 },
            2,
            "warm",
            T0 + 99_000,
        ],
        ["a first update (nothing recorded) starts the clock now", { previous: {}, now: T0 + 99_000 }, 2, "warm", T0 + 99_000],
        [
            "an unreadable record starts the clock now",
            { previous: { ...input().previous, colorScale: { blue: { idleSince: "yesterday" } } }, now: T0 + 99_000 },
            2,
            "warm",
            T0 + 99_000,
        ],
        ["a record from the future starts the clock now", { now: T0 - 1_000 }, 2, "warm", T0 - 1_000],
        ["with a canary share it serves: all replicas", { canaryPermille: 5, now: T0 + 99_000 }, 2, "canary", null],
    ])("%s", (_, patch, replicas, state, since) => {
        const p = planScale(input(patch));
        expect(p.green).toEqual({ state: "live", replicas: 2, idleSince: null, scaleDownAt: null });
        expect(p.blue.replicas).toBe(replicas);
        expect(p.blue.state).toBe(state);
        expect(p.blue.idleSince).toBe(since === null ? null : iso(since));
        expect(p.blue.scaleDownAt).toBe(since === null ? null : iso(since + DELAY));
    });

    test("a rollback after the delay brings the scaled-down colour back to all replicas, and the colour it leaves starts warm", () => {
        const previous = {
            blue: { state: "scaled-down", replicas: 1, idleSince: iso(T0), scaleDownAt: iso(T0 + DELAY) },
            green: { state: "live", replicas: 2, idleSince: null, scaleDownAt: null },
        };
        const now = T0 + 60_000;
        const p = planScale(input({ activeColor: "blue", previous: { ...input().previous, colorScale: previous }, now }));
        expect(p.blue).toEqual({ state: "live", replicas: 2, idleSince: null, scaleDownAt: null });
        expect(p.green).toEqual({ state: "warm", replicas: 2, idleSince: iso(now), scaleDownAt: iso(now + DELAY) });
    });

    const arb = fc.record({
        activeColor: fc.constantFrom<Color>(...COLORS),
        previousActive: fc.option(fc.constantFrom<Color>(...COLORS), { nil: undefined }),
        newVersion: fc.record({ blue: fc.boolean(), green: fc.boolean() }),
        canaryPermille: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1000 })),
        replicas: fc.integer({ min: 1, max: 20 }),
        idleReplicas: fc.integer({ min: 0, max: 20 }),
        delayMs: fc.integer({ min: 0, max: 3_600_000 }),
        since: fc.integer({ min: T0 - 3_600_000, max: T0 + 3_600_000 }),
        now: fc.integer({ min: T0 - 3_600_000, max: T0 + 7_200_000 }),
        later: fc.integer({ min: 0, max: 7_200_000 }),
    });
    type Drawn = typeof arb extends fc.Arbitrary<infer R> ? R : never;
    const inputOf = (a: Drawn, now: number): ScaleInput => ({
        activeColor: a.activeColor,
        canaryPermille: a.canaryPermille,
        versions: { blue: a.newVersion.blue ? "2.0.0" : "1.0.0", green: a.newVersion.green ? "2.0.0" : "1.0.0" },
        previous: {
            activeColor: a.previousActive,
            versions: { blue: "1.0.0", green: "1.0.0" },
            colorScale: { [otherColor(a.activeColor)]: { idleSince: iso(a.since) } },
        },
        replicas: a.replicas,
        idleReplicas: a.idleReplicas,
        delayMs: a.delayMs,
        now,
    });

    test("the live colour always runs all replicas; the idle colour runs all or min(idleReplicas, replicas)", () => {
        fc.assert(
            fc.property(arb, (a) => {
                const p = planScale(inputOf(a, a.now));
                const idle = otherColor(a.activeColor);
                expect(p[a.activeColor]).toEqual({ state: "live", replicas: a.replicas, idleSince: null, scaleDownAt: null });
                expect([a.replicas, Math.min(a.idleReplicas, a.replicas)]).toContain(p[idle].replicas);
                if (a.canaryPermille > 0) expect(p[idle].replicas).toBe(a.replicas);
            }),
        );
    });

    test("the idle colour is never scaled down before its delay, and once down it stays down as time passes", () => {
        fc.assert(
            fc.property(arb, (a) => {
                const idle = otherColor(a.activeColor);
                const first = planScale(inputOf(a, a.now));
                if (first[idle].idleSince !== null) {
                    const since = Date.parse(first[idle].idleSince);
                    expect(since).toBeLessThanOrEqual(a.now);
                    expect(first[idle].state === "scaled-down").toBe(a.now - since >= a.delayMs);
                }
                if (first[idle].state === "scaled-down") {
                    // The next update, later, reads back what this one recorded: same colour still idle.
                    const next = planScale({
                        ...inputOf(a, a.now + a.later),
                        previous: { activeColor: a.activeColor, versions: inputOf(a, a.now).versions, colorScale: first },
                    });
                    expect(next[idle].state).toBe("scaled-down");
                    expect(next[idle].idleSince).toBe(first[idle].idleSince);
                }
            }),
        );
    });
});

describe("previousReplicas and describeScale", () => {
    test.each<[unknown, Partial<Record<Color, number>>]>([
        [undefined, {}],
        ["x", {}],
        [
            { blue: { replicas: 1 }, green: { replicas: 2 } },
            { blue: 1, green: 2 },
        ],
        [{ blue: { replicas: -1 }, green: { replicas: 1.5 } }, {}],
        [{ blue: { replicas: 0 } }, { blue: 0 }],
    ])("previousReplicas(%j)", (prev, want) => {
        expect(previousReplicas(prev)).toEqual(want);
    });

    test("a due scale-down names the keys, the times and the counts", () => {
        const plan = planScale(input({ now: T0 + DELAY }));
        expect(describeScale(plan, { blue: 2, green: 2 }, input())).toEqual([
            `switchyard: blue (idle since ${iso(T0)}, app.scaleDownDelay 20s passed at ${iso(T0 + DELAY)}) scales down 2 -> 1 replica(s) (app.idleReplicas)`,
        ]);
    });

    test("a warm colour says when it will be scaled down; a colour going live says it scales up through its gate", () => {
        const plan = planScale(input({ activeColor: "blue", now: T0 }));
        expect(describeScale(plan, { blue: 1, green: 2 }, input())).toEqual([
            `switchyard: blue (live) scales up 1 -> 2 replica(s) through its health gate before it gets traffic`,
            `switchyard: green (idle since ${iso(T0)}) stays warm with 2 replica(s) until ${iso(T0 + DELAY)}; the first update after that scales it to 1 (app.idleReplicas)`,
        ]);
    });
});

describe("dueScaleDowns and warmUntil", () => {
    const warm = { state: "warm", replicas: 2, idleSince: iso(T0), scaleDownAt: iso(T0 + DELAY) };
    test.each<[string, unknown, number, string[]]>([
        ["warm, before its time", { green: warm }, T0 + DELAY - 1, []],
        ["warm, at its time", { green: warm }, T0 + DELAY, ["green"]],
        ["already scaled down", { green: { ...warm, state: "scaled-down", replicas: 1 } }, T0 + 10 * DELAY, []],
        ["live", { blue: { state: "live", replicas: 2, idleSince: null, scaleDownAt: null } }, T0 + 10 * DELAY, []],
        ["no output (an earlier program)", undefined, T0, []],
        ["an unreadable time", { green: { ...warm, scaleDownAt: "soon" } }, T0 + 10 * DELAY, []],
    ])("%s", (_, colorScale, now, colors) => {
        expect(dueScaleDowns(colorScale, now).map((d) => d.color)).toEqual(colors);
    });

    test("the due entry carries the times and the replicas it runs now", () => {
        expect(dueScaleDowns({ green: warm }, T0 + DELAY)).toEqual([
            { color: "green", replicas: 2, idleSince: iso(T0), scaleDownAt: iso(T0 + DELAY) },
        ]);
    });

    test("warmUntil says until when and what comes next, only for a warm colour", () => {
        expect(warmUntil({ blue: warm }, "blue")).toBe(
            `blue stays warm (2 replicas) for an instant rollback until ${iso(T0 + DELAY)} (app.scaleDownDelay); the first update after that (switchyard up) scales it down to app.idleReplicas`,
        );
        expect(warmUntil({ blue: { ...warm, state: "scaled-down" } }, "blue")).toBeUndefined();
        expect(warmUntil(undefined, "blue")).toBeUndefined();
    });
});
