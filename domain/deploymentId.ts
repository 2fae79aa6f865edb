import * as semver from "semver";
import { ReleaseVersion } from "./version";

/** `YYYYMMDD_HHMMSS` in UTC: the moment a colour's version last changed. */
export const STAMP = /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})$/;

/** Formats a UTC time as a release stamp (`20261124_101500`). */
export function formatStamp(at: Date): string {
    const p = (n: number, w = 2) => String(n).padStart(w, "0");
    return (
        `${p(at.getUTCFullYear(), 4)}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}_` +
        `${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`
    );
}

/** Parses a release stamp back to a time; throws on anything that is not a real UTC time. */
export function parseStamp(stamp: string): Date {
    const m = STAMP.exec(stamp.trim());
    if (!m) {
        throw new Error(`release stamp '${stamp}' is not YYYYMMDD_HHMMSS`);
    }
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
    const at = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    if (formatStamp(at) !== stamp.trim()) {
        throw new Error(`release stamp '${stamp}' is not a real UTC time`);
    }
    return at;
}

/**
 * The deployment id of a release: `<stack>-<version>-<YYYYMMDD_HHMMSS>`. The stamp is the
 * time the version was first deployed, kept in state, so re-running the same release keeps the id.
 */
export function deploymentId(stack: string, version: ReleaseVersion, stamp: string): string {
    parseStamp(stamp);
    return `${stack}-${version.semver}-${stamp.trim()}`;
}

export interface ColorRelease {
    readonly version: ReleaseVersion;
    readonly stamp: string;
}

/**
 * Stamps closer than this are one update's: a first deployment releases both colours at once, and
 * each colour's clock runs on its own, so the two can read seconds apart, in either order. Two
 * updates that each change a version cannot both finish within it (each runs its gates).
 */
export const SAME_UPDATE_SECONDS = 10;

/**
 * The stack's current release: the colour whose version changed last (newest stamp); on a tie
 * (stamps of the same update), the higher version. This is the deployment id the stack outputs and
 * the audit record name.
 */
export function currentRelease(a: ColorRelease, b: ColorRelease): ColorRelease {
    const ta = parseStamp(a.stamp).getTime();
    const tb = parseStamp(b.stamp).getTime();
    if (Math.abs(ta - tb) >= SAME_UPDATE_SECONDS * 1000) {
        return ta > tb ? a : b;
    }
    return semver.gte(a.version.semver, b.version.semver) ? a : b;
}
