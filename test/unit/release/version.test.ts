import fc from "fast-check";
import { currentRelease, deploymentId, formatStamp, parseStamp } from "../../../components/release/deploymentId";
import { imageTag, newestVersion, parseReleaseVersion, ReleaseVersion } from "../../../components/release/version";

function v(raw: string): ReleaseVersion {
    const r = parseReleaseVersion(raw);
    if (!r.ok) throw new Error(r.reason);
    return r.version;
}

describe("release versions", () => {
    test.each([
        ["v1.4.2", "1.4.2", "1.4.2"],
        ["1.4.2", "1.4.2", "1.4.2"],
        ["v2.0.0-rc1", "2.0.0-rc1", "2.0.0-rc1"],
        ["V3.0.0", "3.0.0", "3.0.0"],
        [" 1.0.0 ", "1.0.0", "1.0.0"],
        ["1.2.3+build.9", "1.2.3+build.9", "1.2.3_build.9"],
    ])("%s -> semver %s, tag %s", (raw, sem, tag) => {
        expect(v(raw).semver).toBe(sem);
        expect(imageTag(v(raw))).toBe(tag);
        expect(imageTag(v(raw), "v")).toBe(`v${tag}`);
    });

    test.each(["latest", "LATEST", "stable", "main", "", "1.4", "1", "^1.2.3", "~1.2.3", "1.2.3.4", "01.2.3", "v", "1.2.x", ">=1.0.0"])(
        "%j is refused with a reason",
        (raw) => {
            const r = parseReleaseVersion(raw);
            expect(r.ok).toBe(false);
            if (!r.ok) expect(r.reason.length).toBeGreaterThan(10);
        },
    );

    test("newest version follows semver precedence (prereleases sort before the release)", () => {
        expect(newestVersion(v("2.0.0-rc1"), v("1.9.9")).semver).toBe("2.0.0-rc1");
        expect(newestVersion(v("2.0.0-rc1"), v("2.0.0")).semver).toBe("2.0.0");
        expect(newestVersion(v("1.10.0"), v("1.9.0")).semver).toBe("1.10.0");
    });

    test("every valid semver triple is accepted with or without v, and keeps its numbers", () => {
        fc.assert(
            fc.property(fc.nat(999), fc.nat(999), fc.nat(999), fc.boolean(), (a, b, c, withV) => {
                const r = parseReleaseVersion(`${withV ? "v" : ""}${a}.${b}.${c}`);
                return r.ok && r.version.semver === `${a}.${b}.${c}`;
            }),
        );
    });
});

describe("deployment ids", () => {
    test("format: <stack>-<version>-<YYYYMMDD_HHMMSS> (seed 004)", () => {
        expect(deploymentId("production", v("v1.4.2"), "20261124_101500")).toBe("production-1.4.2-20261124_101500");
        expect(formatStamp(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe("20260102_030405");
    });

    test.each(["2026-11-24", "20261324_101500", "20260230_000000", "20261124_246000", "20261124101500"])("stamp %s is refused", (s) => {
        expect(() => deploymentId("local", v("1.0.0"), s)).toThrow(/release stamp/);
    });

    test("stamps round-trip for any second in 2000..2100", () => {
        fc.assert(
            fc.property(fc.integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2100, 0, 1) / 1000 }), (s) => {
                const at = new Date(s * 1000);
                return parseStamp(formatStamp(at)).getTime() === at.getTime();
            }),
        );
    });

    test("the current release is the colour whose version changed last; on a tie, the higher version", () => {
        const blue = { version: v("1.0.0"), stamp: "20261124_090000" };
        const green = { version: v("1.1.0"), stamp: "20261124_100000" };
        expect(currentRelease(blue, green)).toBe(green);
        expect(currentRelease({ ...blue, stamp: "20261125_000000" }, green).version.semver).toBe("1.0.0");
        expect(currentRelease({ ...blue, stamp: green.stamp }, green)).toBe(green);
    });
});
