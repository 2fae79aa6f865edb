import { z } from "zod";
import { COLORS } from "../domain/color";
import { dockerCpus } from "../domain/dockerForms";
import { parseDuration } from "../domain/duration";
import { parseReleaseVersion } from "../domain/version";
import { backupSchema, migrationSchema } from "./backup";
import { databaseSchema } from "./database";
import { checkExcludedHosts, checkOneHostForm, dockerEndpoint, dockerHostsSchema, excludeHostsSchema } from "./dockerHosts";
import { bindAddress, bool, DOCKER_NAME, IMAGE_REF, IMAGE_REPO, num, port, wholeNumber } from "./fields";
import { monitoringSchema } from "./monitoring";
import { latestRecordSchema, notificationsSchema, recordsSchema } from "./notifications";
import { releaseSchema } from "./release";

/**
 * The whole stack config (namespace `switchyard`), one schema. Pulumi.yaml documents every key;
 * `parseStackConfig` turns raw values into a typed, validated `StackConfig` or one message per
 * problem naming the key, the value received and what is allowed.
 */

/**
 * Optional sections are declared in Pulumi.yaml with `default: {}` (a declared key without a default
 * is required by the CLI); an empty object means "not configured".
 */
function emptyAsUnset(v: unknown): unknown {
    return v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0 ? undefined : v;
}

const color = z.enum(COLORS, { error: "must be 'blue' or 'green'" });

const version = z.string({ error: "must be a semver release version such as 1.4.2 or v1.4.2" }).superRefine((v, ctx) => {
    const r = parseReleaseVersion(v);
    if (!r.ok) {
        ctx.addIssue({ code: "custom", message: r.reason });
    }
});

const seconds = (what: string, min: number, max: number) =>
    num(
        z
            .number({ error: `${what} must be a number of seconds` })
            .min(min, { error: `${what} must be at least ${min} s` })
            .max(max, { error: `${what} must be at most ${max} s` }),
    );

const urlPath = z
    .string({ error: "must be an absolute URL path such as /health" })
    .regex(/^\/[A-Za-z0-9_\-./~%?=&]*$/, { error: "must be an absolute URL path (starting with /, no spaces or quotes), e.g. /health" });

/** The router answers this path itself (nginx `location =`), so it is stricter than an app path. */
const statusPath = z
    .string({ error: "must be an absolute URL path such as /_switchyard/status" })
    .regex(/^\/[A-Za-z0-9_\-./]*$/, {
        error: "must be an absolute URL path of letters, digits and '_-./' (no spaces, quotes, ';', braces or query), e.g. /_switchyard/status",
    })
    .refine((p) => p.replace(/\/+$/, "") !== "", {
        error: "must not be / (the router would answer every request itself instead of the app); use a path of its own such as /_switchyard/status",
    });

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Characters the router puts in nginx strings (see components/routing/nginxConfig). */
const nginxSafe = /^[^'"\\$;{}\u0000-\u001f\u007f]*$/;

const healthcheck = z
    .strictObject({
        path: urlPath.default("/health"),
        intervalSeconds: seconds("interval", 1, 300).default(5),
        timeoutSeconds: seconds("timeout", 1, 120).default(3),
        retries: num(z.number().int({ error: "retries must be a whole number" }).min(1).max(100)).default(5),
        startPeriodSeconds: seconds("start period", 0, 600).default(5),
        /** Docker HEALTHCHECK test; default probes `path` with curl, or wget where curl is missing. */
        command: z
            .array(z.string().min(1))
            .min(2, { error: 'must be a Docker test list such as ["CMD", "/app/healthcheck"]' })
            .refine((t) => ["CMD", "CMD-SHELL"].includes(t[0]), { error: "must start with CMD or CMD-SHELL" })
            .optional(),
    })
    .refine((h) => h.timeoutSeconds <= h.intervalSeconds, {
        error: "timeoutSeconds must not exceed intervalSeconds",
        path: ["timeoutSeconds"],
    });

const volume = z.strictObject({
    name: z.string().regex(DOCKER_NAME, { error: "must be a Docker volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)" }),
    containerPath: z
        .string()
        .regex(/^\/[^\s:]*$/, { error: "must be an absolute path inside the container" })
        .refine((p) => !p.split("/").includes(".."), { error: "must not contain '..' (write the path it means)" })
        .refine((p) => p.split("/").some((seg) => seg !== "" && seg !== "."), {
            error: "must not be / (a volume over the container's root hides the image); mount it at a directory such as /data",
        }),
    readOnly: bool().default(false),
});

/** `pulumi config set --path app.env.WORKERS 4` stores a number: env values take scalars as text. */
const envValue = z.preprocess(
    (v) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v),
    z.string({ error: "env values must be strings, numbers or booleans" }),
);
const envMap = z.record(z.string().regex(envName, { error: "env names are [A-Za-z_][A-Za-z0-9_]*" }), envValue);

const reason = z
    .string({ error: "must say why: the incident and who approved it" })
    .trim()
    .min(8, { error: "must say why in at least 8 characters: the incident and who approved it" })
    .max(500, { error: "must be at most 500 characters" });

/**
 * One colour's release: its version, env for this colour only (over app.env), and the two ways to
 * change it while it is live (docs/decisions.md "Live colour protection").
 */
const colorRelease = z.strictObject({
    version,
    env: envMap.default({}),
    /** Apply the config's shared settings to this colour even while it is live. @default false */
    roll: bool().default(false),
    /** Allow a version change on this colour while it is live, with a reason kept in the outputs. */
    emergencyOverride: z.strictObject({ reason }).optional(),
});

export const appSchema = z.strictObject({
    name: z
        .string()
        .regex(/^[a-z][a-z0-9-]{0,30}$/, {
            error: "must be lowercase letters, digits and '-', starting with a letter, at most 31 characters",
        })
        .default("app"),
    image: z.string({ error: "must be an image repository such as registry.example.com/team/app" }).regex(IMAGE_REPO, {
        error: "must be an image repository without tag or digest (the tag comes from colors.<colour>.version), e.g. registry.example.com/team/app",
    }),
    tagPrefix: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{0,20}$/, { error: "must be at most 20 of [A-Za-z0-9_.-] (e.g. 'v')" })
        .default(""),
    port: port().default(8080),
    replicas: wholeNumber(1, 20, { unit: " per colour" }).default(2),
    /** Containers the idle colour keeps once app.scaleDownDelay has passed (0 stops it). @default 1 */
    idleReplicas: wholeNumber(0, 20, { unit: " per colour" }).default(1),
    /** How long the idle colour stays warm after it stopped serving. @default - release.watch.duration + 5m */
    scaleDownDelay: z
        .string({ error: "must be a duration such as 10m (ms, s, m, h)" })
        .refine((t) => parseDuration(t) !== undefined, { error: "must be a duration such as 10m (ms, s, m, h)" })
        .optional(),
    env: envMap.default({}),
    healthcheck: healthcheck.prefault({}),
    resources: z
        .strictObject({
            cpus: num(
                z
                    .number({ error: "must be a number of CPUs" })
                    .gt(0, { error: "must be more than 0" })
                    .max(64)
                    .superRefine((v, ctx) => {
                        const r = dockerCpus(v);
                        if (!r.ok) {
                            ctx.addIssue({ code: "custom", message: r.reason });
                        }
                    }),
            ).default(0.5),
            memoryMb: num(
                z.number().int({ error: "must be whole megabytes" }).min(16, { error: "must be at least 16 MB" }).max(262144),
            ).default(256),
        })
        .prefault({}),
    volumes: z
        .array(volume)
        .default([])
        .superRefine((vols, ctx) => {
            const seen = new Set<string>();
            vols.forEach((v, i) => {
                const at = v.containerPath.replace(/\/+$/, "");
                if (seen.has(at)) {
                    ctx.addIssue({
                        code: "custom",
                        path: [i, "containerPath"],
                        input: v.containerPath,
                        message: "is mounted twice (Docker refuses duplicate mount points); give each volume its own path",
                    });
                }
                seen.add(at);
            });
        }),
});

export const schema = z
    .strictObject({
        activeColor: color,
        colors: z.strictObject(
            {
                blue: colorRelease,
                green: colorRelease,
            },
            { error: "must set colors.blue.version and colors.green.version" },
        ),
        canary: z
            .strictObject({
                weight: num(
                    z
                        .number({ error: "must be a number from 0 to 100" })
                        .min(0, { error: "must be from 0 to 100 (percent of traffic for the non-active colour)" })
                        .max(100, { error: "must be from 0 to 100 (percent of traffic for the non-active colour)" })
                        .refine((w) => Math.abs(Math.round(w * 10) - w * 10) < 1e-6, {
                            error: "must be a multiple of 0.1 (routing resolution is 0.1%)",
                        }),
                ).default(0),
                header: z
                    .strictObject({
                        name: z
                            .string()
                            .regex(/^[A-Za-z0-9-]{1,64}$/, { error: "must be an HTTP header name of letters, digits and '-'" })
                            .default("X-Switchyard-Canary"),
                        value: z
                            .string()
                            .min(1)
                            .max(128)
                            .regex(/^[A-Za-z0-9_.:@+=-]+$/, { error: "must be 1-128 of [A-Za-z0-9_.:@+=-]" })
                            .optional(),
                    })
                    .optional(),
                cookie: z
                    .strictObject({
                        name: z
                            .string()
                            .regex(/^[A-Za-z0-9_]{1,64}$/, { error: "must be letters, digits and '_' (nginx variable rules)" })
                            .default("switchyard_canary"),
                    })
                    .optional(),
                sticky: z
                    .strictObject({
                        enabled: bool().default(true),
                        cookieName: z
                            .string()
                            .regex(/^[A-Za-z0-9_]{1,64}$/, { error: "must be letters, digits and '_'" })
                            .default("switchyard_bucket"),
                        maxAgeSeconds: num(z.number().int().min(60).max(31536000)).default(2592000),
                    })
                    .optional(),
            })
            .prefault({}),
        app: appSchema,
        docker: z
            .strictObject({
                /** The one Docker host. @default - unix:///var/run/docker.sock when docker.hosts is unset too */
                host: dockerEndpoint().optional(),
                /** Several Docker hosts, [{name, host, labels}]; exclusive with `host`. @default - one host, `host` */
                hosts: dockerHostsSchema.optional(),
                /** Hosts of docker.hosts this update leaves as they are (`switchyard up --exclude-host`). @default [] */
                excludeHosts: excludeHostsSchema.default([]),
                network: z.string().regex(DOCKER_NAME, { error: "must be a Docker network name" }).optional(),
                /** Allow `tcp://` without TLS (the secret dockerTls). Dangerous: the port gives root on the host. @default false */
                insecure: bool().default(false),
            })
            .superRefine(checkOneHostForm)
            .superRefine(checkExcludedHosts)
            .prefault({}),
        router: z
            .strictObject({
                image: z
                    .string()
                    .regex(IMAGE_REF, { error: "must be an image reference with an explicit tag, e.g. switchyard/router:1" })
                    .default("switchyard/router:1"),
                port: port().default(8080),
                bindAddress: bindAddress().default("0.0.0.0"),
                statusPath: statusPath.default("/_switchyard/status"),
                status: z
                    .strictObject({
                        /** Serve the status document (versions, container names) to everyone, not only inside the router container. */
                        public: bool().default(false),
                    })
                    .prefault({}),
                /** A new router image replaces the router (a short outage): allowed only when asked for. */
                allowRestart: bool().default(false),
                maintenance: z
                    .strictObject({
                        enabled: bool().default(false),
                        message: z
                            .string()
                            .max(200, { error: "must be at most 200 characters" })
                            .regex(nginxSafe, { error: "must not contain quotes, backslash, $, ;, braces or control characters" })
                            .default("Down for maintenance, back soon."),
                    })
                    .prefault({}),
            })
            .prefault({}),
        deploymentWindow: z
            .strictObject({
                /** Release outside the window (policy deployment-window) with a reason kept in the stack outputs. */
                override: z
                    .strictObject({
                        reason,
                    })
                    .optional(),
            })
            .prefault({}),
        gates: z
            .strictObject({
                healthPaths: z
                    .array(urlPath)
                    .min(1, { error: "must list at least one health endpoint" })
                    .default(["/health", "/health/ready"]),
                smokePaths: z.array(urlPath).default(["/"]),
                retries: num(z.number().int().min(1, { error: "must be at least 1" }).max(1000)).default(30),
                intervalSeconds: seconds("gates.intervalSeconds", 0.1, 300).default(10),
                timeoutSeconds: seconds("gates.timeoutSeconds", 0.1, 120).default(3),
            })
            .prefault({}),
        /** Pre-deploy snapshot per release (config/backup.ts). @default - none: no backup resources */
        backup: z.preprocess(emptyAsUnset, backupSchema.optional()),
        /** A PostgreSQL container the stack runs, backed up before each release (config/database.ts). @default - none */
        database: z.preprocess(emptyAsUnset, databaseSchema.optional()),
        /** Migration run in the new image after the snapshot, before the gate (config/backup.ts). @default - none */
        migration: z.preprocess(emptyAsUnset, migrationSchema.optional()),
        /** Prometheus, alert rules, Grafana provisioning (config/monitoring.ts). @default - disabled: no monitoring resources */
        monitoring: monitoringSchema.prefault({}),
        /** Release and rollback notifications (config/notifications.ts; the operator commands send them). @default - none */
        notifications: notificationsSchema.prefault({}),
        /** Where deployment records are kept (config/notifications.ts). @default - none: not kept */
        records: recordsSchema.prefault({}),
        /** The newest deployment record, written by switchyard rollback and release; shown as the output latestRecord. @default - none */
        latestRecord: z.preprocess((v) => (v === "" ? undefined : v), latestRecordSchema.optional()),
        /** The plan of `switchyard release` (config/release.ts); the program itself does not use it. @default - see config/release.ts */
        release: releaseSchema.prefault({}),
    })
    .superRefine((c, ctx) => {
        // The router answers statusPath itself: a gate or health check on it would test the router, not the app.
        const appPaths = [
            ...c.gates.healthPaths.map((p, i) => ["gates.healthPaths", i, p] as const),
            ...c.gates.smokePaths.map((p, i) => ["gates.smokePaths", i, p] as const),
            ["app.healthcheck.path", undefined, c.app.healthcheck.path] as const,
        ];
        for (const [key, i, p] of appPaths) {
            if (p.split("?")[0] === c.router.statusPath) {
                ctx.addIssue({
                    code: "custom",
                    path: ["router", "statusPath"],
                    input: c.router.statusPath,
                    message: `is also ${key}${i === undefined ? "" : `[${i}]`}, which the router would answer instead of the app; give the router a path of its own such as /_switchyard/status`,
                });
            }
        }
        // Checked only against a valid replicas (its own error names it otherwise).
        if (Number.isInteger(c.app.replicas) && c.app.replicas >= 1 && c.app.idleReplicas > c.app.replicas) {
            ctx.addIssue({
                code: "custom",
                path: ["app", "idleReplicas"],
                input: c.app.idleReplicas,
                message: `is more than app.replicas (${c.app.replicas}): the idle colour cannot keep more containers than a serving one; set app.idleReplicas to at most ${c.app.replicas} (1 keeps one warm, 0 stops the idle colour)`,
            });
        }
        const watch = parseDuration(c.release.watch.duration) ?? 0;
        const delay = c.app.scaleDownDelay === undefined ? undefined : parseDuration(c.app.scaleDownDelay);
        if (delay !== undefined && delay < watch) {
            ctx.addIssue({
                code: "custom",
                path: ["app", "scaleDownDelay"],
                input: c.app.scaleDownDelay,
                message: `is shorter than release.watch.duration (${c.release.watch.duration}): the colour a release leaves must stay warm through the stability watch, so that a rollback during it only moves traffic; set app.scaleDownDelay to at least ${c.release.watch.duration} or shorten release.watch.duration`,
            });
        }
        const sticky = c.canary.sticky;
        if (c.canary.cookie && sticky?.enabled && c.canary.cookie.name === sticky.cookieName) {
            ctx.addIssue({
                code: "custom",
                path: ["canary", "cookie", "name"],
                input: c.canary.cookie.name,
                message: "is also canary.sticky.cookieName; the opt-in cookie and the sticky bucket cookie need different names",
            });
        }
    });

export type RawStackConfig = z.input<typeof schema>;
export type ParsedStackConfig = z.output<typeof schema>;
