/**
 * S3 target against a real S3-compatible server (moto's server, started here) and a real
 * PostgreSQL: upload, verify-after-upload, list, restore, refusal of a corrupted or
 * incomplete snapshot, prune.
 */
import {
    CreateBucketCommand,
    GetObjectCommand,
    ListObjectsV2Command,
    DeleteObjectCommand,
    PutObjectCommand,
    S3Client,
} from "@aws-sdk/client-s3";
import { execFileSync, spawnSync } from "child_process";
import { Readable } from "stream";
import { main } from "./tool";
import { Moto, PgCluster, ensureBusyboxImage, quietIo, runCli, startMoto, startPostgres } from "../../test/support/backup";

jest.setTimeout(180_000);

let pg: PgCluster;
let moto: Moto;
let s3: S3Client;
let image: string;
const bucket = "sy-backups";
const volume = `sy-test-s3vol-${process.pid}`;
const creds = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "us-east-1" };

const fingerprint = () =>
    pg.sql(
        "SELECT md5((SELECT string_agg(format('%s|%s', id, body), ',' ORDER BY id) FROM notes) || (SELECT count(*) FROM notes)::text)",
        "app",
    );
const config = (extra: Record<string, unknown> = {}) => ({
    stack: "s3test",
    // No prefix: the default, the stack's name (s3test/).
    target: { type: "s3", bucket, endpoint: moto.endpoint, forcePathStyle: true, region: "us-east-1" },
    postgres: [{ name: "app", urlEnv: "APP_DB_URL" }],
    volumes: [{ name: "files", volume }],
    volumeImage: image,
    release: { deploymentId: "dep-s3", versionsBefore: { blue: "1" }, versionsAfter: { blue: "2" }, commit: null },
    ...extra,
});
const envFor = (cfg: object) => ({ ...creds, SWITCHYARD_BACKUP_CONFIG: JSON.stringify(cfg), APP_DB_URL: pg.url("app") });

async function keys(prefix = "s3test/"): Promise<string[]> {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (r.Contents ?? []).map((o) => o.Key!).sort();
}

beforeAll(async () => {
    [pg, moto] = await Promise.all([startPostgres(), startMoto()]);
    s3 = new S3Client({
        region: "us-east-1",
        endpoint: moto.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    pg.sql("CREATE DATABASE app");
    pg.sql(
        "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, repeat(md5(g::text), 5) FROM generate_series(1, 3000) g;",
        "app",
    );
    image = ensureBusyboxImage();
    execFileSync("docker", ["volume", "create", volume]);
    execFileSync("docker", ["run", "--rm", "-v", `${volume}:/v`, image, "sh", "-c", "echo one > /v/one && echo two > /v/two"]);
});

afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
    pg?.destroy();
    spawnSync("docker", ["volume", "rm", "-f", volume]);
});

describe("S3 target (moto server)", () => {
    let snap: { snapshotId: string; location: string; totalBytes: number; manifestSha256: string };

    test("snapshot uploads every file and the manifest under the stack's prefix, then lists as complete", async () => {
        const r = await runCli(["snapshot"], envFor(config()));
        expect(r.stderr).not.toMatch(/error/);
        expect(r.code).toBe(0);
        snap = JSON.parse(r.stdout.trim());
        expect(snap.location).toBe(`s3://${bucket}/s3test/${snap.snapshotId}/`);
        expect(await keys()).toEqual(
            ["manifest.json", "postgres-app.dump", "release.json", "volume-files.tar"].map((f) => `s3test/${snap.snapshotId}/${f}`),
        );
        const m = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `s3test/${snap.snapshotId}/manifest.json` }));
        const text = Buffer.concat(await Readable.from(m.Body as Readable).toArray());
        expect(require("crypto").createHash("sha256").update(text).digest("hex")).toBe(snap.manifestSha256);

        const l = await runCli(["list", "--json"], envFor(config()));
        expect(l.code).toBe(0);
        expect(JSON.parse(l.stdout)).toEqual([
            {
                id: snap.snapshotId,
                complete: true,
                createdAt: expect.any(String),
                deploymentId: "dep-s3",
                kind: "pre-deploy",
                totalBytes: snap.totalBytes,
                location: snap.location,
            },
        ]);
        expect(r.stdout + r.stderr + l.stdout).not.toContain(pg.password);
    });

    test("mutate, restore latest from S3: rows and files equal", async () => {
        const before = fingerprint();
        pg.sql("DELETE FROM notes WHERE id > 10; UPDATE notes SET body = 'x'", "app");
        execFileSync("docker", ["run", "--rm", "-v", `${volume}:/v`, image, "sh", "-c", "rm /v/one && echo 2 > /v/two"]);
        const r = await runCli(["restore", "latest", "--yes"], envFor(config()));
        expect(r.code).toBe(0);
        expect(r.stdout).toContain("  public.notes: 3000 rows");
        expect(fingerprint()).toBe(before);
        expect(
            execFileSync("docker", ["run", "--rm", "-v", `${volume}:/v:ro`, image, "sh", "-c", "cat /v/one /v/two"], { encoding: "utf8" }),
        ).toBe("one\ntwo\n");
    });

    test("a corrupted object in the bucket: restore refuses and nothing changes", async () => {
        const key = `s3test/${snap.snapshotId}/postgres-app.dump`;
        const orig = Buffer.concat(
            await Readable.from((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable).toArray(),
        );
        const bad = Buffer.from(orig);
        bad[bad.length - 10] ^= 0xff;
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bad }));
        pg.sql("DELETE FROM notes WHERE id > 2000", "app");
        const before = fingerprint();
        const r = await runCli(["restore", snap.snapshotId, "--yes"], envFor(config()));
        expect(r.code).toBe(4);
        expect(r.stderr).toMatch(/postgres-app\.dump: sha256 [0-9a-f]{64}, manifest says/);
        expect(fingerprint()).toBe(before);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: orig }));
        expect((await runCli(["verify", snap.snapshotId], envFor(config()))).code).toBe(0);
    });

    test("an upload without its manifest is listed as incomplete, is not 'latest', and cannot be restored", async () => {
        const r = await runCli(["snapshot"], envFor(config({ snapshotId: "zz-partial", volumes: [] })));
        expect(r.code).toBe(0);
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "s3test/zz-partial/manifest.json" }));
        const l = JSON.parse((await runCli(["list", "--json"], envFor(config()))).stdout);
        expect(l.find((s: { id: string }) => s.id === "zz-partial")).toMatchObject({ complete: false, problem: "manifest.json missing" });
        const v = await runCli(["verify", "latest"], envFor(config()));
        expect(JSON.parse(v.stdout).snapshotId).toBe(snap.snapshotId);
        const before = fingerprint();
        const rr = await runCli(["restore", "zz-partial", "--yes"], envFor(config()));
        expect(rr.code).toBe(4);
        expect(rr.stderr).toContain("manifest.json: cannot read: ENOENT");
        expect(fingerprint()).toBe(before);
    });

    test("upload to a missing bucket fails and says so", async () => {
        const cfg = config({ target: { type: "s3", bucket: "no-such-bucket", endpoint: moto.endpoint, forcePathStyle: true } });
        const r = await runCli(["snapshot"], envFor(cfg));
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/error: backup target s3:\/\/no-such-bucket\/.* failed: NoSuchBucket: /);
    });

    test("prune on S3 removes exactly the unprotected old snapshots", async () => {
        const lines: string[] = [];
        const base = Date.parse("2030-01-01T00:00:00.000Z");
        const made: string[] = [];
        for (let i = 0; i < 4; i++) {
            const cfg = config({
                volumes: [],
                release: { deploymentId: `p${i}`, versionsBefore: { blue: `${i}` }, versionsAfter: { blue: `${i + 1}` }, commit: null },
            });
            const io = quietIo(lines, envFor(cfg), base + i * 1000);
            expect(await main(["snapshot"], io)).toBe(0);
            made.push(JSON.parse(lines[lines.length - 1]).snapshotId);
        }
        const io = quietIo(lines, envFor(config()), base + 10_000);
        expect(await main(["prune", "--keep-last", "1", "--json"], io)).toBe(0);
        const summary = JSON.parse(lines[lines.length - 1]);
        // newest (p3) kept by count, p2 protected as blue's previous release; the rest go. The incomplete one is skipped.
        expect(summary.pruned.sort()).toEqual([snap.snapshotId, made[0], made[1]].sort());
        const left = [...new Set((await keys()).map((k) => k.split("/")[1]))].sort();
        expect(left).toEqual([made[2], made[3], "zz-partial"].sort());
    });
});
