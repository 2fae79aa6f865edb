import fc from "fast-check";
import { imageTag, MAX_VERSION_LENGTH, newestVersion, parseReleaseVersion, ReleaseVersion } from "./version";

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

    test("a version longer than MAX_VERSION_LENGTH is refused; the longest accepted one, with the longest prefix, is a Docker tag", () => {
        const longest = `1.0.0-${"a".repeat(MAX_VERSION_LENGTH - 6)}`;
        expect(imageTag(v(longest), "p".repeat(20))).toHaveLength(MAX_VERSION_LENGTH + 20);
        const r = parseReleaseVersion(`${longest}b`);
        expect(r).toEqual({ ok: false, reason: expect.stringMatching(/^is 101 characters; at most 100 /) });
    });

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
