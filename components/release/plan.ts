import * as semver from "semver";
import { Color, COLORS } from "../../domain/color";

/** What a release decides across both colours, from plain values known at preview. */
export interface ReleasePlan {
    /**
     * The order the colours' migrations run in when both change in one update: the lower version
     * first (its schema is the older one), blue first on equal versions.
     */
    migrationOrder: Color[];
}

export function planRelease(versions: Record<Color, string>): ReleasePlan {
    return {
        migrationOrder: [...COLORS].sort((x, y) => semver.compare(versions[x], versions[y]) || (x === "blue" ? -1 : 1)),
    };
}
