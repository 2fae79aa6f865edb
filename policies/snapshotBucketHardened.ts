import { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { known, ofType, ofTypeOrNotApplicable, peek, TYPES, UNKNOWN } from "./lib";

type Props = Record<string, unknown>;
const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);
const SSE = new Set(["AES256", "aws:kms", "aws:kms:dsse"]);

/**
 * The settings resources (BucketVersioning, ...) that belong to a bucket: linked by the dependency of
 * their `bucket` input on the Bucket (known at preview, when the bucket name is not), else by name.
 */
export function settingsOf(resources: PolicyResource[], bucket: PolicyResource, types: readonly string[]): PolicyResource[] {
    const bucketName = peek(() => bucket.props.bucket as unknown);
    const bucketId = peek(() => bucket.props.id as unknown);
    return ofType(resources, types).filter((s) => {
        if ((s.propertyDependencies.bucket ?? []).some((d) => d.urn === bucket.urn)) {
            return true;
        }
        const ref = peek(() => s.props.bucket as unknown);
        return typeof ref === "string" && (ref === bucketName || ref === bucketId);
    });
}

const plain = (p: Props, k: string): unknown => {
    const v = known(() => p[k]);
    return v === UNKNOWN ? undefined : v;
};
const list = (v: unknown): Props[] =>
    Array.isArray(v) ? v.filter((x): x is Props => !!x && typeof x === "object") : v && typeof v === "object" ? [v as Props] : [];

function versioned(bucket: Props, settings: PolicyResource[]): boolean {
    const inline = plain(bucket, "versioning") as Props | undefined;
    if (inline && inline.enabled === true) {
        return true;
    }
    return settings.some((s) => (plain(s.props, "versioningConfiguration") as Props | undefined)?.status === "Enabled");
}

function encrypted(bucket: Props, settings: PolicyResource[]): boolean {
    const byDefault = (rules: unknown) =>
        list(rules).some((r) => {
            const d = list(r.applyServerSideEncryptionByDefault)[0];
            return !!d && typeof d.sseAlgorithm === "string" && SSE.has(d.sseAlgorithm);
        });
    const inline = plain(bucket, "serverSideEncryptionConfiguration") as Props | undefined;
    if (inline && byDefault(list(inline.rule ?? inline.rules))) {
        return true;
    }
    return settings.some((s) => byDefault(plain(s.props, "rules")));
}

function blocksPublicAccess(settings: PolicyResource[]): boolean {
    return settings.some((s) =>
        ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every((k) => plain(s.props, k) === true),
    );
}

function hasLifecycle(bucket: Props, settings: PolicyResource[]): boolean {
    // A rule that ages snapshots out (or moves them to cheaper storage); aborting uploads alone is not enough.
    const acts = (r: Props) =>
        ["expiration", "noncurrentVersionExpiration", "transitions", "noncurrentVersionTransitions"].some((k) => list(r[k]).length > 0);
    const inline = list(plain(bucket, "lifecycleRules"));
    if (inline.some((r) => r.enabled === true && acts(r))) {
        return true;
    }
    return settings.some((s) => list(plain(s.props, "rules")).some((r) => r.status === "Enabled" && acts(r)));
}

/** What is missing for a bucket to count as hardened. */
export function bucketProblems(resources: PolicyResource[], bucket: PolicyResource): string[] {
    const b = bucket.props as Props;
    const problems: string[] = [];
    const n = bucket.name;
    if (!versioned(b, settingsOf(resources, bucket, TYPES.bucketVersioning))) {
        problems.push(
            `bucket ${n} is not versioned: add aws.s3.BucketVersioning { bucket: ${n}.id, versioningConfiguration: { status: "Enabled" } }`,
        );
    }
    if (!encrypted(b, settingsOf(resources, bucket, TYPES.bucketEncryption))) {
        problems.push(
            `bucket ${n} has no default encryption: add aws.s3.BucketServerSideEncryptionConfiguration with applyServerSideEncryptionByDefault.sseAlgorithm "aws:kms" or "AES256"`,
        );
    }
    const acl = plain(b, "acl");
    const publicAcl =
        (typeof acl === "string" && PUBLIC_ACLS.has(acl)) ||
        settingsOf(resources, bucket, TYPES.bucketAcl).some((s) => PUBLIC_ACLS.has(String(plain(s.props, "acl"))));
    if (publicAcl) {
        problems.push(`bucket ${n} has a public ACL: remove acl (or BucketAcl) public-read/public-read-write/authenticated-read`);
    }
    if (!blocksPublicAccess(settingsOf(resources, bucket, TYPES.bucketPublicAccessBlock))) {
        problems.push(
            `bucket ${n} is not private: add aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true`,
        );
    }
    if (!hasLifecycle(b, settingsOf(resources, bucket, TYPES.bucketLifecycle))) {
        problems.push(
            `bucket ${n} has no lifecycle rule: add aws.s3.BucketLifecycleConfiguration with an Enabled rule that expires old snapshots (expiration or noncurrentVersionExpiration)`,
        );
    }
    return problems;
}

export const snapshotBucketHardened: StackValidationPolicy = {
    name: "snapshot-bucket-hardened",
    description:
        "S3 snapshot buckets are versioned, encrypted by default, private (no public ACL, all four public-access blocks) and have a lifecycle rule.",
    remediationSteps:
        "Give each aws.s3.Bucket a BucketVersioning (Enabled), a BucketServerSideEncryptionConfiguration, a BucketPublicAccessBlock (all true) and a BucketLifecycleConfiguration (Enabled rule with an expiration).",
    severity: "high",
    validateStack: (args, report: ReportViolation) => {
        for (const bucket of ofTypeOrNotApplicable(args, TYPES.bucket, "the stack has no S3 bucket")) {
            bucketProblems(args.resources, bucket).forEach((p) => report(p, bucket.urn));
        }
    },
};
