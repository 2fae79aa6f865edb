/**
 * switchyard backup tool: snapshot | restore | verify | list | prune.
 * Run with plain node: `node runtime/backup.js <command> [options]`.
 *
 * Input: JSON config in $SWITCHYARD_BACKUP_CONFIG, or a file named by --config or
 * $SWITCHYARD_BACKUP_CONFIG_FILE (see config.ts). Secrets only through the environment.
 * Output: `snapshot` prints exactly one JSON line on stdout; progress goes to stderr.
 * Exit codes: 0 ok, 1 failed, 2 usage/config error, 3 cancelled (nothing changed),
 * 4 snapshot does not verify (nothing changed).
 */
import { promises as fs } from "fs";
import * as path from "path";
import * as readline from "readline";
import { parseArgs } from "util";
import {
    MANIFEST_FILE,
    SnapshotManifest,
    SnapshotSource,
    SNAPSHOT_ID_PATTERN,
    SnapshotKind,
    formatProblems,
    kindOf,
    serializeManifest,
    sha256OfString,
    verifySnapshot,
} from "../../domain/backup/manifest";
import { protectedSnapshotIds, selectSnapshotsToPruneByKind } from "../../domain/backup/retention";
import { scrubber } from "../../domain/scrub";
import { BackupConfig, parseConfig } from "./config";
import { databasesOf } from "./databases";
import { FileFacts, dumpVolume } from "./sources";
import { assertOwnSnapshot, checkSnapshotId, ExitError, foreignOwner, Io, listStack, resolveId, StackListing, UsageError } from "./common";
import { restore } from "./restore";
import { Target, makeTarget } from "./targets";

export type { Io } from "./common";

const USAGE = `usage: node runtime/backup.js <command> [--config FILE] [options]
  snapshot [--reuse-previous]    take, verify and publish a snapshot; prints one JSON line. --reuse-previous:
                                 print again the snapshot $PULUMI_COMMAND_STDOUT names if it is of this release
  restore <id|latest> [--yes] [--source NAME]... [--into NAME=ENVVAR]... [--json]
                                 verify, then restore databases (pg_restore --clean --if-exists) and volumes
  verify <id|latest>             re-read every file and compare with the manifest
  list [--json]                  snapshots at the target, oldest first
  prune [--keep-last N] [--keep-days D] [--protect ID]... [--dry-run] [--json]
config: JSON in $SWITCHYARD_BACKUP_CONFIG or a file (--config / $SWITCHYARD_BACKUP_CONFIG_FILE)`;

async function loadConfig(configFile: string | undefined, env: NodeJS.ProcessEnv): Promise<BackupConfig> {
    const file = configFile ?? env.SWITCHYARD_BACKUP_CONFIG_FILE;
    if (file) return parseConfig(await fs.readFile(file, "utf8"), `file ${file}`);
    if (env.SWITCHYARD_BACKUP_CONFIG) return parseConfig(env.SWITCHYARD_BACKUP_CONFIG, "$SWITCHYARD_BACKUP_CONFIG");
    throw new UsageError("no backup config: set $SWITCHYARD_BACKUP_CONFIG (JSON) or pass --config FILE");
}

/** The kind a snapshot of this config records: the config's, or what its release facts say. */
export function configKind(cfg: Pick<BackupConfig, "kind" | "release">): SnapshotKind {
    return cfg.kind ?? (cfg.release ? kindOf(cfg.release) : "manual");
}

function defaultSnapshotId(now: Date, deploymentId: string | undefined, kind: SnapshotKind): string {
    const t = now.toISOString().replace(/[-:]/g, "").replace(".", "");
    const suffix = (deploymentId ?? kind).replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 60);
    return `${t}-${suffix}`;
}

interface SnapshotLine {
    snapshotId: string;
    location: string;
    totalBytes: number;
    manifestSha256: string;
}

/**
 * `snapshot --reuse-previous`, what the Pulumi Command runs on an update: the release is in its
 * triggers, so an update means the command line or the config changed, not the release, and a second
 * snapshot of the same release must not be taken. The previous run's result ($PULUMI_COMMAND_STDOUT)
 * is reused when that snapshot is still complete at the target with the same manifest and records
 * this release's deployment id. Only the manifest is read (a full re-read would download every byte
 * of an S3 snapshot on each update; `verify` does that).
 */
async function previousSnapshot(cfg: BackupConfig, target: Target, io: Io): Promise<SnapshotLine | undefined> {
    const previous = io.env.PULUMI_COMMAND_STDOUT?.trim();
    const deploymentId = cfg.release?.deploymentId;
    if (!previous || !deploymentId) return undefined;
    let line: Partial<SnapshotLine>;
    try {
        line = JSON.parse(previous.split("\n").pop()!);
    } catch {
        return undefined;
    }
    const id = line.snapshotId;
    if (
        typeof id !== "string" ||
        !SNAPSHOT_ID_PATTERN.test(id) ||
        typeof line.totalBytes !== "number" ||
        typeof line.manifestSha256 !== "string"
    )
        return undefined;
    const listed = (await target.list()).find((s) => s.id === id);
    const owner = listed?.manifest && foreignOwner(cfg, listed.manifest);
    const why = !listed?.complete
        ? "it is no longer complete at the target"
        : owner
          ? `it is of ${owner}`
          : listed.manifestSha256 !== line.manifestSha256
            ? "its manifest changed"
            : listed.manifest?.deploymentId !== deploymentId
              ? `it is of deployment ${listed.manifest?.deploymentId}`
              : undefined;
    if (why) {
        io.stderr(`[backup] previous snapshot '${id}' not reused (${why}): taking a new one`);
        return undefined;
    }
    io.stderr(`[backup] snapshot '${id}' of deployment ${deploymentId} exists and is complete: reused`);
    return { snapshotId: id, location: target.location(id), totalBytes: line.totalBytes, manifestSha256: line.manifestSha256 };
}

async function snapshot(cfg: BackupConfig, io: Io, reusePrevious = false): Promise<number> {
    const target = makeTarget(cfg.target, io.env);
    const reused = reusePrevious ? await previousSnapshot(cfg, target, io) : undefined;
    if (reused) {
        io.stdout(JSON.stringify(reused));
        return 0;
    }
    const now = io.now();
    const kind = configKind(cfg);
    // A scheduled run records no release: the runner's config is fixed when the stack is deployed.
    const deploymentId = kind === "scheduled" ? undefined : cfg.release?.deploymentId;
    const id = cfg.snapshotId ?? defaultSnapshotId(now, deploymentId, kind);
    const targetError = (e: unknown) => {
        const err = e as Error & { name?: string; Code?: string };
        const code = err.Code ?? (err.name && err.name !== "Error" ? err.name : undefined);
        return new Error(`backup target ${target.location(id)} failed: ${code ? `${code}: ` : ""}${err.message}`);
    };
    const exists = await target.exists(id).catch((e) => {
        throw targetError(e);
    });
    if (exists) throw new Error(`snapshot '${id}' already exists at ${target.location(id)}`);
    // Resolve every connection first: a missing URL fails before anything is written.
    const databases = databasesOf(cfg);
    const conns = databases.map((db) => {
        try {
            const conn = db.connect(io.env);
            return kind === "scheduled" ? db.markScheduled(conn) : conn;
        } catch (e) {
            throw new Error(`backup source ${db.engine} '${db.name}' failed: ${(e as Error).message}`);
        }
    });
    // A release goes first: its snapshot cancels a scheduled dump in progress (that run fails and
    // publishes nothing; the next one retries), so the migration after it never waits on a run.
    if (kind === "pre-deploy") {
        for (const [i, db] of databases.entries()) {
            try {
                const n = await db.cancelScheduled(conns[i], cfg.docker);
                if (n > 0)
                    io.stderr(`[backup] ${db.engine} '${db.name}': cancelled ${n} scheduled dump(s) in progress: the release goes first`);
            } catch (e) {
                io.stderr(`[backup] warning: ${db.engine} '${db.name}': could not cancel scheduled dumps: ${(e as Error).message}`);
            }
        }
    }
    const dir = await target.stage(id);
    try {
        const sources: SnapshotSource[] = [];
        const produced = new Map<string, FileFacts>();
        for (const [i, db] of databases.entries()) {
            const via = db.container ? `docker exec ${db.container}` : `host ${db.dumpTool}`;
            io.stderr(`[backup] ${db.engine} '${db.name}' (${conns[i].display}) via ${via}`);
            try {
                const r = await db.dump(conns[i], cfg.docker, path.join(dir, db.file));
                produced.set(db.file, r);
                sources.push({
                    kind: db.engine,
                    name: db.name,
                    file: db.file,
                    database: r.database,
                    via: db.container ? "docker" : "host",
                    ...(db.container ? { container: db.container } : {}),
                });
            } catch (e) {
                throw new Error(`backup source ${db.engine} '${db.name}' failed: ${(e as Error).message}`);
            }
        }
        for (const v of cfg.volumes) {
            const file = `volume-${v.name}.tar`;
            io.stderr(`[backup] volume '${v.name}' (${v.volume})`);
            try {
                produced.set(file, await dumpVolume(v, cfg.docker, cfg.volumeImage, path.join(dir, file)));
                sources.push({ kind: "volume", name: v.name, file, volume: v.volume });
            } catch (e) {
                throw new Error(`backup source volume '${v.name}' failed: ${(e as Error).message}`);
            }
        }
        const release = {
            snapshotId: id,
            createdAt: now.toISOString(),
            stack: cfg.stack,
            ...(cfg.app !== undefined ? { app: cfg.app } : {}),
            deploymentId: deploymentId ?? kind,
            versionsBefore: (kind !== "scheduled" && cfg.release?.versionsBefore) || {},
            versionsAfter: (kind !== "scheduled" && cfg.release?.versionsAfter) || {},
            commit: (kind !== "scheduled" && cfg.release?.commit) || null,
        };
        const releaseText = JSON.stringify(release, null, 2) + "\n";
        await fs.writeFile(path.join(dir, "release.json"), releaseText);
        produced.set("release.json", { size: Buffer.byteLength(releaseText), sha256: sha256OfString(releaseText) });
        sources.push({ kind: "metadata", name: "release", file: "release.json" });

        // Sizes and hashes are those of the bytes as produced (hashed while streaming),
        // so the re-read below really checks what reached the disk.
        const files = [...produced.entries()].map(([p, r]) => ({ path: p, size: r.size, sha256: r.sha256 }));
        const manifest: SnapshotManifest = { format: 1, kind, ...release, sources, files };
        const manifestText = serializeManifest(manifest);
        await fs.writeFile(path.join(dir, MANIFEST_FILE), manifestText);
        const check = await verifySnapshot(dir, id);
        if (!check.ok) throw new Error(`snapshot '${id}' does not verify after writing:\n${formatProblems(check.problems)}`);
        try {
            await target.publish(id, dir, manifest);
        } catch (e) {
            throw targetError(e);
        }
        const totalBytes = files.reduce((n, f) => n + f.size, 0);
        const result: SnapshotLine = {
            snapshotId: id,
            location: target.location(id),
            totalBytes,
            manifestSha256: sha256OfString(manifestText),
        };
        io.stdout(JSON.stringify(result));
        return 0;
    } catch (e) {
        await target.discard(dir);
        throw e;
    }
}

async function verifyCmd(cfg: BackupConfig, ref: string, io: Io): Promise<number> {
    const target = makeTarget(cfg.target, io.env);
    const { id } = await resolveId(target, cfg, ref);
    const { dir, cleanup } = await target.fetch(id);
    try {
        const r = await verifySnapshot(dir, id);
        if (r.manifest) assertOwnSnapshot(cfg, id, r.manifest);
        if (!r.ok) throw new ExitError(`snapshot '${id}' does not verify:\n${formatProblems(r.problems)}`, 4);
        io.stdout(
            JSON.stringify({
                snapshotId: id,
                ok: true,
                totalBytes: r.totalBytes,
                manifestSha256: r.manifestSha256,
                files: r.manifest!.files.length,
            }),
        );
        return 0;
    } finally {
        await cleanup();
    }
}

/** Says on stderr what the stack scope leaves out, so a shared target's other snapshots are not a surprise. */
function noteHidden(scope: StackListing, cfg: BackupConfig, io: Io): void {
    if (scope.foreign > 0) io.stderr(`[backup] ${scope.foreign} snapshot(s) of other stacks or apps at this target not shown`);
    if (scope.unattributed > 0)
        io.stderr(
            `[backup] ${scope.unattributed} entr${scope.unattributed === 1 ? "y" : "ies"} without a readable manifest or a valid id not shown: ` +
                `at a location shared by stacks their stack cannot be told (check by hand; stack '${cfg.stack}')`,
        );
}

async function list(cfg: BackupConfig, json: boolean, io: Io): Promise<number> {
    const target = makeTarget(cfg.target, io.env);
    const scope = await listStack(target, cfg);
    noteHidden(scope, cfg, io);
    const rows = scope.own.map((s) => ({
        id: s.id,
        complete: s.complete,
        createdAt: s.manifest?.createdAt ?? null,
        kind: s.manifest ? kindOf(s.manifest) : null,
        deploymentId: s.manifest?.deploymentId ?? null,
        totalBytes: s.manifest ? s.manifest.files.reduce((n, f) => n + f.size, 0) : null,
        location: target.location(s.id),
        ...(s.problem ? { problem: s.problem } : {}),
    }));
    if (json) io.stdout(JSON.stringify(rows));
    else
        for (const r of rows)
            io.stdout(
                `${r.id}\t${r.complete ? "complete" : `INCOMPLETE (${r.problem})`}\t${r.kind ?? "-"}\t${r.createdAt ?? "-"}\t${r.deploymentId ?? "-"}\t${r.totalBytes ?? "-"}`,
            );
    return 0;
}

async function prune(
    cfg: BackupConfig,
    opts: { keepLast?: number; keepDays?: number; protect: string[]; dryRun: boolean; json: boolean },
    io: Io,
): Promise<number> {
    const target = makeTarget(cfg.target, io.env);
    for (const id of opts.protect) checkSnapshotId(id, "--protect");
    // Retention only ever sees this stack's snapshots: another stack's are neither counted nor removed.
    const scope = await listStack(target, cfg);
    noteHidden(scope, cfg, io);
    const listed = scope.own;
    const complete = listed.filter((s) => s.complete && s.manifest).map((s) => ({ ...s.manifest!, id: s.id, kind: kindOf(s.manifest!) }));
    const incomplete = listed.filter((s) => !s.complete);
    for (const s of incomplete)
        io.stderr(`[prune] skipping incomplete snapshot '${s.id}' (${s.problem}); remove it by hand after checking`);
    // --keep-last/--keep-days replace every kind's rule; otherwise scheduled snapshots have their own.
    const override = opts.keepLast !== undefined || opts.keepDays !== undefined;
    const policy = {
        keepLast: opts.keepLast ?? (override ? undefined : cfg.retention.keepLast),
        keepWithinDays: opts.keepDays ?? (override ? undefined : cfg.retention.keepWithinDays),
    };
    const policies = { default: policy, ...(cfg.scheduledRetention && !override ? { scheduled: cfg.scheduledRetention } : {}) };
    const protectedIds = new Set([...protectedSnapshotIds(complete), ...opts.protect]);
    const doomed = selectSnapshotsToPruneByKind(complete, policies, protectedIds, io.now());
    for (const s of doomed) {
        if (!opts.dryRun) await target.remove(s.id);
        io.stderr(`[prune] ${opts.dryRun ? "would remove" : "removed"} ${s.id}`);
    }
    const summary = {
        pruned: doomed.map((s) => s.id),
        kept: complete.length - doomed.length,
        protected: [...protectedIds].sort(),
        dryRun: opts.dryRun,
    };
    io.stdout(opts.json ? JSON.stringify(summary) : `${opts.dryRun ? "would prune" : "pruned"} ${doomed.length}, kept ${summary.kept}`);
    return 0;
}

function intOption(v: string | undefined, name: string): number | undefined {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got '${v}'`);
    return n;
}

export async function main(argv: string[], io: Io): Promise<number> {
    try {
        const { values, positionals } = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                config: { type: "string" },
                yes: { type: "boolean", short: "y", default: false },
                json: { type: "boolean", default: false },
                source: { type: "string", multiple: true, default: [] },
                into: { type: "string", multiple: true, default: [] },
                "keep-last": { type: "string" },
                "keep-days": { type: "string" },
                protect: { type: "string", multiple: true, default: [] },
                "dry-run": { type: "boolean", default: false },
                "reuse-previous": { type: "boolean", default: false },
                help: { type: "boolean", short: "h", default: false },
            },
        });
        const [command, ref, ...rest] = positionals;
        if (values.help || !command) {
            (values.help ? io.stdout : io.stderr)(USAGE);
            return values.help ? 0 : 2;
        }
        const cfg = await loadConfig(values.config, io.env);
        // From here on, nothing the tool or a client it runs writes carries a secret it was given.
        io = scrubbedIo(io, toolSecrets(cfg, io.env));
        const needsRef = command === "restore" || command === "verify";
        if (needsRef && !ref) throw new UsageError(`${command} needs a snapshot id or 'latest'`);
        if (rest.length > 0 || (!needsRef && ref !== undefined)) throw new UsageError(`unexpected argument '${needsRef ? rest[0] : ref}'`);
        switch (command) {
            case "snapshot":
                return await snapshot(cfg, io, values["reuse-previous"]);
            case "restore": {
                const into = new Map<string, string>();
                for (const spec of values.into) {
                    const m = /^([^=]+)=([A-Za-z_][A-Za-z0-9_]*)$/.exec(spec);
                    if (!m)
                        throw new UsageError(
                            `--into expects NAME=ENVVAR (the name of an environment variable holding the target URL), got '${spec.replace(/=.*/, "=...")}'`,
                        );
                    into.set(m[1], m[2]);
                }
                return await restore(cfg, ref, { yes: values.yes, only: values.source, into, json: values.json }, io);
            }
            case "verify":
                return await verifyCmd(cfg, ref, io);
            case "list":
                return await list(cfg, values.json, io);
            case "prune":
                return await prune(
                    cfg,
                    {
                        keepLast: intOption(values["keep-last"], "--keep-last"),
                        keepDays: intOption(values["keep-days"], "--keep-days"),
                        protect: values.protect,
                        dryRun: values["dry-run"],
                        json: values.json,
                    },
                    io,
                );
            default:
                throw new UsageError(`unknown command '${command}'`);
        }
    } catch (e) {
        if (e instanceof ExitError) {
            io.stderr(`error: ${e.message}`);
            return e.code;
        }
        if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
            io.stderr(`error: ${(e as Error).message}\n${USAGE}`);
            return 2;
        }
        io.stderr(`error: ${(e as Error).message}`);
        return 1;
    }
}

/** Every secret the tool holds: database URLs (inline or by variable) and S3 credentials from the environment. */
export function toolSecrets(cfg: BackupConfig, env: NodeJS.ProcessEnv): string[] {
    const urls = [...cfg.postgres, ...(cfg.mysql ?? [])].map((d) => d.url ?? (d.urlEnv ? env[d.urlEnv] : undefined));
    return [...urls, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN].filter((s): s is string => typeof s === "string" && s !== "");
}

/** `io` with every secret masked in what it writes (as the migration hook masks its output). */
export function scrubbedIo(io: Io, secrets: readonly string[]): Io {
    const scrub = scrubber(secrets);
    return { ...io, stdout: (l) => io.stdout(scrub(l)), stderr: (l) => io.stderr(scrub(l)) };
}

/** The real process's I/O. */
export function processIo(): Io {
    let rl: readline.Interface | undefined;
    let lines: AsyncIterableIterator<string> | undefined;
    return {
        stdout: (l) => process.stdout.write(l + "\n"),
        stderr: (l) => process.stderr.write(l.endsWith(": ") ? l : l + "\n"),
        readLine: async () => {
            rl ??= readline.createInterface({ input: process.stdin });
            lines ??= rl[Symbol.asyncIterator]();
            const r = await lines.next();
            rl.close();
            return r.done ? null : r.value;
        },
        env: process.env,
        now: () => new Date(),
    };
}
