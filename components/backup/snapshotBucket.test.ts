/**
 * The S3 snapshot bucket (backup.target.createBucket, components/backup/snapshotBucket.ts) under Pulumi
 * mocks: exactly which AWS resources the program registers, their security-relevant inputs, the explicit
 * provider, the snapshot steps' dependency on the hardened bucket, and the policy pack's
 * snapshot-bucket-hardened validation run on the registered inputs (compliant, then one piece missing).
 * The aws plugin is never needed: nothing here talks to AWS.
 */
import { snapshotBucketHardened } from "../../policies/snapshotBucketHardened";
import { DEFAULT_NONCURRENT_DAYS, snapshotLifecycleRule } from "./bucketLifecycle";
import { Graph, messages, runStack } from "../../test/support/policies";
import { baseConfig, Config, previewLikeUpdate, Registered, runProgram, RunResult } from "../../test/support/program";

const T = {
    component: "switchyard:backup:SnapshotBucket",
    provider: "pulumi:providers:aws",
    bucket: "aws:s3/bucket:Bucket",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    command: "command:local:Command",
};
const SECRET_KEYS = ["secretEnv", "backupSecrets"];
const BUCKET = "sy-snapshots-test";

function s3Config(target: Record<string, unknown> = {}, retention: Record<string, unknown> = { keepLast: 5, keepWithinDays: 14 }): Config {
    const c = baseConfig();
    c.backup = {
        target: { type: "s3", bucket: BUCKET, prefix: "snapshots/", region: "eu-west-1", createBucket: true, ...target },
        postgres: [{ name: "app" }],
        retention,
    };
    c.backupSecrets = { app: "postgres://app:pw@db:5432/app" };
    return c;
}
const short = (urn: string) => urn.split("::").pop()!;
const awsResources = (r: RunResult) => r.resources.filter((x) => x.type.startsWith("aws:") || x.type === T.provider);

describe("createBucket: true (AWS, kms default)", () => {
    let r: RunResult;
    beforeAll(async () => {
        r = await runProgram(s3Config(), { secretKeys: SECRET_KEYS });
    });

    test("exactly one bucket, one of each hardening resource and one explicit provider, all in the component", () => {
        const counts: Record<string, number> = {};
        for (const x of [...awsResources(r), ...r.byType(T.component)]) {
            counts[x.type] = (counts[x.type] ?? 0) + 1;
        }
        expect(counts).toEqual({
            [T.component]: 1,
            [T.provider]: 1,
            [T.bucket]: 1,
            [T.versioning]: 1,
            [T.sse]: 1,
            [T.pab]: 1,
            [T.lifecycle]: 1,
        });
        const comp = r.one(T.component, "snapshots");
        expect(
            awsResources(r)
                .map((x) => [x.name, x.parent === comp.urn])
                .sort(),
        ).toEqual([
            ["snapshots-aws", true],
            ["snapshots-bucket", true],
            ["snapshots-lifecycle", true],
            ["snapshots-private", true],
            ["snapshots-sse", true],
            ["snapshots-versioning", true],
        ]);
    });

    test("every AWS resource uses the explicit provider, never a default one", () => {
        const provider = r.one(T.provider, "snapshots-aws");
        for (const x of awsResources(r).filter((y) => y.custom && y.type !== T.provider)) {
            expect(x.provider).toBe(`${provider.urn}::snapshots-aws-id`);
        }
    });

    test("provider: region and addressing from config, no credentials, no endpoint override on AWS", () => {
        const p = r.one(T.provider, "snapshots-aws").inputs;
        expect(p.region).toBe("eu-west-1");
        expect(String(p.s3UsePathStyle)).toBe("false");
        // On AWS the provider validates the credentials it finds in the default chain.
        expect(p.skipCredentialsValidation).toBe("false");
        expect([undefined, "null"]).toContain(p.skipRequestingAccountId);
        expect([undefined, "null"]).toContain(p.skipMetadataApiCheck);
        for (const k of ["accessKey", "secretKey", "token", "profile", "endpoints", "assumeRoles"]) {
            expect(p).not.toHaveProperty(k);
        }
    });

    test("security-relevant inputs, exactly", () => {
        const bucketId = "snapshots-bucket-id";
        expect(r.one(T.bucket, "snapshots-bucket").inputs).toEqual({ bucket: BUCKET, forceDestroy: false });
        expect(r.one(T.versioning, "snapshots-versioning").inputs).toEqual({
            bucket: bucketId,
            versioningConfiguration: { status: "Enabled" },
        });
        expect(r.one(T.sse, "snapshots-sse").inputs).toEqual({
            bucket: bucketId,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
        });
        expect(r.one(T.pab, "snapshots-private").inputs).toEqual({
            bucket: bucketId,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        expect(r.one(T.lifecycle, "snapshots-lifecycle").inputs).toEqual({
            bucket: bucketId,
            rules: [
                {
                    id: "switchyard-snapshot-retention",
                    status: "Enabled",
                    filter: { prefix: "snapshots/" },
                    expiration: { expiredObjectDeleteMarker: true },
                    noncurrentVersionExpiration: { noncurrentDays: 14 },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                },
            ],
        });
        // No ACL, no bucket policy: nothing that could open the bucket.
        expect(r.resources.filter((x) => /bucketAcl|bucketPolicy/i.test(x.type))).toEqual([]);
    });

    test("settings wait for the bucket; the lifecycle waits for versioning", () => {
        for (const n of ["snapshots-versioning", "snapshots-sse", "snapshots-private"]) {
            expect(r.resources.find((x) => x.name === n)!.dependencies.map(short)).toEqual(["snapshots-bucket"]);
        }
        expect(r.one(T.lifecycle, "snapshots-lifecycle").dependencies.map(short).sort()).toEqual([
            "snapshots-bucket",
            "snapshots-versioning",
        ]);
    });

    test("each snapshot step uploads into that bucket and depends on the bucket and all its settings", () => {
        for (const c of ["blue", "green"]) {
            const s = r.one(T.command, `backup-${c}-snapshot`);
            expect(s.dependencies.map(short).sort()).toEqual([
                `ledger-${c}-record`,
                `release-${c}-clock`,
                "snapshots-bucket",
                "snapshots-lifecycle",
                "snapshots-private",
                "snapshots-sse",
                "snapshots-versioning",
            ]);
            const cfg = JSON.parse((s.inputs.environment as Record<string, string>).SWITCHYARD_BACKUP_CONFIG);
            // The tool gets only what it understands: no createBucket/encryption keys.
            expect(cfg.target).toEqual({ type: "s3", bucket: BUCKET, prefix: "snapshots/", region: "eu-west-1", forcePathStyle: false });
        }
    });

    test("snapshot-bucket-hardened passes on the registered inputs", async () => {
        expect(await runStack(snapshotBucketHardened, graphOf(r))).toEqual({ violations: [] });
    });

    test.each<[string, (g: Graph) => void, string]>([
        ["no versioning", (g) => g.delete("snapshots-versioning"), "bucket snapshots-bucket is not versioned"],
        [
            "versioning suspended",
            (g) => {
                (g.get("snapshots-versioning")!.props.versioningConfiguration as Record<string, unknown>).status = "Suspended";
            },
            "is not versioned",
        ],
        ["no default encryption", (g) => g.delete("snapshots-sse"), "bucket snapshots-bucket has no default encryption"],
        ["no public access block", (g) => g.delete("snapshots-private"), "bucket snapshots-bucket is not private"],
        ...(["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const).map(
            (k) =>
                [
                    `${k} false`,
                    (g: Graph) => {
                        g.get("snapshots-private")!.props[k] = false;
                    },
                    "bucket snapshots-bucket is not private",
                ] as [string, (g: Graph) => void, string],
        ),
        ["no lifecycle", (g) => g.delete("snapshots-lifecycle"), "bucket snapshots-bucket has no lifecycle rule"],
        [
            "lifecycle rule disabled",
            (g) => {
                (g.get("snapshots-lifecycle")!.props.rules as Record<string, unknown>[])[0].status = "Disabled";
            },
            "has no lifecycle rule",
        ],
    ])("snapshot-bucket-hardened flags the bucket with %s, and only that", async (_what, breakIt, message) => {
        const g = graphOf(r);
        breakIt(g);
        const o = await runStack(snapshotBucketHardened, g);
        expect(messages(o)).toHaveLength(1);
        expect(messages(o)[0]).toContain(message);
        expect(short(o.violations[0].urn!)).toBe("snapshots-bucket");
    });
});

test("S3-compatible endpoint, path-style, AES256: provider skips AWS-only checks; SSE is AES256 without bucket key", async () => {
    const r = await runProgram(
        s3Config({ endpoint: "http://127.0.0.1:5000", forcePathStyle: true, encryption: "AES256" }, { keepLast: 7 }),
        { secretKeys: SECRET_KEYS },
    );
    const p = r.one(T.provider, "snapshots-aws").inputs;
    expect(String(p.s3UsePathStyle)).toBe("true");
    expect(JSON.parse(String(p.endpoints))).toEqual([{ s3: "http://127.0.0.1:5000" }]);
    expect(String(p.skipCredentialsValidation)).toBe("true");
    expect(String(p.skipRequestingAccountId)).toBe("true");
    expect([undefined, "null"]).toContain(p.skipMetadataApiCheck); // instance roles stay usable
    expect(p).not.toHaveProperty("secretKey");
    expect(r.one(T.sse, "snapshots-sse").inputs.rules).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    // keepLast only: pruned versions stay the default 30 days.
    expect((r.one(T.lifecycle, "snapshots-lifecycle").inputs.rules as Record<string, unknown>[])[0].noncurrentVersionExpiration).toEqual({
        noncurrentDays: DEFAULT_NONCURRENT_DAYS,
    });
    const cfg = JSON.parse(
        (r.one(T.command, "backup-blue-snapshot").inputs.environment as Record<string, string>).SWITCHYARD_BACKUP_CONFIG,
    );
    expect(cfg.target).toEqual({
        type: "s3",
        bucket: BUCKET,
        prefix: "snapshots/",
        region: "eu-west-1",
        endpoint: "http://127.0.0.1:5000",
        forcePathStyle: true,
    });
    expect(await runStack(snapshotBucketHardened, graphOf(r))).toEqual({ violations: [] });
});

test("a customer-managed KMS key is the bucket's default key", async () => {
    const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const r = await runProgram(s3Config({ kmsKeyId: key }), { secretKeys: SECRET_KEYS });
    expect(r.one(T.sse, "snapshots-sse").inputs.rules).toEqual([
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key }, bucketKeyEnabled: true },
    ]);
});

test.each<[string, Config]>([
    [
        "createBucket unset (bucket exists already)",
        (() => {
            const c = s3Config();
            delete ((c.backup as Config).target as Config).createBucket;
            return c;
        })(),
    ],
    ["createBucket false", s3Config({ createBucket: false })],
    [
        "a local target",
        (() => {
            const c = s3Config();
            (c.backup as Config).target = { type: "local", root: "/var/backups/sy" };
            return c;
        })(),
    ],
])("%s: no AWS resource, no AWS provider; the snapshot names the configured bucket", async (_what, config) => {
    const r = await runProgram(config, { secretKeys: SECRET_KEYS });
    expect(awsResources(r)).toEqual([]);
    expect(r.byType(T.component)).toEqual([]);
    expect(r.one(T.command, "backup-green-snapshot").dependencies.map(short).sort()).toEqual([
        "ledger-green-record",
        "release-green-clock",
    ]);
});

test("preview (dryRun) registers the same resources, bucket included", async () => {
    const preview = await previewLikeUpdate(s3Config(), SECRET_KEYS);
    expect(awsResources(preview)).toHaveLength(6);
});

describe("snapshotLifecycleRule (pure)", () => {
    test.each<[Record<string, number> | undefined, number]>([
        [undefined, DEFAULT_NONCURRENT_DAYS],
        [{ keepLast: 3 }, DEFAULT_NONCURRENT_DAYS],
        [{ keepWithinDays: 14 }, 14],
        [{ keepWithinDays: 1.5 }, 2],
        [{ keepLast: 3, keepWithinDays: 0.1 }, 1],
    ])("retention %p keeps pruned versions %p days; current snapshots never expire by age", (retention, days) => {
        const rule = snapshotLifecycleRule(retention, "p/");
        expect(rule.noncurrentVersionExpiration).toEqual({ noncurrentDays: days });
        expect(rule.expiration).toEqual({ expiredObjectDeleteMarker: true });
        expect(rule.filter).toEqual({ prefix: "p/" });
    });
    test("a bad retention is refused with its value", () => {
        expect(() => snapshotLifecycleRule({ keepWithinDays: -1 })).toThrow(/keepWithinDays must be a number > 0, got -1/);
    });
});

/** The registered resources as a policy stack graph (props = inputs, plus the mock id of the bucket). */
function graphOf(r: RunResult): Graph {
    const g: Graph = new Map();
    const byUrn = new Map(r.resources.map((x): [string, Registered] => [x.urn, x]));
    for (const x of r.resources.filter((y) => y.type.startsWith("aws:") || y.type === T.component)) {
        const props = JSON.parse(JSON.stringify(x.inputs)) as Record<string, unknown>;
        if (x.type === T.bucket) {
            props.id = `${x.name}-id`;
        }
        const parent = byUrn.get(x.parent);
        g.set(x.name, {
            type: x.type,
            name: x.name,
            props,
            ...(parent && parent.type === T.component ? { parent: parent.name } : {}),
        });
    }
    return g;
}
