/**
 * Snapshot manifest: what a snapshot holds and the size + sha256 of every file, and
 * `verifySnapshot(dir)`, which re-reads every file and reports precisely what differs.
 *
 * Layout of a snapshot directory:
 *   <root>/<snapshotId>/manifest.json      this manifest (not listed in `files`)
 *   <root>/<snapshotId>/release.json       release metadata
 *   <root>/<snapshotId>/postgres-<name>.dump   pg_dump -Fc output
 *   <root>/<snapshotId>/volume-<name>.tar      tar of a named Docker volume
 * The manifest's own sha256 (of its exact bytes) is the snapshot's fingerprint.
 */
import { createHash } from "crypto";
import { createReadStream, promises as fs } from "fs";
import * as path from "path";
import { z } from "zod";

export const MANIFEST_FILE = "manifest.json";
export const MANIFEST_FORMAT = 1;

/**
 * Snapshot ids are used as directory names and S3 key prefixes: no '/', no '..', no leading '.'
 * (hidden staging directories), so an id can never name anything outside the root or prefix.
 */
export const SNAPSHOT_ID_PATTERN = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const SNAPSHOT_ID_RULE = "a snapshot id is 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'";

/** Source names become file names. */
export const SOURCE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex characters");
const relPath = z
    .string()
    .min(1)
    .refine((p) => isSafeRelativePath(p), "expected a plain relative path without '..' or a leading '/'");
const versions = z.record(z.string(), z.string().nullable());

export const fileEntrySchema = z.strictObject({ path: relPath, size: z.number().int().nonnegative(), sha256: sha256Hex });

/** What a database source records (postgres and mysql alike). */
const databaseSource = {
    name: z.string().regex(SOURCE_NAME_PATTERN),
    file: relPath,
    /** Database name only (never the URL or credentials). */
    database: z.string().optional(),
    /** How the dump ran: on the host, or `docker exec` in the named container. */
    via: z.enum(["host", "docker"]),
    container: z.string().optional(),
};

export const sourceSchema = z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("postgres"), ...databaseSource, serverVersion: z.string().optional() }),
    z.strictObject({ kind: z.literal("mysql"), ...databaseSource }),
    z.strictObject({
        kind: z.literal("volume"),
        name: z.string().regex(SOURCE_NAME_PATTERN),
        file: relPath,
        volume: z.string(),
    }),
    z.strictObject({ kind: z.literal("metadata"), name: z.literal("release"), file: relPath }),
]);

/**
 * Why a snapshot was taken: by an operator (`switchyard backup now|snapshot`), by the stack's
 * backup runner on its schedule, or by a release before its containers change.
 */
export const SNAPSHOT_KINDS = ["manual", "scheduled", "pre-deploy"] as const;
export type SnapshotKind = (typeof SNAPSHOT_KINDS)[number];

export const manifestSchema = z.strictObject({
    format: z.literal(MANIFEST_FORMAT),
    /** Absent in manifests written before kinds were recorded: see `kindOf`. */
    kind: z.enum(SNAPSHOT_KINDS).optional(),
    snapshotId: z.string().regex(SNAPSHOT_ID_PATTERN),
    createdAt: z.iso.datetime(),
    stack: z.string().min(1),
    /** The app (app.name) the snapshot is of. Absent in manifests written before it was recorded. */
    app: z.string().min(1).optional(),
    deploymentId: z.string().min(1),
    versionsBefore: versions,
    versionsAfter: versions,
    commit: z.string().nullable(),
    sources: z.array(sourceSchema),
    files: z.array(fileEntrySchema),
});

export type FileEntry = z.infer<typeof fileEntrySchema>;
export type SnapshotSource = z.infer<typeof sourceSchema>;
export type SnapshotManifest = z.infer<typeof manifestSchema>;

/**
 * A manifest's kind. Manifests written before kinds were recorded came from two paths only: a
 * release's pre-deploy snapshot, which records a version change, or a manual `backup snapshot`,
 * which records none (before == after, or no release at all). They read as `pre-deploy` and
 * `manual` by that rule; none of them can be `scheduled`.
 */
export function kindOf(m: Pick<SnapshotManifest, "kind" | "versionsBefore" | "versionsAfter">): SnapshotKind {
    if (m.kind !== undefined) return m.kind;
    const colours = new Set([...Object.keys(m.versionsBefore), ...Object.keys(m.versionsAfter)]);
    for (const c of colours) if ((m.versionsBefore[c] ?? null) !== (m.versionsAfter[c] ?? null)) return "pre-deploy";
    return "manual";
}

export function isSafeRelativePath(p: string): boolean {
    if (p.startsWith("/") || p.includes("\\") || p.includes("\0")) return false;
    return p.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}

/** Streams a file through sha256; never loads it whole (dumps can be many GB). */
export async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of createReadStream(file)) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
    }
    return { size, sha256: hash.digest("hex") };
}

export function sha256OfString(s: string | Buffer): string {
    return createHash("sha256").update(s).digest("hex");
}

/** Deterministic bytes: files sorted by path, 2-space JSON, trailing newline. */
export function serializeManifest(m: SnapshotManifest): string {
    const parsed = manifestSchema.parse(m);
    const files = [...parsed.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const paths = new Set<string>();
    for (const f of files) {
        if (paths.has(f.path)) throw new Error(`manifest lists '${f.path}' twice`);
        paths.add(f.path);
    }
    if (paths.has(MANIFEST_FILE)) throw new Error(`manifest must not list itself ('${MANIFEST_FILE}')`);
    for (const s of parsed.sources) {
        if (!paths.has(s.file)) throw new Error(`source ${s.kind} '${s.name}' refers to '${s.file}', which the manifest does not list`);
    }
    return JSON.stringify({ ...parsed, files }, null, 2) + "\n";
}

/** Parses and validates manifest bytes; the error names the bad field. */
export function parseManifest(text: string): SnapshotManifest {
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (e) {
        throw new Error(`${MANIFEST_FILE} is not valid JSON: ${(e as Error).message}`);
    }
    const r = manifestSchema.safeParse(raw);
    if (!r.success) {
        const first = r.error.issues[0];
        throw new Error(`${MANIFEST_FILE} is invalid at '${first.path.join(".")}': ${first.message}`);
    }
    return r.data;
}

/** Size and sha256 of each listed file of `dir`. */
export async function describeFiles(dir: string, paths: readonly string[]): Promise<FileEntry[]> {
    const out: FileEntry[] = [];
    for (const p of paths) {
        if (!isSafeRelativePath(p)) throw new Error(`refusing unsafe snapshot path '${p}'`);
        out.push({ path: p, ...(await hashFile(path.join(dir, p))) });
    }
    return out;
}

export type VerifyProblem =
    | { kind: "manifest"; path: string; message: string }
    | { kind: "missing"; path: string; expectedSize: number }
    | { kind: "extra"; path: string; size: number }
    | { kind: "size"; path: string; expected: number; actual: number }
    | { kind: "sha256"; path: string; expected: string; actual: string }
    | { kind: "unreadable"; path: string; message: string };

export interface VerifyResult {
    readonly ok: boolean;
    readonly dir: string;
    readonly problems: VerifyProblem[];
    readonly manifest?: SnapshotManifest;
    /** sha256 of manifest.json's bytes, when it could be read. */
    readonly manifestSha256?: string;
    /** Sum of the listed files' sizes (from the manifest). */
    readonly totalBytes?: number;
}

async function walk(dir: string, prefix = ""): Promise<string[]> {
    const out: string[] = [];
    for (const e of await fs.readdir(path.join(dir, prefix), { withFileTypes: true })) {
        const rel = prefix ? `${prefix}/${e.name}` : e.name;
        if (e.isDirectory()) out.push(...(await walk(dir, rel)));
        else out.push(rel);
    }
    return out;
}

/**
 * Re-reads every file of a snapshot directory and compares it with the manifest.
 * Reports every problem (missing, extra, size, sha256), not only the first.
 * @param expectedId when given, the manifest's snapshotId must equal it.
 */
export async function verifySnapshot(dir: string, expectedId?: string): Promise<VerifyResult> {
    const problems: VerifyProblem[] = [];
    let text: Buffer;
    try {
        text = await fs.readFile(path.join(dir, MANIFEST_FILE));
    } catch (e) {
        problems.push({
            kind: "manifest",
            path: MANIFEST_FILE,
            message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        });
        return { ok: false, dir, problems };
    }
    const manifestSha256 = sha256OfString(text);
    let manifest: SnapshotManifest;
    try {
        manifest = parseManifest(text.toString("utf8"));
    } catch (e) {
        problems.push({ kind: "manifest", path: MANIFEST_FILE, message: (e as Error).message });
        return { ok: false, dir, problems, manifestSha256 };
    }
    if (expectedId !== undefined && manifest.snapshotId !== expectedId) {
        problems.push({
            kind: "manifest",
            path: MANIFEST_FILE,
            message: `snapshotId is '${manifest.snapshotId}', expected '${expectedId}'`,
        });
    }
    const listed = new Set(manifest.files.map((f) => f.path));
    for (const f of manifest.files) {
        const full = path.join(dir, f.path);
        let st;
        try {
            st = await fs.stat(full);
        } catch {
            problems.push({ kind: "missing", path: f.path, expectedSize: f.size });
            continue;
        }
        if (st.size !== f.size) {
            problems.push({ kind: "size", path: f.path, expected: f.size, actual: st.size });
            continue;
        }
        try {
            const { sha256 } = await hashFile(full);
            if (sha256 !== f.sha256) problems.push({ kind: "sha256", path: f.path, expected: f.sha256, actual: sha256 });
        } catch (e) {
            problems.push({ kind: "unreadable", path: f.path, message: (e as Error).message });
        }
    }
    for (const p of await walk(dir)) {
        if (p === MANIFEST_FILE || listed.has(p)) continue;
        const st = await fs.stat(path.join(dir, p));
        problems.push({ kind: "extra", path: p, size: st.size });
    }
    const totalBytes = manifest.files.reduce((n, f) => n + f.size, 0);
    return { ok: problems.length === 0, dir, problems, manifest, manifestSha256, totalBytes };
}

/** One line per problem, e.g. "postgres-app.dump: sha256 abc... != expected def...". */
export function formatProblems(problems: readonly VerifyProblem[]): string {
    return problems
        .map((p) => {
            switch (p.kind) {
                case "manifest":
                    return `${p.path}: ${p.message}`;
                case "missing":
                    return `${p.path}: missing (expected ${p.expectedSize} bytes)`;
                case "extra":
                    return `${p.path}: extra file not in the manifest (${p.size} bytes)`;
                case "size":
                    return `${p.path}: size ${p.actual} bytes, manifest says ${p.expected}`;
                case "sha256":
                    return `${p.path}: sha256 ${p.actual}, manifest says ${p.expected}`;
                case "unreadable":
                    return `${p.path}: unreadable: ${p.message}`;
            }
        })
        .join("\n");
}
