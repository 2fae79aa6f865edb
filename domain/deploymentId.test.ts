import fc from "fast-check";
import { currentRelease, deploymentId, formatStamp, parseStamp } from "./deploymentId";
import { parseReleaseVersion, ReleaseVersion } from "./version";

function v(raw: string): ReleaseVersion {
    const r = parseReleaseVersion(raw);
    if (!r.ok) throw new Error(r.reason);
    return r.version;
}

describe("deployment ids", () => {
    test("format: <stack>-<version>-<YYYYMMDD_HHMMSS>", () => {
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

    test.each([
        ["blue's clock read a second later (a first deployment)", "20261124_100001", "20261124_100000", "1.1.0"],
        ["blue's clock read 9 s later", "20261124_100009", "20261124_100000", "1.1.0"],
        ["green's clock read a second later", "20261124_100000", "20261124_100001", "1.1.0"],
        ["blue released 10 s after green: another update", "20261124_100010", "20261124_100000", "1.0.0"],
        ["across midnight, 2 s apart", "20261125_000001", "20261124_235959", "1.1.0"],
    ])("stamps of one update are a tie, the higher version wins: %s", (_, blueStamp, greenStamp, want) => {
        const r = currentRelease({ version: v("1.0.0"), stamp: blueStamp }, { version: v("1.1.0"), stamp: greenStamp });
        expect(r.version.semver).toBe(want);
    });

    test("property: the answer does not depend on the order of the colours", () => {
        const stamp = fc
            .integer({ min: Date.UTC(2026, 0, 1) / 1000, max: Date.UTC(2026, 0, 1) / 1000 + 60 })
            .map((s) => formatStamp(new Date(s * 1000)));
        const version = fc.constantFrom("1.0.0", "1.1.0", "2.0.0-rc1").map(v);
        fc.assert(
            fc.property(stamp, stamp, version, version, (sa, sb, va, vb) => {
                fc.pre(va.semver !== vb.semver);
                const a = { version: va, stamp: sa };
                const b = { version: vb, stamp: sb };
                expect(currentRelease(a, b)).toBe(currentRelease(b, a));
            }),
        );
    });
});
