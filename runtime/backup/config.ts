/**
 * Input of the backup tool. It comes as JSON, from the environment variable
 * SWITCHYARD_BACKUP_CONFIG (what a Pulumi command:local:Command passes, as a secret) or
 * from a file named by --config / SWITCHYARD_BACKUP_CONFIG_FILE. Database URLs come
 * inline (`url`, when the JSON itself arrives through the environment) or through the
 * name of an environment variable (`urlEnv`); never through argv, never printed.
 */
import { z } from "zod";
import { SNAPSHOT_ID_PATTERN, SNAPSHOT_ID_RULE, SNAPSHOT_KINDS, SOURCE_NAME_PATTERN } from "../../domain/backup/manifest";

const sourceName = z.string().regex(SOURCE_NAME_PATTERN, "use letters, digits, '_' or '-' (max 63)");

const envName = z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional();

/** What every database source has, whatever its engine. */
const databaseSource = {
    /** Database URL (secret). */
    url: z.string().optional(),
    /** Name of the environment variable holding the URL (secret). */
    urlEnv: envName,
    /**
     * When set, the client tools run inside this container with `docker exec` (the server's own
     * client version; host and port are as seen from the container).
     * @default unset - the tools run on this host (PATH, or the paths below).
     */
    container: z.string().min(1).optional(),
};
const oneUrl = { message: "set exactly one of url or urlEnv" };
const hasOneUrl = (s: { url?: string; urlEnv?: string }) => (s.url === undefined) !== (s.urlEnv === undefined);

export const postgresSourceSchema = z
    .strictObject({
        /** Short name: file `postgres-<name>.dump`, shown in messages. */
        name: sourceName,
        ...databaseSource,
        /**
         * pg_dump -Z level (0 = none, 9 = smallest). Lower is faster on big databases.
         * @default unset - pg_dump's default for -Fc (zlib, moderate level).
         */
        compressLevel: z.number().int().min(0).max(9).optional(),
        /** @default "pg_dump" */
        pgDump: z.string().min(1).default("pg_dump"),
        /** @default "pg_restore" */
        pgRestore: z.string().min(1).default("pg_restore"),
        /** @default "psql" */
        psql: z.string().min(1).default("psql"),
    })
    .refine(hasOneUrl, oneUrl);

export const mysqlSourceSchema = z
    .strictObject({
        /** Short name: file `mysql-<name>.sql`, shown in messages. URL: mysql://user:password@host:port/db (or mariadb://; ?socket=/path). */
        name: sourceName,
        ...databaseSource,
        /** @default "mysqldump" */
        mysqldump: z.string().min(1).default("mysqldump"),
        /** @default "mysql" */
        mysql: z.string().min(1).default("mysql"),
    })
    .refine(hasOneUrl, oneUrl);

export const volumeSourceSchema = z.strictObject({
    /** Short name: file `volume-<name>.tar`. */
    name: sourceName,
    /** Docker volume name. */
    volume: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/),
});

export const targetSchema = z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("local"), root: z.string().min(1) }),
    z.strictObject({
        type: z.literal("s3"),
        bucket: z.string().min(3),
        /** Key prefix; snapshots go to <prefix><snapshotId>/<file>. @default "<stack>/" */
        prefix: z.string().optional(),
        /** @default "us-east-1" */
        region: z.string().default("us-east-1"),
        /** S3-compatible endpoint, e.g. http://127.0.0.1:5000. @default AWS */
        endpoint: z.string().url().optional(),
        /** @default false (virtual-hosted style) */
        forcePathStyle: z.boolean().default(false),
        /** Local directory for staging before upload and downloads before restore. @default OS temp dir */
        stagingDir: z.string().optional(),
    }),
]);

const retentionSchema = z.strictObject({
    keepLast: z.number().int().min(1).optional(),
    keepWithinDays: z.number().positive().optional(),
});

export const configSchema = z.strictObject({
    stack: z.string().min(1).default("dev"),
    /** The app's name, recorded in each manifest; snapshots of another app are not this stack's. @default unset - not recorded */
    app: z.string().min(1).optional(),
    target: targetSchema,
    postgres: z.array(postgresSourceSchema).default([]),
    mysql: z.array(mysqlSourceSchema).default([]),
    volumes: z.array(volumeSourceSchema).default([]),
    /** Image with sh, tar and find, used for volume tar/untar. @default "switchyard/base:bookworm" */
    volumeImage: z.string().min(1).default("switchyard/base:bookworm"),
    /** @default "docker" */
    docker: z.string().min(1).default("docker"),
    release: z
        .strictObject({
            deploymentId: z.string().min(1),
            versionsBefore: z.record(z.string(), z.string().nullable()).default({}),
            versionsAfter: z.record(z.string(), z.string().nullable()).default({}),
            commit: z.string().nullable().default(null),
        })
        .optional(),
    /** Fixed snapshot id (e.g. derived from the deployment id). @default <UTC time>-<deploymentId> */
    snapshotId: z.string().regex(SNAPSHOT_ID_PATTERN, SNAPSHOT_ID_RULE).optional(),
    retention: retentionSchema.default({}),
    /**
     * What `snapshot` records as the manifest's kind.
     * @default - `pre-deploy` when `release` changes a version, otherwise `manual`
     */
    kind: z.enum(SNAPSHOT_KINDS).optional(),
    /** Retention of `scheduled` snapshots (backup.schedule). @default - the same as `retention` */
    scheduledRetention: retentionSchema.optional(),
});

type ParsedConfig = z.infer<typeof configSchema>;
/** The parsed config: the S3 prefix is always set (default `<stack>/`, so stacks sharing a bucket stay apart). */
export type BackupConfig = Omit<ParsedConfig, "target"> & {
    target: Exclude<ParsedConfig["target"], { type: "s3" }> | (Extract<ParsedConfig["target"], { type: "s3" }> & { prefix: string });
};
export type PostgresSource = z.infer<typeof postgresSourceSchema>;
export type MysqlSource = z.infer<typeof mysqlSourceSchema>;
export type VolumeSource = z.infer<typeof volumeSourceSchema>;
export type TargetConfig = BackupConfig["target"];

/** Parses config JSON; the message names the field, never echoes values (they may be secret). */
export function parseConfig(text: string, origin: string): BackupConfig {
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch {
        throw new Error(`backup config from ${origin} is not valid JSON`);
    }
    const r = configSchema.safeParse(raw);
    if (!r.success) {
        const msgs = r.error.issues.map((i) => `'${i.path.join(".") || "(root)"}': ${i.message}`);
        throw new Error(`backup config from ${origin} is invalid: ${msgs.join("; ")}`);
    }
    const names = new Set<string>();
    for (const s of [
        ...r.data.postgres.map((p) => `postgres:${p.name}`),
        ...r.data.mysql.map((p) => `mysql:${p.name}`),
        ...r.data.volumes.map((v) => `volume:${v.name}`),
    ]) {
        if (names.has(s)) throw new Error(`backup config from ${origin}: source ${s} is listed twice`);
        names.add(s);
    }
    const t = r.data.target;
    return { ...r.data, target: t.type === "s3" ? { ...t, prefix: t.prefix ?? `${r.data.stack}/` } : t };
}
