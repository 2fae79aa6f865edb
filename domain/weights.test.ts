import fc from "fast-check";
import { Color, COLORS, otherColor } from "./color";
import { sharesFor, splitPoolWeights, toPermille } from "./weights";

describe("weight arithmetic", () => {
    test.each([
        [0, 0],
        [0.1, 1],
        [10, 100],
        [25, 250],
        [33.3, 333],
        [99.9, 999],
        [100, 1000],
    ])("%d%% is %d permille", (w, p) => {
        expect(toPermille(w)).toBe(p);
    });

    test.each([[-0.1], [100.1], [10.05], [Number.NaN], [Number.POSITIVE_INFINITY]])("%d is refused", (w) => {
        expect(() => toPermille(w)).toThrow(RangeError);
    });

    test("shares always sum to 1000 and the canary is the non-active colour", () => {
        fc.assert(
            fc.property(fc.constantFrom(...COLORS), fc.integer({ min: 0, max: 1000 }), (active, p) => {
                const s = sharesFor(active, p);
                return s.blue + s.green === 1000 && s[otherColor(active)] === p;
            }),
        );
    });

    test("split pool weights give each colour exactly its share, whatever the replica counts", () => {
        fc.assert(
            fc.property(
                fc.constantFrom(...COLORS),
                fc.integer({ min: 0, max: 1000 }),
                fc.integer({ min: 1, max: 20 }),
                fc.integer({ min: 1, max: 20 }),
                (active, p, rb, rg) => {
                    const shares = sharesFor(active, p);
                    const pool = splitPoolWeights(shares, { blue: rb, green: rg });
                    const total = pool.reduce((a, s) => a + s.weight, 0);
                    for (const c of COLORS) {
                        const mine = pool.filter((s) => s.color === c);
                        const sum = mine.reduce((a, s) => a + s.weight, 0);
                        // exact proportion: sum/total == shares[c]/1000, in integers
                        if (sum * 1000 !== shares[c] * total) return false;
                        if (shares[c] === 0 && mine.length !== 0) return false;
                        if (shares[c] > 0 && mine.length !== (c === "blue" ? rb : rg)) return false;
                        if (mine.some((s) => !Number.isInteger(s.weight) || s.weight < 1)) return false;
                    }
                    return true;
                },
            ),
            { numRuns: 500 },
        );
    });

    test("split pool weights are reduced to their smallest form", () => {
        expect(splitPoolWeights(sharesFor("blue", 500), { blue: 2, green: 2 }).map((s) => s.weight)).toEqual([1, 1, 1, 1]);
        expect(splitPoolWeights(sharesFor("blue", 250), { blue: 3, green: 1 }).map((s) => s.weight)).toEqual([1, 1, 1, 1]);
        expect(splitPoolWeights(sharesFor("green", 1), { blue: 1, green: 1 }).map((s) => [s.color, s.weight])).toEqual([
            ["blue", 1],
            ["green", 999],
        ]);
    });

    test.each<[string, Color, number, { blue: number; green: number }, string | [Color, number][]]>([
        [
            "an idle colour scaled to 0 (no share): the live one alone",
            "blue",
            0,
            { blue: 2, green: 0 },
            [
                ["blue", 1],
                ["blue", 1],
            ],
        ],
        ["the live colour with no container", "blue", 0, { blue: 0, green: 2 }, "replicas for blue must be a positive integer, got 0"],
        ["a canary share with no container", "blue", 10, { blue: 2, green: 0 }, "replicas for green must be a positive integer, got 0"],
    ])("%s", (_, active, permille, replicas, want) => {
        const run = () => splitPoolWeights(sharesFor(active, permille), replicas).map((s): [Color, number] => [s.color, s.weight]);
        if (typeof want === "string") expect(run).toThrow(want);
        else expect(run()).toEqual(want);
    });
});
