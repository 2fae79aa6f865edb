import * as semver from "semver";

/** Tags that name no fixed release: an image tagged this way can change under a running stack. */
export const FLOATING_TAGS: ReadonlySet<string> = new Set([
    "latest",
    "stable",
    "edge",
    "main",
    "master",
    "dev",
    "develop",
    "nightly",
    "current",
    "head",
]);

/** A release version as users write it (`v1.4.2`, `1.4.2`, `v2.0.0-rc1`), checked and normalised. */
export interface ReleaseVersion {
    /** What the user wrote, trimmed. */
    readonly raw: string;
    /** Normalised semver without the leading `v` (`2.0.0-rc1`). */
    readonly semver: string;
}

export type VersionCheck = { ok: true; version: ReleaseVersion } | { ok: false; reason: string };

/** Longest accepted version: with a tag prefix (at most 20) the image tag stays within Docker's 128. */
export const MAX_VERSION_LENGTH = 100;

/**
 * Checks a release version. Accepts strict semver with an optional leading `v`; rejects floating
 * tags (`latest`...), ranges (`^1.2`), partial versions (`1.4`) and anything else.
 */
export function parseReleaseVersion(input: string): VersionCheck {
    const raw = input.trim();
    if (raw === "") {
        return { ok: false, reason: "is empty; set a semver release version such as 1.4.2 or v1.4.2" };
    }
    if (FLOATING_TAGS.has(raw.toLowerCase())) {
        return {
            ok: false,
            reason: `'${raw}' is a floating tag, not a release; set the semver version of the build, e.g. 1.4.2`,
        };
    }
    if (raw.length > MAX_VERSION_LENGTH) {
        return {
            ok: false,
            reason: `is ${raw.length} characters; at most ${MAX_VERSION_LENGTH} (it becomes the image tag, which Docker limits to 128 with the tag prefix), e.g. 2.0.0-rc.1+sha.0a1b2c3`,
        };
    }
    const body = raw.startsWith("v") || raw.startsWith("V") ? raw.slice(1) : raw;
    const parsed = semver.parse(body);
    if (parsed === null || parsed.raw !== body) {
        return {
            ok: false,
            reason: `'${raw}' is not a semver version (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], optional leading v), e.g. 1.4.2 or v2.0.0-rc1`,
        };
    }
    const build = parsed.build.length > 0 ? `+${parsed.build.join(".")}` : "";
    return { ok: true, version: { raw, semver: `${parsed.version}${build}` } };
}

/** What Docker allows as an image tag (regex source, unanchored): `+` (semver build metadata) is not allowed. */
export const DOCKER_TAG_PATTERN = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const DOCKER_TAG = new RegExp(`^${DOCKER_TAG_PATTERN}$`);

/**
 * The image tag of a release: `<prefix><semver>`, with semver build metadata (`+sha.1`) written as
 * `_sha.1` because Docker tags cannot hold `+` (the convention Helm and others use).
 */
export function imageTag(version: ReleaseVersion, prefix = ""): string {
    const tag = `${prefix}${semverTag(version.semver)}`;
    if (!DOCKER_TAG.test(tag)) {
        throw new Error(`image tag '${tag}' derived from version '${version.raw}' is not a valid Docker tag`);
    }
    return tag;
}

/** The image tag of a semver version string, without prefix: leading `v` dropped, `+` written as `_`. */
export function semverTag(version: string): string {
    return version.replace(/^v/i, "").replace("+", "_");
}

/** The newer of two release versions (semver precedence); the release a deployment id names. */
export function newestVersion(a: ReleaseVersion, b: ReleaseVersion): ReleaseVersion {
    return semver.gte(a.semver, b.semver) ? a : b;
}
