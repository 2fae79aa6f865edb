/**
 * Snapshot retention: which snapshots a prune removes. Pure functions, no I/O, no clock
 * (the caller passes `now`), so the same code drives the `prune` command, the S3
 * lifecycle rule's age and the property tests.
 *
 * Semantics (same as restic's --keep-last / --keep-within): a snapshot is KEPT when ANY
 * rule keeps it:
 *  - it is among the newest `keepLast` snapshots (newest = latest `createdAt`, ties broken
 *    by id, descending), or
 *  - it is younger than `keepWithinDays` days at `now`, or
 *  - its id is protected (the snapshots of the current and previous release of each
 *    colour: what a rollback may need).
 * Everything else is pruned. A policy with neither rule is rejected rather than read as
 * "delete everything".
 */

/** The facts retention needs about one snapshot. */
export interface SnapshotInfo {
    /** Snapshot id, unique within a target. */
    readonly id: string;
    /** When the snapshot was taken (ISO-8601 string or Date). */
    readonly createdAt: string | Date;
}

export interface RetentionPolicy {
    /**
     * Keep the newest N snapshots.
     * @default 30 when `keepWithinDays` is not set either; otherwise unset (no count rule).
     */
    readonly keepLast?: number;
    /**
     * Keep every snapshot younger than this many days (fractional allowed).
     * @default unset - no age rule.
     */
    readonly keepWithinDays?: number;
}

/** The default: keep the newest 30 snapshots. */
export const DEFAULT_KEEP_LAST = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Applies the default and checks the numbers; throws a message naming the bad value and the fix. */
export function normalizePolicy(policy: RetentionPolicy): { keepLast?: number; keepWithinDays?: number } {
    const { keepLast, keepWithinDays } = policy;
    if (keepLast === undefined && keepWithinDays === undefined) {
        return { keepLast: DEFAULT_KEEP_LAST };
    }
    if (keepLast !== undefined && (!Number.isInteger(keepLast) || keepLast < 1)) {
        throw new Error(
            `retention keepLast must be an integer >= 1, got ${JSON.stringify(keepLast)}; ` +
                `use keepWithinDays alone to keep by age only`,
        );
    }
    if (keepWithinDays !== undefined && (!Number.isFinite(keepWithinDays) || keepWithinDays <= 0)) {
        throw new Error(
            `retention keepWithinDays must be a number > 0, got ${JSON.stringify(keepWithinDays)}; ` +
                `leave it unset to keep by count only`,
        );
    }
    return { keepLast, keepWithinDays };
}

function timeOf(s: SnapshotInfo): number {
    const t = s.createdAt instanceof Date ? s.createdAt.getTime() : Date.parse(s.createdAt);
    if (Number.isNaN(t)) {
        throw new Error(`snapshot '${s.id}' has an invalid createdAt ${JSON.stringify(s.createdAt)}; expected an ISO-8601 time`);
    }
    return t;
}

/** Newest first: by creation time, then by id (ids embed the time, so this is stable). */
export function sortNewestFirst<T extends SnapshotInfo>(snapshots: readonly T[]): T[] {
    return [...snapshots].sort((a, b) => {
        const d = timeOf(b) - timeOf(a);
        if (d !== 0) return d;
        return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
    });
}

/**
 * Returns the snapshots to delete (newest first), a subset of `snapshots`.
 * @param protectedIds ids that are never pruned (unknown ids are ignored).
 * @param now the reference time for `keepWithinDays`; required when that rule is set.
 */
export function selectSnapshotsToPrune<T extends SnapshotInfo>(
    snapshots: readonly T[],
    policy: RetentionPolicy,
    protectedIds: Iterable<string> = [],
    now?: Date,
): T[] {
    const p = normalizePolicy(policy);
    if (p.keepWithinDays !== undefined && (now === undefined || Number.isNaN(now.getTime()))) {
        throw new Error("retention keepWithinDays needs the reference time `now`; pass a valid Date");
    }
    const seen = new Set<string>();
    for (const s of snapshots) {
        if (seen.has(s.id)) throw new Error(`duplicate snapshot id '${s.id}'; snapshot ids must be unique within a target`);
        seen.add(s.id);
        timeOf(s); // rejects an invalid time even when no comparison happens
    }
    const keep = new Set<string>(protectedIds);
    const ordered = sortNewestFirst(snapshots);
    if (p.keepLast !== undefined) {
        for (const s of ordered.slice(0, p.keepLast)) keep.add(s.id);
    }
    if (p.keepWithinDays !== undefined && now !== undefined) {
        const cutoff = now.getTime() - p.keepWithinDays * DAY_MS;
        for (const s of ordered) if (timeOf(s) > cutoff) keep.add(s.id);
    }
    return ordered.filter((s) => !keep.has(s.id));
}

/** What retention needs to know about a snapshot's release, to protect rollback points. */
export interface ReleaseSnapshotInfo extends SnapshotInfo {
    /** Versions per colour before the release (absent colour = not deployed). */
    readonly versionsBefore: Readonly<Record<string, string | null | undefined>>;
    /** Versions per colour after the release. */
    readonly versionsAfter: Readonly<Record<string, string | null | undefined>>;
}

/**
 * The ids a rollback may need: for each colour, the snapshots of its current and previous
 * release, i.e. the two newest snapshots whose release changed that colour's version.
 */
export function protectedSnapshotIds(snapshots: readonly ReleaseSnapshotInfo[], perColour = 2): Set<string> {
    const out = new Set<string>();
    const count = new Map<string, number>();
    for (const s of sortNewestFirst(snapshots)) {
        const colours = new Set([...Object.keys(s.versionsBefore ?? {}), ...Object.keys(s.versionsAfter ?? {})]);
        for (const c of colours) {
            const before = s.versionsBefore?.[c] ?? null;
            const after = s.versionsAfter?.[c] ?? null;
            if (before === after) continue;
            const n = count.get(c) ?? 0;
            if (n < perColour) {
                out.add(s.id);
                count.set(c, n + 1);
            }
        }
    }
    return out;
}

/** A snapshot as per-kind retention sees it (kind from `kindOf`). */
export interface KindedSnapshotInfo extends SnapshotInfo {
    readonly kind: "manual" | "scheduled" | "pre-deploy";
}

/** One retention rule per kind; a kind without its own rule uses `default`. */
export interface RetentionByKind {
    readonly default: RetentionPolicy;
    readonly manual?: RetentionPolicy;
    readonly scheduled?: RetentionPolicy;
    readonly "pre-deploy"?: RetentionPolicy;
}

/**
 * Per-kind retention: each kind is pruned by its own rule among snapshots of that kind only, so a
 * minute-by-minute schedule never pushes a release's snapshot out of `keepLast`. Protected ids
 * (what a rollback needs, whatever their kind) are never pruned. Result newest first.
 */
export function selectSnapshotsToPruneByKind<T extends KindedSnapshotInfo>(
    snapshots: readonly T[],
    policies: RetentionByKind,
    protectedIds: Iterable<string> = [],
    now?: Date,
): T[] {
    const prot = [...protectedIds];
    const doomed = new Set<string>();
    for (const kind of ["manual", "scheduled", "pre-deploy"] as const) {
        const ofKind = snapshots.filter((s) => s.kind === kind);
        for (const s of selectSnapshotsToPrune(ofKind, policies[kind] ?? policies.default, prot, now)) doomed.add(s.id);
    }
    return sortNewestFirst(snapshots.filter((s) => doomed.has(s.id)));
}
