/**
 * Pre-deploy wiring: per colour ledger-<c> -> backup-<c> -> migration-<c> (after every backup of the
 * update; lower version first) -> that colour's containers (ColorStack `after`). Why this order, and
 * why a plain function: docs/decisions.md "Pre-deploy order".
 */
import * as pulumi from "@pulumi/pulumi";
import { dockerEnvironment, DockerTlsInput } from "../dockerAccess";
import { Color, COLORS } from "../../domain/color";
import { MigrationHook } from "../release/migration";
import { planRelease } from "../release/plan";
import { secretMap } from "../secretMap";
import { BackupMysqlSource, BackupPostgresSource, BackupSnapshot, BackupVolumeSource } from "./backupSnapshot";
import { ReleaseLedger } from "./releaseLedger";

export interface PreDeployColor {
    /** Semver of the colour's version in this update. */
    version: string;
    /** Image `repository:tag` of that version. */
    image: string;
    /** The colour's deployment id (changes only with its version). */
    deploymentId: pulumi.Input<string>;
    /** Plain env of the colour's containers (app.env + colour env + SWITCHYARD_COLOR/VERSION). */
    env: Record<string, string>;
}

/** The backup settings the pre-deploy steps use (validated `switchyard:backup`, passed in). */
export interface BackupSettings {
    target:
        | { type: "local"; root: string }
        | {
              type: "s3";
              bucket: string;
              prefix: string;
              region: string;
              endpoint?: string;
              forcePathStyle: boolean;
              /** Create and harden the bucket (SnapshotBucket). */
              createBucket: boolean;
              encryption: "aws:kms" | "AES256";
              kmsKeyId?: string;
          };
    postgres: Omit<BackupPostgresSource, "url">[];
    mysql: Omit<BackupMysqlSource, "url">[];
    volumes: BackupVolumeSource[];
    volumeImage: string;
    retention: { keepLast?: number; keepWithinDays?: number };
    /** backup.schedule: the scheduled snapshots' retention is its keepLast/keepWithinDays. */
    schedule?: { keepLast?: number; keepWithinDays?: number };
}

/** The migration settings (validated `switchyard:migration`, passed in). */
export interface MigrationSettings {
    command: string[];
    down?: string[];
    timeoutSeconds: number;
}

export interface PreDeployArgs {
    stack: string;
    /** App name (names the migration container). */
    app: string;
    colors: Record<Color, PreDeployColor>;
    backup: BackupSettings;
    /** Database URL per backup.postgres name (a Pulumi secret). */
    backupSecrets: pulumi.Input<Record<string, string>>;
    migration?: MigrationSettings;
    /** Per colour: the secret env (and its names) the colour's containers get. */
    secretEnv: Record<Color, pulumi.Input<Record<string, string>>>;
    secretEnvNames: Record<Color, readonly string[]>;
    networkName: pulumi.Input<string>;
    dockerHost: string;
    /** TLS client certificate for a tcp:// Docker host (secrets). @default - none */
    dockerTls?: DockerTlsInput;
}

export interface PreDeploy {
    /** Pass to ColorStack `after`: nothing of that colour changes before these finish. */
    after: Record<Color, pulumi.Resource[]>;
    snapshots: Record<Color, BackupSnapshot>;
    /** The snapshot bucket, when switchyard creates it (backup.target.createBucket). */
    bucket?: import("./snapshotBucket").SnapshotBucket;
    migrations?: Record<Color, MigrationHook>;
    /** Stack output: the latest snapshot per colour. */
    backupsOutput: pulumi.Output<Record<Color, { snapshotId: string; location: string; totalBytes: number; manifestSha256: string }>>;
    /** Stack output: what each colour's migration ran and what its rollback would run. */
    migrationsOutput?: pulumi.Output<
        Record<Color, { image: string; version: string; up: string[]; down: string[] | null; deploymentId: string }>
    >;
}

export function preDeploy(args: PreDeployArgs, opts?: pulumi.ComponentResourceOptions): PreDeploy {
    const b = args.backup;
    // backup.target.createBucket: one hardened bucket for both colours; the snapshots take its name
    // from `bucketName`, which resolves only after every hardening resource exists (so each snapshot
    // Command depends on all of them). Loaded on demand: a stack without it never touches @pulumi/aws.
    const bucket =
        b.target.type === "s3" && b.target.createBucket
            ? new (require("./snapshotBucket") as typeof import("./snapshotBucket")).SnapshotBucket(
                  "snapshots",
                  {
                      bucket: b.target.bucket,
                      prefix: b.target.prefix,
                      region: b.target.region,
                      ...(b.target.endpoint ? { endpoint: b.target.endpoint } : {}),
                      forcePathStyle: b.target.forcePathStyle,
                      encryption: b.target.encryption,
                      ...(b.target.kmsKeyId !== undefined ? { kmsKeyId: b.target.kmsKeyId } : {}),
                      retention: b.retention,
                  },
                  opts,
              )
            : undefined;
    const target =
        b.target.type === "local"
            ? { type: "local" as const, root: b.target.root }
            : {
                  type: "s3" as const,
                  bucket: bucket ? bucket.bucketName : b.target.bucket,
                  prefix: b.target.prefix,
                  region: b.target.region,
                  ...(b.target.endpoint ? { endpoint: b.target.endpoint } : {}),
                  forcePathStyle: b.target.forcePathStyle,
              };
    const backupSecret = secretMap(args.backupSecrets, "switchyard:backupSecrets");
    const snapshots = {} as Record<Color, BackupSnapshot>;
    for (const c of COLORS) {
        const ledger = new ReleaseLedger(`ledger-${c}`, { version: args.colors[c].version }, opts);
        snapshots[c] = new BackupSnapshot(
            `backup-${c}`,
            {
                stack: args.stack,
                app: args.app,
                facts: { color: c, version: args.colors[c].version },
                deploymentId: args.colors[c].deploymentId,
                versionsBefore: ledger.before.apply((v) => ({ [c]: v })),
                versionsAfter: ledger.after.apply((v) => ({ [c]: v })),
                commit: ledger.commit,
                target,
                postgres: b.postgres.map((p) => ({ ...p, url: backupSecret(p.name, `backup.postgres '${p.name}'`) })),
                mysql: b.mysql.map((m) => ({ ...m, url: backupSecret(m.name, `backup.mysql '${m.name}'`) })),
                volumes: b.volumes,
                volumeImage: b.volumeImage,
                retention: b.retention,
                ...(b.schedule ? { scheduledRetention: { keepLast: b.schedule.keepLast, keepWithinDays: b.schedule.keepWithinDays } } : {}),
                environment: dockerEnvironment(args.dockerHost, args.dockerTls),
                dockerTls: args.dockerTls,
            },
            opts,
        );
    }
    const backupsOutput = pulumi.output({
        blue: {
            snapshotId: snapshots.blue.snapshotId,
            location: snapshots.blue.location,
            totalBytes: snapshots.blue.totalBytes,
            manifestSha256: snapshots.blue.manifestSha256,
        },
        green: {
            snapshotId: snapshots.green.snapshotId,
            location: snapshots.green.location,
            totalBytes: snapshots.green.totalBytes,
            manifestSha256: snapshots.green.manifestSha256,
        },
    });
    if (!args.migration) {
        return { after: { blue: [snapshots.blue], green: [snapshots.green] }, snapshots, bucket, backupsOutput };
    }
    const m = args.migration;
    const allSnapshots = COLORS.map((c) => snapshots[c]);
    const order = planRelease({ blue: args.colors.blue.version, green: args.colors.green.version }).migrationOrder;
    const migrations = {} as Record<Color, MigrationHook>;
    for (const c of order) {
        const earlier = order.slice(0, order.indexOf(c)).map((x) => migrations[x]);
        migrations[c] = new MigrationHook(
            `migration-${c}`,
            {
                color: c,
                stack: args.stack,
                app: args.app,
                version: args.colors[c].version,
                image: args.colors[c].image,
                deploymentId: args.colors[c].deploymentId,
                command: m.command,
                down: m.down,
                networkName: args.networkName,
                env: args.colors[c].env,
                secretEnv: args.secretEnv[c],
                secretEnvNames: args.secretEnvNames[c],
                dockerHost: args.dockerHost,
                dockerTls: args.dockerTls,
                timeoutSeconds: m.timeoutSeconds,
            },
            { ...opts, dependsOn: [...allSnapshots, ...earlier] },
        );
    }
    return {
        after: { blue: [snapshots.blue, migrations.blue], green: [snapshots.green, migrations.green] },
        snapshots,
        bucket,
        migrations,
        backupsOutput,
        migrationsOutput: pulumi.output({ blue: migrations.blue.record, green: migrations.green.record }),
    };
}
