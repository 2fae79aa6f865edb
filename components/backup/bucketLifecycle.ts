/**
 * The lifecycle rule of a switchyard-created snapshot bucket, derived from the retention policy.
 * Pure: no I/O, no Pulumi.
 *
 * Why current snapshots get no age-based `expiration.days`: retention (retention.ts) never deletes
 * the snapshot of the current or previous release of a colour, however old it is, and keeps the
 * newest `keepLast` whatever their age. S3 cannot express either rule, so a bucket-side
 * `expiration: {days: keepWithinDays}` would silently delete exactly what a rollback needs after a
 * quiet period. The tool's `prune` (run after every snapshot) deletes current objects with those
 * rules; on the versioned bucket a deleted object becomes a noncurrent version, and THIS rule
 * removes those after `keepWithinDays` days (recoverable until then), cleans up the delete markers
 * left behind, and aborts stale multipart uploads.
 */
import { normalizePolicy, RetentionPolicy } from "./retention";

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
