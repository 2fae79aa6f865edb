import * as path from "path";
import { z } from "zod";
import { SOURCE_NAME_PATTERN } from "../domain/backup/manifest";
import { bool, DOCKER_NAME, IMAGE_REF, num, wholeNumber } from "./fields";

/**
 * Config keys `switchyard:backup`, `switchyard:migration` and `switchyard:backupSecrets`.
 * Same style as schema.ts: strict objects, defaults, messages that name what is allowed.
 * Database URLs never appear here: `backup.postgres[].name` names an entry of the secret map
 * `switchyard:backupSecrets` ({NAME: postgres://...}), which parse.ts requires to be a Pulumi secret.
 */

const sourceName = z.string({ error: "must be a source name" }).regex(SOURCE_NAME_PATTERN, {
    error: "must be 1-63 letters, digits, '_' or '-', starting with a letter or digit (it names the dump file and the backupSecrets entry)",
});

/** The project directory (where Pulumi.yaml is): a relative local root is taken from there. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

const localTarget = z.strictObject({
    type: z.literal("local"),
    /** An absolute directory, or one relative to the project directory (e.g. `.switchyard/backups/local`). */
    root: z
        .string({ error: "must be a directory path such as /var/backups/switchyard or .switchyard/backups/local" })
        .regex(/^[^\u0000-\u001f]+$/, {
            error: "must be a directory path such as /var/backups/switchyard or .switchyard/backups/local",
        })
        .transform((r) => path.resolve(PROJECT_DIR, r)),
});

const s3Target = z.strictObject({
    type: z.literal("s3"),
    /** Bucket name (3-63 lowercase letters, digits, '.', '-'). */
    bucket: z
        .string({ error: "must be an S3 bucket name" })
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "must be an S3 bucket name: 3-63 of lowercase letters, digits, '.', '-'" }),
    /**
     * Key prefix of the snapshots (and of a created bucket's lifecycle rule).
     * @default "<stack>/" - stacks sharing a bucket keep their snapshots apart
     */
    prefix: z
        .string()
        .regex(/^([A-Za-z0-9._-]+\/)*$/, { error: "must be empty or path segments ending in '/', e.g. snapshots/" })
        .optional(),
    region: z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "must be an AWS region such as us-east-1" })
        .default("us-east-1"),
    /** S3-compatible endpoint (MinIO, moto...). @default - AWS */
    endpoint: z
        .string()
        .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, { error: "must be an http(s) URL such as http://127.0.0.1:9000" })
        .optional(),
    forcePathStyle: bool().default(false),
    /**
     * Create and harden the bucket with @pulumi/aws (components/backup/snapshotBucket.ts): versioning,
     * default encryption, all public access blocked, a lifecycle rule from `retention`. Credentials come
     * from the AWS SDK's default chain (env, profile, instance role), never from this config.
     * @default false - the bucket exists already; no AWS resource is created
     */
    createBucket: bool().default(false),
    /** Default encryption of a created bucket. @default "aws:kms" (the account's aws/s3 key unless kmsKeyId) */
    encryption: z.enum(["aws:kms", "AES256"], { error: "must be aws:kms or AES256" }).default("aws:kms"),
    /** KMS key id or ARN for `encryption: aws:kms`. @default - the AWS managed key aws/s3 */
    kmsKeyId: z
        .string()
        .regex(
            /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+|alias\/[A-Za-z0-9/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
            {
                error: "must be a KMS key id, alias/NAME or a key/alias ARN",
            },
        )
        .optional(),
});

const retention = z.strictObject({
    keepLast: wholeNumber(1, 10000).optional(),
    keepWithinDays: num(
        z
            .number({ error: "must be a number of days" })
            .gt(0, { error: "must be more than 0 days" })
            .max(3650, { error: "must be at most 3650 days" }),
    ).optional(),
});

/** One cron field: `*`, a number, a range, a list, each with an optional `/step` (names are not accepted). */
const CRON_FIELD = /^(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?(,(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?)*$/;
const CRON_ERROR =
    'must be a 5-field cron expression (minute hour day-of-month month day-of-week, numbers, *, ranges, lists, /steps), e.g. "15 3 * * *"';

const schedule = z.strictObject({
    /** When the runner takes a scheduled snapshot, in the Docker host's UTC. */
    cron: z
        .string({ error: CRON_ERROR })
        .trim()
        .refine((c) => c.split(/\s+/).length === 5 && c.split(/\s+/).every((f) => CRON_FIELD.test(f)), { error: CRON_ERROR }),
    /** Scheduled snapshots kept: keepLast (newest N) and keepWithinDays (younger than D days); neither: the newest 30. */
    ...retention.shape,
    /**
     * The alert BackupStale fires when the newest verified snapshot (any kind) is older than this.
     * @default 1560 - 26 hours: a daily schedule plus two hours of slack
     */
    maxAgeMinutes: wholeNumber(1, 525600, { unit: " minutes" }).default(1560),
    /** How long BackupStale / BackupRunFailed must hold before they fire (Prometheus `for`). @default 300 */
    alertForSeconds: wholeNumber(0, 86400, { whole: "whole seconds", unit: " s" }).default(300),
    /** Image of the runner: cron, node and the database clients (scripts/images.sh builds it). */
    image: z
        .string()
        .regex(IMAGE_REF, { error: "must be an image reference with an explicit tag, e.g. switchyard/backup-runner:local" })
        .default("switchyard/backup-runner:local"),
});

export const backupSchema = z
    .strictObject({
        target: z.discriminatedUnion("type", [localTarget, s3Target], {
            error: "must be {type: local, root: /abs/dir} or {type: s3, bucket, prefix, region, endpoint, forcePathStyle}",
        }),
        /** PostgreSQL databases: the URL of each is `backupSecrets.<name>`. */
        postgres: z
            .array(
                z.strictObject({
                    name: sourceName,
                    /** Run pg_dump/pg_restore inside this container (docker exec). @default - on the deploying host */
                    container: z.string().regex(DOCKER_NAME, { error: "must be a Docker container name" }).optional(),
                    /** pg_dump -Z 0-9. @default - pg_dump's default */
                    compressLevel: num(z.number().int().min(0, { error: "must be 0..9" }).max(9, { error: "must be 0..9" })).optional(),
                }),
            )
            .default([]),
        /** MySQL/MariaDB databases (mysqldump --single-transaction): the URL of each is `backupSecrets.<name>` (mysql://...). */
        mysql: z
            .array(
                z.strictObject({
                    name: sourceName,
                    /** Run mysqldump/mysql inside this container (docker exec). @default - on the deploying host */
                    container: z.string().regex(DOCKER_NAME, { error: "must be a Docker container name" }).optional(),
                }),
            )
            .default([]),
        /** Named Docker volumes, archived with tar. */
        volumes: z
            .array(
                z.strictObject({
                    name: sourceName,
                    volume: z.string().regex(DOCKER_NAME, { error: "must be a Docker volume name" }),
                }),
            )
            .default([]),
        /** Image with sh, tar, find and du for volume archives. */
        volumeImage: z
            .string()
            .regex(IMAGE_REF, { error: "must be an image reference with an explicit tag, e.g. switchyard/base:bookworm" })
            .default("switchyard/base:bookworm"),
        /**
         * Keep the newest N and/or those younger than D days; the current and previous release of each
         * colour are always kept. Neither set: keep the newest 30 (domain/backup/retention).
         */
        retention: retention.prefault({}),
        /**
         * Scheduled snapshots, taken by a runner container on the Docker host (components/backup/backupRunner.ts).
         * @default unset - pre-deploy and manual snapshots only
         */
        schedule: schedule.optional(),
    })
    .superRefine((b, ctx) => {
        // backupSecrets is keyed by source name: a name may not be both a postgres and a mysql source.
        const pgNames = new Set(b.postgres.map((p) => p.name));
        b.mysql.forEach((m, i) => {
            if (pgNames.has(m.name)) {
                ctx.addIssue({
                    code: "custom",
                    path: ["mysql", i, "name"],
                    input: m.name,
                    message: "is also a backup.postgres name; database sources share backupSecrets.<name>, so give each a distinct name",
                });
            }
        });
        const t = b.target;
        if (t.type !== "s3") {
            return;
        }
        if (t.kmsKeyId !== undefined && t.encryption !== "aws:kms") {
            ctx.addIssue({
                code: "custom",
                path: ["target", "kmsKeyId"],
                input: t.kmsKeyId,
                message: `only applies to encryption: aws:kms (encryption is ${t.encryption}); remove kmsKeyId or set encryption: aws:kms`,
            });
        }
        if (!t.createBucket && t.kmsKeyId !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["target", "kmsKeyId"],
                input: t.kmsKeyId,
                message:
                    "only applies when switchyard creates the bucket (createBucket: true); an existing bucket keeps its own encryption",
            });
        }
    })
    .refine((b) => b.postgres.length + b.mysql.length + b.volumes.length > 0, {
        error: "must list at least one source: backup.postgres [{name}] / backup.mysql [{name}] (URL in backupSecrets.<name>) or backup.volumes [{name, volume}]",
        path: ["postgres"],
    });

export const migrationSchema = z.strictObject({
    /** Run in a one-off container of the colour's new image: argv, the first item replaces the image's entrypoint. */
    command: z
        .array(z.string({ error: "must be strings" }).min(1, { error: "must not be empty strings" }), {
            error: 'must be a list of strings (argv), e.g. ["npm", "run", "migrate"]',
        })
        .min(1, { error: 'must have at least the program to run, e.g. ["npm", "run", "migrate"]' }),
    /** The down-migration, recorded (stack output `migrations`) for a rollback; never run by switchyard. */
    down: z
        .array(z.string().min(1, { error: "must not be empty strings" }), { error: "must be a list of strings (argv)" })
        .min(1, { error: "must have at least the program to run" })
        .optional(),
    timeoutSeconds: wholeNumber(1, 86400, { whole: "whole seconds", unit: " s" }).default(600),
});

export type ParsedBackup = z.output<typeof backupSchema>;
type S3Settings = Extract<ParsedBackup["target"], { type: "s3" }>;
/** `switchyard:backup` as the program uses it: the S3 prefix is always set. */
export type BackupSettings = Omit<ParsedBackup, "target"> & {
    target: Exclude<ParsedBackup["target"], { type: "s3" }> | (S3Settings & { prefix: string });
};

/**
 * Fills the S3 prefix with `<stack>/` when unset: the stack name is known only here, not in the schema.
 * A local target keeps its root as given: a per-stack subdirectory would move existing stacks' snapshots
 * out of sight; the tool tells stacks apart by the stack each manifest records instead.
 */
export function withStackDefaults(b: ParsedBackup, stack: string): BackupSettings {
    const t = b.target;
    return { ...b, target: t.type === "s3" ? { ...t, prefix: t.prefix ?? `${stack}/` } : t };
}
export type MigrationSettings = z.output<typeof migrationSchema>;

/**
 * Validates the raw `backupSecrets` value (already checked to be a Pulumi secret by the caller)
 * against the parsed backup config: every postgres source needs its URL, no entry is left unused.
 * `backup` null: the rest of the config did not parse, so only the map itself is checked
 * (no misleading "missing"/"unused" messages on top of the real problem).
 */
export function checkBackupSecrets(
    raw: unknown,
    backup: Pick<BackupSettings, "postgres" | "mysql"> | undefined | null,
    prefix: string,
): { secrets: Record<string, string>; errors: string[] } {
    const errors: string[] = [];
    const secrets: Record<string, string> = {};
    if (raw !== undefined) {
        if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
            errors.push(
                `${prefix}:backupSecrets: must be a map of NAME to database URL (got a ${Array.isArray(raw) ? "list" : typeof raw}); ` +
                    "set entries with pulumi config set --secret --path 'backupSecrets.NAME' postgres://user:password@host:5432/db",
            );
        } else {
            const mysqlNames = new Set((backup?.mysql ?? []).map((m) => m.name));
            for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
                if (!SOURCE_NAME_PATTERN.test(k)) {
                    errors.push(
                        `${prefix}:backupSecrets.${k}: names are 1-63 letters, digits, '_' or '-' (got the name ${JSON.stringify(k)})`,
                    );
                } else if (mysqlNames.has(k)) {
                    if (typeof v !== "string" || !/^(mysql|mariadb):\/\/\S+\/[^/?\s]+(\?\S*)?$/.test(v)) {
                        errors.push(
                            `${prefix}:backupSecrets.${k}: backup.mysql '${k}' needs a database URL mysql://user:password@host:port/db (got a secret value that is not)`,
                        );
                    } else {
                        secrets[k] = v;
                    }
                } else if (typeof v !== "string" || !/^postgres(ql)?:\/\/\S+$/.test(v)) {
                    errors.push(
                        `${prefix}:backupSecrets.${k}: must be a database URL postgres://user:password@host:port/db (got a secret value that is not)`,
                    );
                } else {
                    secrets[k] = v;
                }
            }
        }
    }
    if (backup === null) {
        return { secrets, errors };
    }
    const wanted = new Set([...(backup?.postgres ?? []), ...(backup?.mysql ?? [])].map((p) => p.name));
    const isMysql = (name: string) => (backup?.mysql ?? []).some((m) => m.name === name);
    for (const name of wanted) {
        if (!(name in secrets) && !errors.some((e) => e.includes(`backupSecrets.${name}:`))) {
            errors.push(
                `${prefix}:backupSecrets.${name}: missing; backup.${isMysql(name) ? "mysql" : "postgres"} lists '${name}', whose URL must be a secret. ` +
                    `Fix: pulumi config set --secret --path 'backupSecrets.${name}' ${isMysql(name) ? "mysql://user:password@host:3306/db" : "postgres://user:password@host:5432/db"}`,
            );
        }
    }
    for (const name of Object.keys(secrets)) {
        if (!wanted.has(name)) {
            errors.push(
                `${prefix}:backupSecrets.${name}: no backup.postgres source is named '${name}' ` +
                    `(sources: ${[...wanted].join(", ") || "none"}); add {name: ${name}} to backup.postgres (or backup.mysql) or remove it: pulumi config rm --path 'backupSecrets.${name}'`,
            );
            delete secrets[name];
        }
    }
    return { secrets, errors };
}
