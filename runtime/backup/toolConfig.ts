/**
 * The backup tool's config for a stack, built in one place for the two callers that run the tool:
 * the BackupSnapshot component (the pre-deploy Command) and `switchyard backup`.
 */
import { normalizePolicy } from "../../domain/backup/retention";
import type { BackupConfig, VolumeSource } from "./config";

/** A database source as the stack config names it: its URL comes from the secret map. */
export interface ToolDatabase {
    name: string;
    container?: string;
    compressLevel?: number;
}

/** The backup settings of a stack (validated `switchyard:backup`, or BackupSnapshot's args). */
export interface ToolSettings {
    stack: string;
    /** The app's name (app.name), recorded in each manifest. */
    app: string;
    target:
        | { type: "local"; root: string }
        | { type: "s3"; bucket: string; prefix?: string; region?: string; endpoint?: string; forcePathStyle?: boolean };
    postgres: readonly ToolDatabase[];
    mysql: readonly ToolDatabase[];
    volumes: readonly VolumeSource[];
    volumeImage?: string;
    retention?: { keepLast?: number; keepWithinDays?: number };
    /** backup.schedule: its keepLast/keepWithinDays are the retention of scheduled snapshots. @default unset - `retention` */
    schedule?: { keepLast?: number; keepWithinDays?: number };
}

/** Where the config is used: what the manifest records as the snapshot's kind. */
export type ToolKind = "manual" | "scheduled" | "pre-deploy";

export type ReleaseFacts = NonNullable<BackupConfig["release"]>;

/**
 * The tool's config JSON for a stack: what the BackupSnapshot component passes to the Command and
 * what `switchyard backup` passes to the tool, so the two cannot diverge. `urls` maps each database
 * source name to its URL (secret). Fields are picked one by one, in a fixed order, so the text
 * (a Command input) stays the same for the same settings.
 */
export function toolConfig(
    settings: ToolSettings,
    urls: Readonly<Record<string, string>>,
    release?: ReleaseFacts,
    kind?: ToolKind,
): string {
    const t = settings.target;
    const database = (s: ToolDatabase) => ({
        name: s.name,
        url: urls[s.name],
        ...(s.container ? { container: s.container } : {}),
        ...(s.compressLevel !== undefined ? { compressLevel: s.compressLevel } : {}),
    });
    return JSON.stringify({
        stack: settings.stack,
        app: settings.app,
        target:
            t.type === "local"
                ? { type: t.type, root: t.root }
                : {
                      type: t.type,
                      bucket: t.bucket,
                      prefix: t.prefix,
                      region: t.region,
                      ...(t.endpoint ? { endpoint: t.endpoint } : {}),
                      forcePathStyle: t.forcePathStyle,
                  },
        postgres: settings.postgres.map(database),
        ...(settings.mysql.length > 0 ? { mysql: settings.mysql.map(database) } : {}),
        volumes: settings.volumes.map((v) => ({ name: v.name, volume: v.volume })),
        ...(settings.volumeImage ? { volumeImage: settings.volumeImage } : {}),
        ...(release ? { release } : {}),
        ...(settings.retention ? { retention: normalizePolicy(settings.retention) } : {}),
        ...(settings.schedule
            ? {
                  scheduledRetention: normalizePolicy({
                      keepLast: settings.schedule.keepLast,
                      keepWithinDays: settings.schedule.keepWithinDays,
                  }),
              }
            : {}),
        ...(kind ? { kind } : {}),
    });
}
