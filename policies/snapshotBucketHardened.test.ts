import { snapshotBucketHardened } from "./snapshotBucketHardened";
import { goodStack, Graph, messages, runStack, set, UNKNOWN_VALUE } from "../test/support/policies";

const run = (g: Graph) => runStack(snapshotBucketHardened, g);

describe("snapshot-bucket-hardened (stack policy)", () => {
    test("known-good bucket (versioned, kms, private, lifecycle) passes", async () => {
        expect(await run(goodStack())).toEqual({ violations: [] });
    });
    test("settings are linked by property dependency even when the bucket name is unknown (preview)", async () => {
        const g = goodStack();
        set(g, "snapshots", "bucket", UNKNOWN_VALUE);
        set(g, "snapshots", "id", UNKNOWN_VALUE);
        for (const n of ["snapshots-versioning", "snapshots-sse", "snapshots-private", "snapshots-lifecycle"]) {
            set(g, n, "bucket", UNKNOWN_VALUE);
        }
        expect(await run(g)).toEqual({ violations: [] });
    });
    test.each([
        [
            "snapshots-versioning",
            "versioningConfiguration.status",
            "Suspended",
            "bucket snapshots is not versioned: add aws.s3.BucketVersioning",
        ],
        ["snapshots-sse", "rules", [], "bucket snapshots has no default encryption"],
        [
            "snapshots-private",
            "restrictPublicBuckets",
            false,
            "bucket snapshots is not private: add aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true",
        ],
        [
            "snapshots-lifecycle",
            "rules",
            [{ id: "x", status: "Disabled", expiration: { days: 90 } }],
            "bucket snapshots has no lifecycle rule",
        ],
        [
            "snapshots-lifecycle",
            "rules",
            [{ id: "x", status: "Enabled", abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }],
            "bucket snapshots has no lifecycle rule",
        ],
        ["snapshots", "acl", "public-read", "bucket snapshots has a public ACL"],
    ])("breaking %s.%s = %p", async (name, path, value, msg) => {
        const o = await run(set(goodStack(), name, path, value));
        expect(messages(o)).toHaveLength(1);
        expect(messages(o)[0]).toContain(msg);
        expect(o.violations[0].urn).toMatch(/::snapshots$/);
    });
    test("a settings resource of another bucket does not count", async () => {
        const g = goodStack();
        const v = g.get("snapshots-versioning")!;
        v.propertyDependencies = {};
        v.props.bucket = "someone-elses-bucket";
        expect(messages(await run(g))).toEqual([expect.stringContaining("bucket snapshots is not versioned")]);
    });
    test("inline (deprecated) bucket settings are accepted", async () => {
        const g = goodStack();
        for (const n of ["snapshots-versioning", "snapshots-sse", "snapshots-lifecycle"]) {
            g.delete(n);
        }
        set(g, "snapshots", "versioning", { enabled: true });
        set(g, "snapshots", "serverSideEncryptionConfiguration", {
            rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        });
        set(g, "snapshots", "lifecycleRules", [{ enabled: true, noncurrentVersionExpiration: { days: 30 } }]);
        expect(messages(await run(g))).toEqual([]);
    });
    test("a bare bucket gets all four messages", async () => {
        const g = goodStack();
        for (const n of ["snapshots-versioning", "snapshots-sse", "snapshots-private", "snapshots-lifecycle"]) {
            g.delete(n);
        }
        expect(messages(await run(g))).toHaveLength(4);
    });
    test("no bucket: not applicable", async () => {
        const g = goodStack();
        for (const n of ["snapshots", "snapshots-versioning", "snapshots-sse", "snapshots-private", "snapshots-lifecycle"]) {
            g.delete(n);
        }
        expect((await run(g)).notApplicable).toBe("the stack has no S3 bucket");
    });
});
