/**
 * Where snapshots live: a local directory or an S3 (or S3-compatible) bucket.
 * A snapshot is staged in a local directory, verified, then published:
 *  - local: staged in <root>/.incomplete-<id>-XXXX, renamed to <root>/<id> (atomic).
 *  - s3:    every file uploaded, manifest.json LAST (a prefix without a manifest is an
 *           incomplete snapshot), then every object is read back and checked.
 */
import { promises as fs } from "fs";
import { createHash } from "crypto";
import { createReadStream, createWriteStream } from "fs";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import { pipeline } from "stream/promises";
import {
    MANIFEST_FILE,
    SnapshotManifest,
    VerifyProblem,
    formatProblems,
    isSafeRelativePath,
    parseManifest,
    sha256OfString,
    SNAPSHOT_ID_PATTERN,
    SNAPSHOT_ID_RULE,
} from "../../domain/backup/manifest";
import type { TargetConfig } from "./config";

export interface ListedSnapshot {
    id: string;
    complete: boolean;
    manifest?: SnapshotManifest;
    manifestSha256?: string;
    /** Why the snapshot is incomplete. */
    problem?: string;
}

export interface Target {
    /** Where snapshot `id` lives, e.g. /var/backups/x/<id> or s3://bucket/prefix/<id>/. */
    location(id: string): string;
    exists(id: string): Promise<boolean>;
    /** A fresh local directory to write snapshot `id` into. */
    stage(id: string): Promise<string>;
    /** Moves/uploads a verified staging directory to its final place and checks it there. */
    publish(id: string, stagingDir: string, manifest: SnapshotManifest): Promise<void>;
    /** Drops a staging directory after a failure. */
    discard(stagingDir: string): Promise<void>;
    list(): Promise<ListedSnapshot[]>;
    /** A local directory holding snapshot `id` exactly as stored (downloaded for S3). */
    fetch(id: string): Promise<{ dir: string; cleanup: () => Promise<void> }>;
    remove(id: string): Promise<void>;
}

/** @param env where S3 credentials come from (AWS_ACCESS_KEY_ID...); without them, the SDK's default chain. */
export function makeTarget(cfg: TargetConfig, env: NodeJS.ProcessEnv = process.env): Target {
    return cfg.type === "local" ? new LocalTarget(cfg.root) : new S3Target(cfg, env);
}

/** Every path or key is built through this: an id that is not one could escape the root or prefix. */
function safeId(id: string): string {
    if (!SNAPSHOT_ID_PATTERN.test(id)) throw new Error(`refusing snapshot id ${JSON.stringify(id)}: ${SNAPSHOT_ID_RULE}`);
    return id;
}

const NOT_AN_ID = "its name is not a snapshot id";

/** One listing row per id, sorted: a name that is not a snapshot id is listed as incomplete and never read. */
async function listIds(
    ids: string[],
    read: (id: string) => Promise<{ manifest: SnapshotManifest; sha256: string }>,
    problem: (e: unknown) => string = (e) => (e as Error).message,
): Promise<ListedSnapshot[]> {
    const out: ListedSnapshot[] = [];
    for (const id of [...ids].sort()) {
        if (!SNAPSHOT_ID_PATTERN.test(id)) {
            out.push({ id, complete: false, problem: NOT_AN_ID });
            continue;
        }
        try {
            const { manifest, sha256 } = await read(id);
            out.push({ id, complete: true, manifest, manifestSha256: sha256 });
        } catch (e) {
            out.push({ id, complete: false, problem: problem(e) });
        }
    }
    return out;
}

async function readManifestFile(dir: string): Promise<{ manifest: SnapshotManifest; sha256: string }> {
    const buf = await fs.readFile(path.join(dir, MANIFEST_FILE));
    return { manifest: parseManifest(buf.toString("utf8")), sha256: sha256OfString(buf) };
}

export class LocalTarget implements Target {
    constructor(private readonly root: string) {}

    location(id: string): string {
        return path.join(path.resolve(this.root), safeId(id));
    }

    async exists(id: string): Promise<boolean> {
        return fs.stat(this.location(id)).then(
            () => true,
            () => false,
        );
    }

    async stage(id: string): Promise<string> {
        await fs.mkdir(this.root, { recursive: true });
        return fs.mkdtemp(path.join(this.root, `.incomplete-${safeId(id)}-`));
    }

    async publish(id: string, stagingDir: string): Promise<void> {
        if (await this.exists(id)) throw new Error(`snapshot '${id}' already exists at ${this.location(id)}`);
        await fs.rename(stagingDir, this.location(id));
    }

    async discard(stagingDir: string): Promise<void> {
        await fs.rm(stagingDir, { recursive: true, force: true });
    }

    async list(): Promise<ListedSnapshot[]> {
        let names: string[];
        try {
            names = (await fs.readdir(this.root, { withFileTypes: true }))
                .filter((e) => e.isDirectory() && !e.name.startsWith("."))
                .map((e) => e.name);
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
            throw e;
        }
        return listIds(names, (id) => readManifestFile(this.location(id)));
    }

    async fetch(id: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
        if (!(await this.exists(id))) throw new Error(`snapshot '${id}' not found in ${path.resolve(this.root)}`);
        return { dir: this.location(id), cleanup: async () => undefined };
    }

    async remove(id: string): Promise<void> {
        await fs.rm(this.location(id), { recursive: true, force: true });
    }
}

type S3Cfg = Extract<TargetConfig, { type: "s3" }>;
type S3Module = typeof import("@aws-sdk/client-s3");

/** The S3 client for a target (also used for deployment records kept beside the snapshots). */
export function s3Client(
    cfg: Pick<S3Cfg, "region" | "endpoint" | "forcePathStyle">,
    env: NodeJS.ProcessEnv,
): InstanceType<S3Module["S3Client"]> {
    // Loaded lazily so local-only use does not need the SDK.
    const s3 = require("@aws-sdk/client-s3") as S3Module;
    return new s3.S3Client({
        region: cfg.region,
        endpoint: cfg.endpoint,
        forcePathStyle: cfg.forcePathStyle,
        ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
            ? {
                  credentials: {
                      accessKeyId: env.AWS_ACCESS_KEY_ID,
                      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
                      sessionToken: env.AWS_SESSION_TOKEN,
                  },
              }
            : {}),
        // We verify every object by reading it back and hashing it; the SDK's default
        // streaming CRC trailers are not supported by every S3-compatible server.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
    });
}

export class S3Target implements Target {
    private readonly s3: S3Module;
    private readonly client: InstanceType<S3Module["S3Client"]>;
    private readonly prefix: string;

    constructor(
        private readonly cfg: S3Cfg,
        env: NodeJS.ProcessEnv,
    ) {
        // Loaded lazily so local-only use does not need the SDK.

        this.s3 = require("@aws-sdk/client-s3") as S3Module;
        this.client = s3Client(cfg, env);
        this.prefix = cfg.prefix && !cfg.prefix.endsWith("/") ? `${cfg.prefix}/` : cfg.prefix;
    }

    private key(id: string, file = ""): string {
        return `${this.prefix}${safeId(id)}/${file}`;
    }

    location(id: string): string {
        return `s3://${this.cfg.bucket}/${this.key(id)}`;
    }

    private async keys(id: string): Promise<{ key: string; size: number }[]> {
        const out: { key: string; size: number }[] = [];
        let token: string | undefined;
        do {
            const r = await this.client.send(
                new this.s3.ListObjectsV2Command({ Bucket: this.cfg.bucket, Prefix: this.key(id), ContinuationToken: token }),
            );
            for (const o of r.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0 });
            token = r.IsTruncated ? r.NextContinuationToken : undefined;
        } while (token);
        return out;
    }

    async exists(id: string): Promise<boolean> {
        return (await this.keys(id)).length > 0;
    }

    async stage(id: string): Promise<string> {
        const base = this.cfg.stagingDir ?? os.tmpdir();
        await fs.mkdir(base, { recursive: true });
        return fs.mkdtemp(path.join(base, `switchyard-snapshot-${safeId(id)}-`));
    }

    private async put(id: string, dir: string, file: string): Promise<void> {
        const full = path.join(dir, file);
        const { size } = await fs.stat(full);
        await this.client.send(
            new this.s3.PutObjectCommand({
                Bucket: this.cfg.bucket,
                Key: this.key(id, file),
                Body: createReadStream(full),
                ContentLength: size,
            }),
        );
    }

    private async body(key: string): Promise<Readable> {
        const r = await this.client.send(new this.s3.GetObjectCommand({ Bucket: this.cfg.bucket, Key: key }));
        return r.Body as Readable;
    }

    async publish(id: string, stagingDir: string, manifest: SnapshotManifest): Promise<void> {
        if (await this.exists(id)) throw new Error(`snapshot '${id}' already exists at ${this.location(id)}`);
        for (const f of manifest.files) await this.put(id, stagingDir, f.path);
        await this.put(id, stagingDir, MANIFEST_FILE);
        // Read every object back.
        const problems: VerifyProblem[] = [];
        const stored = new Map((await this.keys(id)).map((k) => [k.key.slice(this.key(id).length), k.size]));
        for (const f of manifest.files) {
            if (!stored.has(f.path)) {
                problems.push({ kind: "missing", path: f.path, expectedSize: f.size });
                continue;
            }
            const hash = createHash("sha256");
            let size = 0;
            for await (const chunk of await this.body(this.key(id, f.path))) {
                hash.update(chunk as Buffer);
                size += (chunk as Buffer).length;
            }
            const sha = hash.digest("hex");
            if (size !== f.size) problems.push({ kind: "size", path: f.path, expected: f.size, actual: size });
            else if (sha !== f.sha256) problems.push({ kind: "sha256", path: f.path, expected: f.sha256, actual: sha });
        }
        const local = await fs.readFile(path.join(stagingDir, MANIFEST_FILE));
        const remote = Buffer.concat(await Readable.from(await this.body(this.key(id, MANIFEST_FILE))).toArray());
        if (!remote.equals(local))
            problems.push({ kind: "manifest", path: MANIFEST_FILE, message: "uploaded manifest differs from the local one" });
        for (const [p, size] of stored)
            if (p !== MANIFEST_FILE && !manifest.files.some((f) => f.path === p)) problems.push({ kind: "extra", path: p, size });
        if (problems.length > 0) throw new Error(`uploaded snapshot ${this.location(id)} does not verify:\n${formatProblems(problems)}`);
        await this.discard(stagingDir);
    }

    async discard(stagingDir: string): Promise<void> {
        await fs.rm(stagingDir, { recursive: true, force: true });
    }

    async list(): Promise<ListedSnapshot[]> {
        const ids: string[] = [];
        let token: string | undefined;
        do {
            const r = await this.client.send(
                new this.s3.ListObjectsV2Command({
                    Bucket: this.cfg.bucket,
                    Prefix: this.prefix,
                    Delimiter: "/",
                    ContinuationToken: token,
                }),
            );
            for (const p of r.CommonPrefixes ?? []) ids.push(p.Prefix!.slice(this.prefix.length).replace(/\/$/, ""));
            token = r.IsTruncated ? r.NextContinuationToken : undefined;
        } while (token);
        return listIds(
            // Names starting with '.' are not snapshots (deployment records live under .records/), as in LocalTarget.
            ids.filter((id) => !id.startsWith(".")),
            async (id) => {
                const buf = Buffer.concat(await Readable.from(await this.body(this.key(id, MANIFEST_FILE))).toArray());
                return { manifest: parseManifest(buf.toString("utf8")), sha256: sha256OfString(buf) };
            },
            (e) => ((e as { name?: string }).name === "NoSuchKey" ? `${MANIFEST_FILE} missing` : (e as Error).message),
        );
    }

    async fetch(id: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
        const keys = await this.keys(id);
        if (keys.length === 0) throw new Error(`snapshot '${id}' not found at ${this.location(id)}`);
        const dir = await this.stage(id);
        const cleanup = () => fs.rm(dir, { recursive: true, force: true });
        try {
            for (const { key } of keys) {
                const rel = key.slice(this.key(id).length);
                if (!isSafeRelativePath(rel)) throw new Error(`refusing unsafe object key '${key}'`);
                await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
                await pipeline(await this.body(key), createWriteStream(path.join(dir, rel)));
            }
        } catch (e) {
            await cleanup();
            throw e;
        }
        return { dir, cleanup };
    }

    async remove(id: string): Promise<void> {
        const keys = await this.keys(id);
        for (let i = 0; i < keys.length; i += 1000) {
            const r = await this.client.send(
                new this.s3.DeleteObjectsCommand({
                    Bucket: this.cfg.bucket,
                    Delete: { Objects: keys.slice(i, i + 1000).map((k) => ({ Key: k.key })), Quiet: true },
                }),
            );
            if (r.Errors && r.Errors.length > 0) throw new Error(`cannot delete ${r.Errors[0].Key}: ${r.Errors[0].Message}`);
        }
    }
}
