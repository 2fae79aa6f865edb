/** switchyard:release, as the stack config parser reads it. */
import fc from "fast-check";
import { baseConfig } from "../test/support/program";
import { parseStackConfig } from "./parse";

const parse = (release: unknown) => parseStackConfig("production", { ...baseConfig(), release }, new Set(["secretEnv"]));

describe("config: switchyard:release", () => {
    test("unset: the documented defaults", () => {
        const r = parseStackConfig("production", baseConfig(), new Set(["secretEnv"]));
        if (!r.ok) throw new Error(r.errors.join("\n"));
        expect(r.config.release).toEqual({
            steps: [10, 25, 50, 100],
            stepPause: "2m",
            analysis: {
                interval: "30s",
                failureLimit: 0,
                inconclusiveLimit: 1,
                consecutiveErrorLimit: 3,
                minRequests: 50,
                thresholds: { errorRatio: 0.01, p95Seconds: 1 },
                relative: { errorRatioDelta: 0.01, p95Factor: 2, p95FloorSeconds: 0.1 },
            },
            watch: { duration: "5m", maxErrors: 3, interval: "15s" },
            synthetic: { enabled: false, ratePerSecond: 5, path: "/" },
        });
    });

    test("steps mix weights and {weight, pause}; numbers may come as Pulumi's strings", () => {
        const r = parse({ steps: [{ weight: 0.5, pause: "2m" }, { weight: "10", pause: "indefinite" }, 0, "25", 100] });
        if (!r.ok) throw new Error(r.errors.join("\n"));
        expect(r.config.release.steps).toEqual([{ weight: 0.5, pause: "2m" }, { weight: 10, pause: "indefinite" }, 0, 25, 100]);
    });

    test.each([
        [{ steps: [10.05] }, /switchyard:release\.steps\[0\]: .*multiple of 0\.1/],
        [{ steps: [101] }, /switchyard:release\.steps\[0\]/],
        [{ steps: [100, 50] }, /switchyard:release\.steps\[0\]: weight 100 promotes the release, so it can only be the last step/],
        [{ steps: [{ weight: 10, pause: "soon" }] }, /switchyard:release\.steps\[0\]/],
        [{ steps: [] }, /switchyard:release\.steps: must list at least one step/],
        [{ stepPause: "2 minutes" }, /switchyard:release\.stepPause: must be a duration such as 2m/],
        [{ analysis: { interval: "500ms" } }, /switchyard:release\.analysis\.interval: must be at least 1s/],
        [
            { analysis: { thresholds: { errorRatio: 2 } } },
            /switchyard:release\.analysis\.thresholds\.errorRatio: errorRatio must be at most 1/,
        ],
        [{ watch: { duration: "forever" } }, /switchyard:release\.watch\.duration: must be a duration such as 5m/],
        [{ watch: { maxError: 3 } }, /switchyard:release\.watch\.maxError: unknown key/],
    ])("%j is refused with a keyed message", (release, message) => {
        const r = parse(release);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.errors.join("\n")).toMatch(message);
    });

    test("every weight on the 0.1 grid from 0 to 100 is a valid last step", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 1000 }), (permille) => {
                const r = parse({ steps: [permille / 10] });
                return r.ok;
            }),
            { numRuns: 50 },
        );
    });
});
