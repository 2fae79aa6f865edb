/**
 * BackupSnapshot: runs the backup tool (runtime/backup.js) once per release through
 * a command:local:Command and exposes the snapshot's id, location, size and manifest sha256. When it
 * runs, how it orders before new containers and how secrets travel: docs/decisions.md "Backup snapshots".
 */
import * as pulumi from "@pulumi/pulumi";
import { dockerCommand, DockerTlsInput } from "../dockerAccess";
import * as command from "@pulumi/command";
import * as path from "path";
import { SOURCE_NAME_PATTERN } from "../../domain/backup/manifest";
import { normalizePolicy, RetentionPolicy } from "../../domain/backup/retention";
import { BackupFacts } from "../../domain/policyFacts";
import { toolConfig } from "../../runtime/backup/toolConfig";
import { runtimeCommand } from "../runtimeCommand";

export interface BackupPostgresSource {
    /** Short name (letters, digits, `_`, `-`): file `postgres-<name>.dump`, shown in errors. */
    name: string;
    /** Database URL `postgres://user:password@host:port/db` (make it a Pulumi secret). */
    url: pulumi.Input<string>;
    /** Run pg_dump inside this container with `docker exec`. @default unset - pg_dump on the host */
    container?: string;
    /** pg_dump -Z level 0-9. @default unset - pg_dump's default */
    compressLevel?: number;
}

export interface BackupMysqlSource {
    /** Short name: file `mysql-<name>.sql`, shown in errors. */
    name: string;
    /** Database URL `mysql://user:password@host:port/db` (make it a Pulumi secret). */
    url: pulumi.Input<string>;
    /** Run mysqldump inside this container with `docker exec`. @default unset - mysqldump on the host */
    container?: string;
}

export interface BackupVolumeSource {
    /** Short name: file `volume-<name>.tar`. */
    name: string;
    /** Docker volume name. */
    volume: string;
}

export type BackupTarget =
    | { type: "local"; root: string }
    | { type: "s3"; bucket: pulumi.Input<string>; prefix?: string; region?: string; endpoint?: string; forcePathStyle?: boolean };

export interface BackupSnapshotArgs {
    /** Stack name recorded in the manifest; the tool sees only this stack's snapshots. */
    stack: string;
    /** App name recorded in the manifest; the tool sees only this app's snapshots. */
    app: string;
    /** Policy facts (domain/policyFacts.ts): the colour and the release version this snapshot is for. */
    facts?: BackupFacts;
    /** The release's deployment id (stable across re-runs of the same release). */
    deploymentId: pulumi.Input<string>;
    /** Version per colour before this release (null = not deployed). */
    versionsBefore: pulumi.Input<Record<string, string | null>>;
    /** Version per colour after this release. */
    versionsAfter: pulumi.Input<Record<string, string | null>>;
    /** Project commit, when known. @default null */
    commit?: pulumi.Input<string | null>;
    /** Where snapshots go. */
    target: BackupTarget;
    /** PostgreSQL databases to dump. @default [] */
    postgres?: BackupPostgresSource[];
    /** MySQL/MariaDB databases to dump (mysqldump --single-transaction). @default [] */
    mysql?: BackupMysqlSource[];
    /** Named Docker volumes to tar. @default [] */
    volumes?: BackupVolumeSource[];
    /** Image with sh/tar/find for volume tar. @default "switchyard/base:bookworm" */
    volumeImage?: string;
    /** Extra environment for the tool (e.g. AWS credentials; values may be secrets). @default {} */
    environment?: Record<string, pulumi.Input<string>>;
    /** TLS client certificate for a tcp:// Docker host (its variables are in `environment`). @default - none */
    dockerTls?: DockerTlsInput;
    /**
     * Retention applied right after a successful snapshot (`prune`): keep the newest N and/or those
     * younger than D days, never the current or previous release of any colour. A prune failure is
     * reported on stderr and does not fail the release (the snapshot is already safe).
     * @default unset - no prune after the snapshot (run the tool's `prune` by hand)
     */
    retention?: RetentionPolicy;
    /** Retention of scheduled snapshots (backup.schedule), used by that prune. @default unset - `retention` */
    scheduledRetention?: RetentionPolicy;
}

export interface SnapshotResult {
    snapshotId: string;
    location: string;
    totalBytes: number;
    manifestSha256: string;
}

/** Parses the tool's single JSON line; throws a clear message on anything else. */
export function parseSnapshotOutput(stdout: string): SnapshotResult {
    const line = stdout.trim().split("\n").pop() ?? "";
    let v: Partial<SnapshotResult>;
    try {
        v = JSON.parse(line);
    } catch {
        throw new Error(`backup tool printed no JSON result line (got ${JSON.stringify(line.slice(0, 200))})`);
    }
    if (
        typeof v.snapshotId !== "string" ||
        typeof v.location !== "string" ||
        typeof v.totalBytes !== "number" ||
        typeof v.manifestSha256 !== "string"
    ) {
        throw new Error(`backup tool result is missing fields: ${JSON.stringify(v)}`);
    }
    return v as SnapshotResult;
}

export class BackupSnapshot extends pulumi.ComponentResource {
    public readonly snapshotId: pulumi.Output<string>;
    public readonly location: pulumi.Output<string>;
    public readonly totalBytes: pulumi.Output<number>;
    public readonly manifestSha256: pulumi.Output<string>;
    /** The Command: make new containers depend on the component (or on this). */
    public readonly command: command.local.Command;

    constructor(name: string, args: BackupSnapshotArgs, opts?: pulumi.ComponentResourceOptions) {
        const postgres = args.postgres ?? [];
        const volumes = args.volumes ?? [];
        const mysql = args.mysql ?? [];
        const seen = new Set<string>();
        for (const s of [
            ...postgres.map((p) => ({ kind: "postgres", name: p.name })),
            ...mysql.map((m) => ({ kind: "mysql", name: m.name })),
            ...volumes.map((v) => ({ kind: "volume", name: v.name })),
        ]) {
            if (!SOURCE_NAME_PATTERN.test(s.name)) {
                throw new Error(
                    `BackupSnapshot ${name}: ${s.kind} source name '${s.name}' is invalid; use letters, digits, '_' or '-' (max 63)`,
                );
            }
            if (seen.has(`${s.kind}:${s.name}`)) throw new Error(`BackupSnapshot ${name}: ${s.kind} source '${s.name}' is listed twice`);
            seen.add(`${s.kind}:${s.name}`);
        }
        if (args.target.type === "local" && !path.isAbsolute(args.target.root)) {
            throw new Error(`BackupSnapshot ${name}: target root '${args.target.root}' must be an absolute path`);
        }
        const retention = args.retention ? normalizePolicy(args.retention) : undefined;
        super("switchyard:backup:BackupSnapshot", name, args.facts ?? {}, opts);
        const snapshot = runtimeCommand("backup.js", "snapshot");
        const pruneAfter = `{ ${runtimeCommand("backup.js", "prune", "--json")} >&2 || echo '[backup] warning: prune after the snapshot failed; every snapshot was kept' >&2; }`;
        const withPrune = (cmd: string) => (retention ? `${cmd} && ${pruneAfter}` : cmd);

        const urls = pulumi.all(Object.fromEntries([...postgres, ...mysql].map((d) => [d.name, d.url])));
        const bucket = args.target.type === "s3" ? args.target.bucket : "";
        const release = pulumi
            .all([args.deploymentId, args.versionsBefore, args.versionsAfter, args.commit ?? null])
            .apply(([deploymentId, versionsBefore, versionsAfter, commit]) => ({ deploymentId, versionsBefore, versionsAfter, commit }));
        const config = pulumi.all([urls, bucket, release]).apply(([u, b, r]) =>
            toolConfig(
                {
                    stack: args.stack,
                    app: args.app,
                    target: args.target.type === "s3" ? { ...args.target, bucket: b } : args.target,
                    postgres,
                    mysql,
                    volumes,
                    volumeImage: args.volumeImage,
                    retention,
                    ...(args.scheduledRetention ? { schedule: args.scheduledRetention } : {}),
                },
                u,
                r,
                "pre-deploy",
            ),
        );

        this.command = new command.local.Command(
            `${name}-snapshot`,
            {
                create: dockerCommand(withPrune(snapshot), args.dockerTls),
                // An update (new command line or config, same release: the release is in `triggers`)
                // prints again the snapshot this release already has instead of taking another.
                update: dockerCommand(withPrune(`${snapshot} --reuse-previous`), args.dockerTls),
                addPreviousOutputInEnv: true,
                environment: { ...(args.environment ?? {}), SWITCHYARD_BACKUP_CONFIG: pulumi.secret(config) },
                triggers: [args.deploymentId, args.versionsAfter],
            },
            { parent: this },
        );
        // The Command has a secret input (the config), so the provider returns its stdout as a secret;
        // the tool prints no secret (ids, paths, sizes, hashes), so the outputs are made plain again.
        const result = pulumi.unsecret(this.command.stdout).apply(parseSnapshotOutput);
        this.snapshotId = result.snapshotId;
        this.location = result.location;
        this.totalBytes = result.totalBytes;
        this.manifestSha256 = result.manifestSha256;
        this.registerOutputs({
            ...(args.facts ?? {}),
            snapshotId: this.snapshotId,
            location: this.location,
            totalBytes: this.totalBytes,
            manifestSha256: this.manifestSha256,
        });
    }
}
