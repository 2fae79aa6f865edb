import fc from "fast-check";
import { cpusReadBack, dockerCpus, goDuration, nanosOf } from "./dockerForms";

describe("cpusReadBack: the official provider's nanoInt64ToDecimalString", () => {
    test.each([
        [500_000_000n, "0.5"],
        [1_000_000_000n, "1.0"],
        [2_000_000_000n, "2.0"],
        [1_500_000_000n, "1.5"],
        [250_000_000n, "0.25"],
        [1_250_000_000n, "1.25"],
        [10_000_000_000n, "10."], // ten zeros: trailing zeros cut down to the point
        [10_500_000_000n, "10.5"],
        [50_000_000n, "0.1"], // nine zeros: one decimal, rounded
        [10_000_000n, "0.0"],
        [333_333_333n, "0.333333333"],
        [0n, "0"],
    ])("%s nanos -> %s", (nanos, text) => {
        expect(cpusReadBack(nanos)).toBe(text);
    });
});

describe("dockerCpus", () => {
    test.each([
        [0.5, "0.5"],
        [1, "1.0"],
        [2, "2.0"],
        [1.5, "1.5"],
        [0.25, "0.25"],
        [16, "16.0"],
        [10, "10."],
    ])("%s CPUs are written as the provider reads them back: %s", (cpus, text) => {
        expect(dockerCpus(cpus)).toEqual({ ok: true, value: text });
    });

    test.each([
        [0.05, /reads 0.05 CPUs back as "0.1"/],
        [0.01, /reads 0.01 CPUs back as "0.0"/],
        [0.0000000001, /at most 9 decimals/],
        [-1, /positive/],
        [Number.NaN, /positive/],
    ])("%s CPUs are refused: %s", (cpus, reason) => {
        const r = dockerCpus(cpus);
        expect(r.ok).toBe(false);
        expect(r.ok ? "" : r.reason).toMatch(reason);
    });

    test("whatever it accepts reads back to itself (a refresh never differs)", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 64_000 }), (thousandths) => {
                const r = dockerCpus(thousandths / 1000);
                if (r.ok) {
                    expect(cpusReadBack(nanosOf(r.value)!)).toBe(r.value);
                    expect(Number(nanosOf(r.value)) / 1e9).toBeCloseTo(thousandths / 1000, 9);
                }
            }),
        );
    });
});

describe("goDuration: Go's time.Duration.String()", () => {
    test.each([
        [2, "2s"],
        [1.5, "1.5s"],
        [60, "1m0s"],
        [90, "1m30s"],
        [61.5, "1m1.5s"],
        [3600, "1h0m0s"],
        [0.5, "500ms"],
        [0.0015, "1.5ms"],
        [0.000001, "1µs"],
        [0, "0s"],
        [5, "5s"],
    ])("%s s -> %s", (seconds, text) => {
        expect(goDuration(seconds)).toBe(text);
    });
});
