import fc from "fast-check";
import { releaseSchema } from "../../config/release";
import { addToTally, ColorReading, EMPTY_TALLY, Reading, scoreReading, SampleResult, Tally, verdict, watchVerdict } from "./analysis";

const A = releaseSchema.parse({}).analysis; // errorRatio 0.01, p95 1 s, delta 0.01, factor 2, floor 0.1, minRequests 50
const reading = (canary: ColorReading, stable: ColorReading = { requests: 500, errorRatio: 0, p95Seconds: 0.02 }): Reading => ({
    ok: true,
    at: "2026-01-01T00:00:00.000Z",
    canary,
    stable,
});

describe("scoreReading", () => {
    test("synthetic requests are kept apart from what users sent", () => {
        const s = scoreReading(reading({ requests: 80, errorRatio: 0, p95Seconds: 0.02, synthetic: { requests: 50, errors: 1 } }), A);
        const by = Object.fromEntries(s.samples.map((x) => [x.metric, x.canary]));
        expect([by.requests, by.syntheticRequests, by.syntheticErrors, by.organicRequests]).toEqual([80, 50, 1, 30]);
        // The router's count runs a little behind the driver's: never a negative organic count.
        const behind = scoreReading(reading({ requests: 55, errorRatio: 0, p95Seconds: 0.02, synthetic: { requests: 60, errors: 0 } }), A);
        expect(behind.samples.find((x) => x.metric === "organicRequests")?.canary).toBe(0);
        expect(scoreReading(reading({ requests: 80, errorRatio: 0, p95Seconds: 0.02 }), A).samples.map((x) => x.metric)).not.toContain(
            "syntheticRequests",
        );
    });

    test.each<[string, Reading, SampleResult, RegExp | undefined]>([
        ["healthy canary", reading({ requests: 100, errorRatio: 0, p95Seconds: 0.02 }), "pass", undefined],
        ["5xx canary", reading({ requests: 100, errorRatio: 0.2, p95Seconds: 0.02 }), "fail", /errorRatio 0.2 > 0.01/],
        ["slow canary", reading({ requests: 100, errorRatio: 0, p95Seconds: 1.5 }), "fail", /p95Seconds 1.5 > 1/],
        [
            "slower than twice stable, above the floor",
            reading({ requests: 100, errorRatio: 0, p95Seconds: 0.3 }),
            "fail",
            /p95SecondsVsStable 0.3 > 0.1/,
        ],
        ["slower than stable but under the floor", reading({ requests: 100, errorRatio: 0, p95Seconds: 0.09 }), "pass", undefined],
        [
            "errors under both the absolute and the relative limit",
            reading({ requests: 100, errorRatio: 0.009, p95Seconds: 0.02 }, { requests: 500, errorRatio: 0, p95Seconds: 0.02 }),
            "pass",
            undefined,
        ],
        ["a canary container down, whatever the traffic", reading({ requests: 3, down: 1 }), "fail", /1 canary container\(s\) down/],
        ["too few requests", reading({ requests: 10, errorRatio: 0, p95Seconds: 0.02 }), "inconclusive", /10 canary requests/],
        ["Prometheus unreachable", { ok: false, at: "t", error: "ECONNREFUSED" }, "error", /ECONNREFUSED/],
        [
            "too few requests even with the synthetic ones",
            reading({ requests: 12, errorRatio: 0, p95Seconds: 0.02, synthetic: { requests: 10, errors: 0 } }),
            "inconclusive",
            /12 canary requests in the window \(10 synthetic\)/,
        ],
        [
            "synthetic requests make a low-traffic canary judgeable",
            reading({ requests: 60, errorRatio: 0, p95Seconds: 0.02, synthetic: { requests: 55, errors: 0 } }),
            "pass",
            undefined,
        ],
        ["no p95 value from Prometheus", reading({ requests: 100, errorRatio: 0 }), "error", /p95Seconds: Prometheus gave no value/],
    ])("%s -> %s", (_, r, result, reason) => {
        const s = scoreReading(r, A);
        expect(s.result).toBe(result);
        if (reason) expect(s.reason).toMatch(reason);
        else expect(s.reason).toBeUndefined();
    });

    test("a reading never passes with fewer canary requests than minRequests, nor without Prometheus", () => {
        fc.assert(
            fc.property(fc.nat(49), fc.double({ min: 0, max: 1, noNaN: true }), (requests, e) => {
                return scoreReading(reading({ requests, errorRatio: e, p95Seconds: 0.01 }), A).result === "inconclusive";
            }),
        );
    });

    test("an error ratio above the absolute threshold always fails, whatever the stable colour does", () => {
        fc.assert(
            fc.property(fc.double({ min: 0.0101, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (e, se) => {
                return (
                    scoreReading(
                        reading({ requests: 100, errorRatio: e, p95Seconds: 0.01 }, { requests: 100, errorRatio: se, p95Seconds: 0.01 }),
                        A,
                    ).result === "fail"
                );
            }),
        );
    });
});

describe("verdict", () => {
    const tally = (...rs: SampleResult[]): Tally => rs.reduce(addToTally, EMPTY_TALLY);
    test.each<[string, Tally, boolean, string]>([
        ["one pass, pause over", tally("pass"), true, "pass"],
        ["one pass, pause running", tally("pass"), false, "continue"],
        ["a fail over failureLimit 0", tally("pass", "fail"), false, "fail"],
        ["errors in a row over the limit 3", tally("pass", "error", "error", "error", "error"), false, "fail"],
        ["errors not in a row", tally("error", "error", "pass", "error", "error"), false, "continue"],
        ["two inconclusive over the limit 1", tally("inconclusive", "inconclusive"), false, "inconclusive"],
        ["only errors, pause over", tally("error", "error"), true, "inconclusive"],
        ["nothing read, pause over", tally(), true, "inconclusive"],
    ])("%s -> %s", (_, t, over, kind) => expect(verdict(t, A, over).kind).toBe(kind));

    test("a step with no passing reading never passes", () => {
        fc.assert(
            fc.property(fc.array(fc.constantFrom<SampleResult>("fail", "inconclusive", "error")), fc.boolean(), (rs, over) => {
                return verdict(tally(...rs), A, over).kind !== "pass";
            }),
        );
    });
});

describe("watchVerdict", () => {
    test.each([
        [3, 0, false],
        [4, 0, true],
        [undefined, 3, false],
        [undefined, 4, true],
        [0, 4, true],
    ])("errors %p, %p silent readings in a row -> breach %p", (errors, silent, breach) => {
        expect(watchVerdict(errors, silent, { maxErrors: 3 }, 3).breach).toBe(breach);
    });
});
