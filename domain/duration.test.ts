import fc from "fast-check";
import { formatDuration, parseDuration } from "./duration";

describe("parseDuration", () => {
    test.each([
        ["500ms", 500],
        ["30s", 30_000],
        ["2m", 120_000],
        ["1h", 3_600_000],
        ["1m30s", 90_000],
        ["1.5s", 1500],
        ["0s", 0],
    ])("%s is %d ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

    test.each(["", "10", "2 m", "-1s", "1d", "s", "1m 30s", "indefinite", "1.s"])("%j is not a duration", (text) =>
        expect(parseDuration(text)).toBeUndefined(),
    );

    test("formatDuration gives back the same milliseconds", () => {
        fc.assert(fc.property(fc.integer({ min: 0, max: 100 * 3_600_000 }), (ms) => parseDuration(formatDuration(ms)) === ms));
    });
});
