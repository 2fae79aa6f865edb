import fc from "fast-check";
import { fmt, growth, longestGap, markdownTable, quantile, spread } from "./stats";

describe("quantile (nearest rank)", () => {
    test.each([
        [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5, 5],
        [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99, 10],
        [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9],
        [[10, 1, 5], 0, 1],
        [[10, 1, 5], 1, 10],
        [[0.31, 0.29, 0.3], 0.5, 0.3],
    ])("%j q=%d -> %d", (values, q, want) => {
        expect(quantile(values, q)).toBe(want);
    });
    test("no values -> NaN; q outside 0..1 is refused", () => {
        expect(quantile([], 0.5)).toBeNaN();
        expect(() => quantile([1], 1.5)).toThrow(/outside 0..1/);
    });
    test("property: a quantile is one of the values, and grows with q", () => {
        fc.assert(
            fc.property(
                fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1 }),
                fc.double({ min: 0, max: 1, noNaN: true }),
                (v, q) => {
                    const a = quantile(v, q);
                    expect(v).toContain(a);
                    expect(quantile(v, Math.min(1, q + 0.1))).toBeGreaterThanOrEqual(a);
                },
            ),
        );
    });
});

describe("spread", () => {
    test.each([
        [[3, 1, 2], { min: 1, median: 2, max: 3, runs: 3 }],
        [[4, 1, 2, 3], { min: 1, median: 2.5, max: 4, runs: 4 }],
        [[7], { min: 7, median: 7, max: 7, runs: 1 }],
    ])("%j", (values, want) => {
        expect(spread(values)).toEqual(want);
    });
    test("property: min <= median <= max", () => {
        fc.assert(
            fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1 }), (v) => {
                const s = spread(v);
                expect(s.min).toBeLessThanOrEqual(s.median);
                expect(s.median).toBeLessThanOrEqual(s.max);
            }),
        );
    });
});

describe("longestGap", () => {
    test.each([
        ["steady successes", [0, 10, 20, 30], 0, 30, 10],
        ["a hole in the middle", [0, 10, 500, 510], 0, 510, 490],
        ["nothing after t=100", [0, 50, 100], 0, 1000, 900],
        ["nothing before t=300", [300, 310], 0, 310, 300],
        ["no success at all", [], 0, 250, 250],
        ["successes outside the window ignored", [-50, 5, 2000], 0, 100, 95],
    ])("%s", (_name, times, start, end, want) => {
        expect(longestGap(times, start, end)).toBe(want);
    });
    test("property: the gap is at most the window and at least window/(n+1)", () => {
        fc.assert(
            fc.property(fc.array(fc.integer({ min: 0, max: 10_000 })), (times) => {
                const g = longestGap(times, 0, 10_000);
                expect(g).toBeLessThanOrEqual(10_000);
                expect(g).toBeGreaterThanOrEqual(10_000 / (times.length + 1));
            }),
        );
    });
});

describe("growth", () => {
    test.each([
        ["flat", [2, 4, 8, 16].map((size) => ({ size, cost: 6 })), "constant"],
        ["flat with noise", [2, 4, 8, 16].map((size, i) => ({ size, cost: 6 + (i % 2) * 0.2 })), "constant"],
        ["per replica", [2, 4, 8, 16].map((size) => ({ size, cost: 5 + size })), "linear"],
        ["quadratic", [2, 4, 8, 16].map((size) => ({ size, cost: 5 + size * size })), "worse than linear"],
        [
            "two points",
            [
                { size: 1, cost: 1 },
                { size: 2, cost: 2 },
            ],
            "linear",
        ],
    ])("%s", (_name, points, want) => {
        expect(growth(points)).toBe(want);
    });
});

describe("the table", () => {
    test("header, rule, rows; a | in a cell is escaped", () => {
        expect(markdownTable(["a", "b"], [["1", "x|y"]])).toBe("| a | b |\n| --- | --- |\n| 1 | x\\|y |");
        expect(() => markdownTable(["a"], [["1", "2"]])).toThrow(/2 cells/);
    });
    test.each([
        [0.123456, "0.123"],
        [12.345, "12.3"],
        [1234.5, "1235"],
        [NaN, "-"],
    ])("fmt(%d) = %s", (v, want) => {
        expect(fmt(v)).toBe(want);
    });
});
