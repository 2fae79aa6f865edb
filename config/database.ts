/**
 * Config key `switchyard:database`: a PostgreSQL container the stack runs itself (the embedded
 * default's database). Its user, password and database come from the URL of a backup source
 * (`backupSecrets.<source>`), so the one secret serves the container, the pre-deploy snapshot
 * (pg_dump runs inside the container) and nothing else is needed to back it up.
 */
import { z } from "zod";
import { SOURCE_NAME_PATTERN } from "../domain/backup/manifest";
import type { ParsedBackup } from "./backup";
import { databaseCredentials } from "../domain/databaseUrl";
import { IMAGE_REF } from "./fields";

export const databaseSchema = z.strictObject({
    postgres: z.strictObject({
        /** The backup.postgres source whose URL (backupSecrets.<source>) names the user, password and database to create. */
        source: z.string({ error: "must be a backup.postgres source name" }).regex(SOURCE_NAME_PATTERN, {
            error: "must be a backup.postgres source name (1-63 letters, digits, '_' or '-')",
        }),
        /** @default "switchyard/postgres:local" (scripts/images.sh) */
        image: z
            .string()
            .regex(IMAGE_REF, { error: "must be an image reference with an explicit tag, e.g. switchyard/postgres:local" })
            .default("switchyard/postgres:local"),
    }),
});

export type DatabaseSettings = z.output<typeof databaseSchema> & {
    /** The container (`<stack>-postgres`) and its data volume (`<stack>-postgres-data`). */
    readonly containerName: string;
    readonly volumeName: string;
};

/**
 * Checks `database` against the backup config and secrets: its source must be a backup.postgres
 * source whose URL gives the credentials; that source's snapshot runs in the container (its
 * `container` is filled in, or must already name it). Returns the backup config with that filled in.
 */
export function checkDatabase(
    database: z.output<typeof databaseSchema> | undefined,
    backup: ParsedBackup | undefined,
    secrets: Readonly<Record<string, string>>,
    stack: string,
    prefix: string,
): { errors: string[]; database?: DatabaseSettings; backup?: ParsedBackup } {
    if (!database) {
        return { errors: [] };
    }
    const { source } = database.postgres;
    const containerName = `${stack}-postgres`;
    const key = `${prefix}:database.postgres.source`;
    if (!backup) {
        return {
            errors: [
                `${key}: needs switchyard:backup with a postgres source '${source}' (got database without backup); the stack's database is ` +
                    `snapshotted before every release. Fix: set backup.target and backup.postgres [{name: ${source}}]`,
            ],
        };
    }
    const i = backup.postgres.findIndex((p) => p.name === source);
    if (i < 0) {
        return {
            errors: [
                `${key}: no backup.postgres source is named '${source}' (sources: ${backup.postgres.map((p) => p.name).join(", ") || "none"}); ` +
                    `add {name: ${source}} to backup.postgres, its URL in backupSecrets.${source}`,
            ],
        };
    }
    const named = backup.postgres[i].container;
    if (named !== undefined && named !== containerName) {
        return {
            errors: [
                `${prefix}:backup.postgres[${i}].container: is '${named}', but source '${source}' is the stack's database, container '${containerName}'; ` +
                    `remove container (switchyard fills it in): pulumi config rm --path 'backup.postgres[${i}].container'`,
            ],
        };
    }
    const url = secrets[source];
    if (url !== undefined) {
        const c = databaseCredentials(url);
        if (!c.ok) {
            return {
                errors: [
                    `${prefix}:backupSecrets.${source}: ${c.reason} (it is the URL of the stack's database, database.postgres.source)`,
                ],
            };
        }
    }
    const postgres = backup.postgres.map((p, j) => (j === i ? { ...p, container: containerName } : p));
    return { errors: [], database: { ...database, containerName, volumeName: `${containerName}-data` }, backup: { ...backup, postgres } };
}
