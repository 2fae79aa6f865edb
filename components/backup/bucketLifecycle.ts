/**
 * The lifecycle rule of a switchyard-created snapshot bucket, derived from the retention policy (pure).
 * It expires only noncurrent versions, never current snapshots: docs/decisions.md "Snapshot bucket lifecycle".
 */
import { normalizePolicy, RetentionPolicy } from "../../domain/backup/retention";

/** Days a pruned snapshot stays recoverable when retention has no `keepWithinDays`. */
export const DEFAULT_NONCURRENT_DAYS = 30;

export interface SnapshotLifecycleRule {
    id: string;
    status: "Enabled";
    filter: { prefix: string };
    expiration: { expiredObjectDeleteMarker: true };
    noncurrentVersionExpiration: { noncurrentDays: number };
    abortIncompleteMultipartUpload: { daysAfterInitiation: number };
}

/** `prefix`: the snapshot prefix ("" or segments ending in "/"); the rule touches nothing outside it. */
export function snapshotLifecycleRule(retention: RetentionPolicy | undefined, prefix = ""): SnapshotLifecycleRule {
    const p = normalizePolicy(retention ?? {});
    // S3 counts whole days; round a fractional retention up so nothing goes earlier than promised.
    const noncurrentDays = p.keepWithinDays !== undefined ? Math.ceil(p.keepWithinDays) : DEFAULT_NONCURRENT_DAYS;
    return {
        id: "switchyard-snapshot-retention",
        status: "Enabled",
        filter: { prefix },
        expiration: { expiredObjectDeleteMarker: true },
        noncurrentVersionExpiration: { noncurrentDays },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
    };
}
