/**
 * SnapshotBucket: the S3 bucket that receives pre-deploy snapshots, created hardened with
 * @pulumi/aws v7 when `backup.target.createBucket` is true:
 *  - `${name}-bucket`      aws.s3.Bucket (forceDestroy false: a bucket holding snapshots, or any
 *                          version of one, is never deleted by `pulumi destroy`)
 *  - `${name}-versioning`  BucketVersioning Enabled
 *  - `${name}-sse`         BucketServerSideEncryptionConfiguration (aws:kms [+ key] or AES256)
 *  - `${name}-private`     BucketPublicAccessBlock, all four blocks
 *  - `${name}-lifecycle`   BucketLifecycleConfiguration from the retention (bucketLifecycle.ts)
 *  - `${name}-aws`         an explicit aws.Provider (region, optional S3-compatible endpoint,
 *                          path-style), so no default provider and no ambient AWS config is used.
 * Credentials: the provider's default chain (env, shared profile, instance/task role); none here.
 *
 * `bucketName` resolves only once every setting exists, so a snapshot step that uses it uploads
 * into a bucket that is already private, encrypted and versioned.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { snapshotLifecycleRule } from "./bucketLifecycle";
import { RetentionPolicy } from "../../domain/backup/retention";

export interface SnapshotBucketArgs {
    /** Bucket name (3-63 lowercase letters, digits, '.', '-'). */
    bucket: string;
    /** Snapshot key prefix ("" or segments ending in "/"): the lifecycle rule applies to it only. @default "" */
    prefix?: string;
    /** AWS region of the bucket and the provider. */
    region: string;
    /** S3-compatible endpoint (MinIO, moto...). @default - AWS's own endpoint */
    endpoint?: string;
    /** Path-style addressing (http://host/bucket/key). @default false - virtual-hosted style */
    forcePathStyle?: boolean;
    /** Default encryption. @default "aws:kms" */
    encryption?: "aws:kms" | "AES256";
    /** KMS key for aws:kms. @default - the AWS managed key aws/s3 */
    kmsKeyId?: string;
    /** Retention of the snapshots; sets how long pruned (noncurrent) versions stay. @default - keep newest 30, pruned versions kept 30 days */
    retention?: RetentionPolicy;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export class SnapshotBucket extends pulumi.ComponentResource {
    /** The bucket's name, known only after every hardening resource exists (carries those dependencies). */
    public readonly bucketName: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;
    public readonly provider: aws.Provider;
    public readonly bucket: aws.s3.Bucket;

    constructor(name: string, args: SnapshotBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        if (!BUCKET_NAME.test(args.bucket)) {
            throw new Error(
                `SnapshotBucket ${name}: bucket '${args.bucket}' is not a valid S3 bucket name; use 3-63 lowercase letters, digits, '.' or '-'`,
            );
        }
        const encryption = args.encryption ?? "aws:kms";
        if (args.kmsKeyId !== undefined && encryption !== "aws:kms") {
            throw new Error(
                `SnapshotBucket ${name}: kmsKeyId only applies to encryption aws:kms (got ${encryption}); remove kmsKeyId or use aws:kms`,
            );
        }
        const prefix = args.prefix ?? "";
        if (!/^([A-Za-z0-9._-]+\/)*$/.test(prefix)) {
            throw new Error(`SnapshotBucket ${name}: prefix '${prefix}' must be empty or path segments ending in '/', e.g. snapshots/`);
        }
        const lifecycleRule = snapshotLifecycleRule(args.retention, prefix);
        super("switchyard:backup:SnapshotBucket", name, {}, opts);

        this.provider = new aws.Provider(
            `${name}-aws`,
            {
                region: args.region,
                s3UsePathStyle: args.forcePathStyle ?? false,
                ...(args.endpoint
                    ? {
                          endpoints: [{ s3: args.endpoint }],
                          // An S3-compatible store has no STS/IAM to ask for the account id.
                          skipCredentialsValidation: true,
                          skipRequestingAccountId: true,
                      }
                    : {}),
            },
            { parent: this },
        );
        const child = { parent: this, provider: this.provider };

        this.bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: args.bucket, forceDestroy: false }, child);
        const onBucket = { ...child, dependsOn: [this.bucket] };
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            {
                bucket: this.bucket.id,
                versioningConfiguration: { status: "Enabled" },
            },
            onBucket,
        );
        const sse = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-sse`,
            {
                bucket: this.bucket.id,
                rules: [
                    {
                        applyServerSideEncryptionByDefault: {
                            sseAlgorithm: encryption,
                            ...(args.kmsKeyId !== undefined ? { kmsMasterKeyId: args.kmsKeyId } : {}),
                        },
                        // S3 Bucket Keys cut KMS requests (and cost); meaningless for AES256.
                        ...(encryption === "aws:kms" ? { bucketKeyEnabled: true } : {}),
                    },
                ],
            },
            onBucket,
        );
        const privateAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-private`,
            {
                bucket: this.bucket.id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            onBucket,
        );
        // A lifecycle configuration on a versioned bucket must come after versioning is enabled.
        const lifecycle = new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: this.bucket.id,
                rules: [lifecycleRule],
            },
            { ...child, dependsOn: [this.bucket, versioning] },
        );

        this.bucketName = pulumi.all([this.bucket.bucket, versioning.id, sse.id, privateAccess.id, lifecycle.id]).apply(([n]) => n);
        this.arn = this.bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
    }
}
