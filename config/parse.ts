import { z } from "zod";
import { Color, COLORS } from "../domain/color";
import { parseDuration } from "../domain/duration";
import { imageTag, parseReleaseVersion, ReleaseVersion } from "../domain/version";
import { toPermille } from "../domain/weights";
import { BackupSettings, checkBackupSecrets, MigrationSettings, withStackDefaults } from "./backup";
import { checkDatabase, DatabaseSettings } from "./database";
import { checkGrafanaToken, MonitoringConfig, withGrafanaToken } from "./monitoring";
import { credentialMessage, findCredentials } from "./credentials";
import { DEFAULT_DOCKER_HOST, DockerHostEntry } from "./dockerHosts";
import { checkDockerTls, DockerTlsMaterial } from "./dockerTls";
import { checkEnvironment, StackEnvironment } from "./environment";
import { checkNotificationSecrets } from "./notifications";
import { checkRegistryAuth, RegistryCredentials } from "./registryAuth";
import type { ReleaseSettings } from "./release";
import { ParsedStackConfig, schema } from "./schema";
import { scrubber, stringLeaves } from "../domain/scrub";

export const NAMESPACE = "switchyard";

/** Keys whose whole value must be a Pulumi secret (`pulumi config set --secret --path ...`). */
export const SECRET_KEYS = ["secretEnv", "backupSecrets", "grafanaToken", "registryAuth", "dockerTls", "notificationSecrets"] as const;

/** The validated config the program passes down. Plain values; secrets are kept apart. */
export interface StackConfig {
    readonly stack: string;
    readonly activeColor: Color;
    readonly colors: Readonly<
        Record<
            Color,
            {
                readonly version: ReleaseVersion;
                readonly image: string;
                /** Env for this colour only, over app.env (e.g. a feature flag on the canary). */
                readonly env: Readonly<Record<string, string>>;
                /** Apply shared settings to this colour even while it is live. */
                readonly roll: boolean;
                /** Reason for a version change on this colour while it is live. @default - none: refused */
                readonly emergencyOverride?: { readonly reason: string };
            }
        >
    >;
    readonly canary: {
        /** Canary share in permille (weight 10.5% -> 105). */
        readonly permille: number;
        readonly header?: { readonly name: string; readonly value?: string };
        readonly cookie?: { readonly name: string };
        readonly sticky?: { readonly cookieName: string; readonly maxAgeSeconds: number };
    };
    readonly app: ParsedStackConfig["app"];
    /**
     * The idle colour's scale-down (app.idleReplicas, app.scaleDownDelay): containers it keeps, and
     * after how long (ms; the default is release.watch.duration + 5m).
     */
    readonly scaleDown: { readonly idleReplicas: number; readonly delayMs: number };
    /** Names of the secret env vars (values travel separately, as a Pulumi secret). */
    readonly secretEnvNames: readonly string[];
    readonly docker: Omit<ParsedStackConfig["docker"], "host" | "hosts" | "network"> & {
        /** The Docker host: docker.host (default unix:///var/run/docker.sock), or the first of docker.hosts. */
        readonly host: string;
        /** docker.hosts as configured. @default - unset: the single-host form, `host` */
        readonly hosts?: readonly DockerHostEntry[];
        readonly network: string;
    };
    /** `tag`: the router image's tag (its version label in metrics). */
    readonly router: ParsedStackConfig["router"] & { readonly tag: string };
    readonly gates: ParsedStackConfig["gates"];
    /** Emergency override of the deployment window, with its reason. @default - none */
    readonly deploymentWindow: ParsedStackConfig["deploymentWindow"];
    /** Pre-deploy backup; database URLs are not here (secret `backupSecrets`). @default - none */
    readonly backup?: BackupSettings;
    /** Migration hook. @default - none */
    readonly migration?: MigrationSettings;
    /** The PostgreSQL container the stack runs (its credentials are backupSecrets.<source>). @default - none */
    readonly database?: DatabaseSettings;
    /** Prometheus, alert rules and Grafana provisioning (config/monitoring.ts); grafana.push carries the
     * token of the secret `grafanaToken` (MonitoringStack passes it on only as a Pulumi secret). @default - disabled */
    readonly monitoring: MonitoringConfig;
    /** Release and rollback notifications; URLs and tokens are in ConfigResult.notificationSecrets. @default - no sinks */
    readonly notifications: ParsedStackConfig["notifications"];
    /** Where deployment records are kept. @default - not kept */
    readonly records: ParsedStackConfig["records"];
    /** The newest deployment record's id (stack output latestRecord). @default - none */
    readonly latestRecord?: string;
    /** The plan of `switchyard release` (config/release.ts). */
    readonly release: ReleaseSettings;
}

export type ConfigResult =
    | {
          ok: true;
          config: StackConfig;
          secretEnv: Record<string, string>;
          backupSecrets: Record<string, string>;
          registryAuth: RegistryCredentials[];
          /** Webhook URL or bot token per notifications sink (the operator commands, and the backup runner for a failed run). */
          notificationSecrets: Record<string, string>;
          /** Client certificate for a tcp:// docker.host. @default - none */
          dockerTls?: DockerTlsMaterial;
      }
    | { ok: false; errors: string[] };

/**
 * The `switchyard:*` entries of a full config map (`namespace:key` -> value as Pulumi holds it: objects
 * as JSON text), keyed without the namespace, as parseStackConfig takes them; `isSecret` says which
 * keys were set with --secret. The program passes the engine's config, `switchyard backup` the
 * Automation API's getAllConfig.
 */
export function rawStackConfig(
    all: Readonly<Record<string, string>>,
    isSecret: (fullKey: string) => boolean,
): { raw: Record<string, unknown>; secretKeys: Set<string> } {
    const prefix = `${NAMESPACE}:`;
    const raw: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) {
            continue;
        }
        const key = fullKey.slice(prefix.length);
        raw[key] = parseValue(value);
        if (isSecret(fullKey)) {
            secretKeys.add(key);
        }
    }
    return { raw, secretKeys };
}

/** Pulumi hands objects as JSON text and scalars as plain text. */
function parseValue(value: string): unknown {
    const t = value.trim();
    if (t.startsWith("{") || t.startsWith("[")) {
        try {
            return JSON.parse(t);
        } catch {
            return value;
        }
    }
    return value;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
    let cur: unknown = raw;
    for (const k of path) {
        if (cur === null || typeof cur !== "object") {
            return undefined;
        }
        cur = (cur as Record<PropertyKey, unknown>)[k];
    }
    return cur;
}

function show(v: unknown): string {
    if (v === undefined) {
        return "nothing (unset)";
    }
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function keyName(path: readonly PropertyKey[]): string {
    if (path.length === 0) {
        return NAMESPACE;
    }
    const [head, ...rest] = path.map(String);
    return `${NAMESPACE}:${head}${rest.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join("")}`;
}

/** The single host of the single-host form, or the first of docker.hosts. */
function dockerHostOf(docker: { readonly host?: string; readonly hosts?: readonly { readonly host: string }[] }): string {
    return docker.hosts?.[0]?.host ?? docker.host ?? DEFAULT_DOCKER_HOST;
}

/** Keys a strict object of the schema accepts at `path` (for "unknown key" messages). */
function allowedKeysAt(path: readonly PropertyKey[]): string[] {
    let s: unknown = schema;
    const step = (x: unknown): unknown => {
        // Look through default/prefault/optional/pipe wrappers to the object or array inside.
        for (let i = 0; i < 10 && x && typeof x === "object"; i++) {
            const def = (x as { def?: { innerType?: unknown; out?: unknown; type?: string } }).def;
            if (!def) {
                break;
            }
            if (def.innerType) {
                x = def.innerType;
            } else if (def.type === "pipe") {
                x = def.out;
            } else {
                break;
            }
        }
        return x;
    };
    for (const k of path) {
        s = step(s);
        const shape = (s as { shape?: Record<string, unknown> }).shape;
        const element = (s as { def?: { element?: unknown } }).def?.element;
        s = shape ? shape[String(k)] : element;
    }
    s = step(s);
    const shape = (s as { shape?: Record<string, unknown> } | undefined)?.shape;
    // At the top, the secret keys (read apart from the schema) are allowed too.
    return [...(shape ? Object.keys(shape) : []), ...(path.length === 0 ? SECRET_KEYS : [])];
}

/** A path at, inside or around one of `hidden` (values never shown there). */
function overlaps(path: readonly PropertyKey[], hidden: readonly (readonly PropertyKey[])[]): boolean {
    return hidden.some(
        (h) =>
            h.slice(0, path.length).every((k, i) => String(k) === String(path[i])) ||
            path.slice(0, h.length).every((k, i) => String(k) === String(h[i])),
    );
}

/** `hidden`: paths whose values must not be echoed (secret keys, credential look-alikes). */
function formatIssue(raw: unknown, issue: z.core.$ZodIssue, hidden: readonly (readonly PropertyKey[])[]): string[] {
    const got = (path: readonly PropertyKey[]) => (overlaps(path, hidden) ? "a value that is not shown" : show(valueAt(raw, path)));
    if (issue.code === "unrecognized_keys") {
        const allowed = allowedKeysAt(issue.path);
        return issue.keys.map(
            (k) =>
                `${keyName([...issue.path, k])}: unknown key (got ${got([...issue.path, k])}); ` +
                `allowed keys here: ${allowed.join(", ")}. Remove it or fix the spelling: pulumi config rm --path '${keyName([...issue.path, k]).slice(NAMESPACE.length + 1)}'`,
        );
    }
    // A bad record key: the key schema's own message says what names are allowed.
    const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return [`${keyName(issue.path)}: ${message} (got ${got(issue.path)})`];
}

/**
 * Validates the raw `switchyard:*` config of a stack. `raw` maps each key (without namespace) to its
 * value as Pulumi holds it (objects parsed from JSON); `secretKeys` are the keys set with --secret.
 * Returns every problem at once; nothing is partially applied.
 */
export function parseStackConfig(
    stack: string,
    raw: Record<string, unknown>,
    secretKeys: ReadonlySet<string>,
    env: StackEnvironment = {},
): ConfigResult {
    const r = checkStackConfig(stack, raw, secretKeys, env);
    if (r.ok) {
        return r;
    }
    // Whatever check wrote a message, no value set with --secret reaches it, whatever its key.
    const scrub = scrubber([...secretKeys].flatMap((k) => stringLeaves(raw[k])));
    return { ok: false, errors: r.errors.map(scrub) };
}

function checkStackConfig(
    stack: string,
    raw: Record<string, unknown>,
    secretKeys: ReadonlySet<string>,
    env: StackEnvironment,
): ConfigResult {
    const errors: string[] = [];
    const {
        secretEnv: rawSecretEnv,
        backupSecrets: rawBackupSecrets,
        grafanaToken: rawGrafanaToken,
        registryAuth: rawRegistryAuth,
        dockerTls: rawDockerTls,
        notificationSecrets: rawNotificationSecrets,
        ...rest
    } = raw;

    // Plain keys only; a key set with --secret that the schema does not know gets "unknown key" alone.
    const known = new Set(Object.keys(schema.shape));
    const plain = Object.fromEntries(Object.entries(rest).filter(([k]) => known.has(k) || !secretKeys.has(k)));
    const credentials = findCredentials(plain);
    // Never echo: keys set with --secret, keys one typo from a secret key, credential look-alikes.
    const hidden: PropertyKey[][] = [
        ...Object.keys(rest)
            .filter((k) => secretKeys.has(k) || SECRET_KEYS.some((s) => nearlyEqual(k, s)))
            .map((k) => [k]),
        ...credentials.map((f) => [...f.path]),
    ];

    const parsed = schema.safeParse(rest);
    const docker = parsed.success ? { ...parsed.data.docker, host: dockerHostOf(parsed.data.docker) } : null;
    errors.push(...checkEnvironment(env, docker?.host, stack));
    const registryAuth = checkRegistryAuth(rawRegistryAuth, secretKeys.has("registryAuth"), NAMESPACE);
    errors.push(...registryAuth.errors);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            errors.push(...formatIssue(rest, issue, hidden));
        }
    }
    errors.push(...credentials.map((f) => credentialMessage(keyName(f.path), f)));
    const dockerTls = checkDockerTls(rawDockerTls, secretKeys.has("dockerTls"), docker, NAMESPACE);
    errors.push(...dockerTls.errors);

    const secretEnv: Record<string, string> = {};
    const emptyMap =
        rawSecretEnv !== null && typeof rawSecretEnv === "object" && !Array.isArray(rawSecretEnv) && Object.keys(rawSecretEnv).length === 0;
    if (rawSecretEnv !== undefined) {
        // Pulumi.yaml's default `{}` holds nothing secret; any entry must have been set with --secret.
        if (!secretKeys.has("secretEnv") && !emptyMap) {
            errors.push(
                `${NAMESPACE}:secretEnv: is stored in plain text; secret env values must be Pulumi secrets. ` +
                    `Fix: pulumi config rm secretEnv, then pulumi config set --secret --path 'secretEnv.NAME' VALUE for each variable`,
            );
        }
        if (rawSecretEnv === null || typeof rawSecretEnv !== "object" || Array.isArray(rawSecretEnv)) {
            errors.push(
                `${NAMESPACE}:secretEnv: must be a map of NAME to value (got a ${Array.isArray(rawSecretEnv) ? "list" : typeof rawSecretEnv}); ` +
                    "set entries with pulumi config set --secret --path 'secretEnv.NAME' VALUE",
            );
        } else {
            for (const [k, v] of Object.entries(rawSecretEnv as Record<string, unknown>)) {
                if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
                    errors.push(`${NAMESPACE}:secretEnv.${k}: env names are [A-Za-z_][A-Za-z0-9_]* (got the name ${JSON.stringify(k)})`);
                } else if (typeof v !== "string") {
                    errors.push(`${NAMESPACE}:secretEnv.${k}: must be a string (got a ${typeof v})`);
                } else {
                    secretEnv[k] = v;
                }
            }
        }
    }

    // backupSecrets: like secretEnv, the whole map must be a Pulumi secret (database URLs hold passwords).
    const emptyBackupSecrets =
        rawBackupSecrets !== null &&
        typeof rawBackupSecrets === "object" &&
        !Array.isArray(rawBackupSecrets) &&
        Object.keys(rawBackupSecrets).length === 0;
    if (rawBackupSecrets !== undefined && !emptyBackupSecrets && !secretKeys.has("backupSecrets")) {
        errors.push(
            `${NAMESPACE}:backupSecrets: is stored in plain text; database URLs must be Pulumi secrets. ` +
                `Fix: pulumi config rm backupSecrets, then pulumi config set --secret --path 'backupSecrets.NAME' postgres://user:password@host:5432/db`,
        );
    }
    const backupSecretsCheck = checkBackupSecrets(rawBackupSecrets, parsed.success ? parsed.data.backup : null, NAMESPACE);
    errors.push(...backupSecretsCheck.errors);
    // grafanaToken: like secretEnv, a Pulumi secret (Pulumi.yaml's default "" means unset).
    const grafanaTokenCheck = checkGrafanaToken(
        rawGrafanaToken,
        secretKeys.has("grafanaToken"),
        parsed.success ? parsed.data.monitoring : null,
        NAMESPACE,
    );
    errors.push(...grafanaTokenCheck.errors);
    const notificationSecretsCheck = checkNotificationSecrets(
        rawNotificationSecrets,
        secretKeys.has("notificationSecrets"),
        parsed.success ? parsed.data.notifications : null,
        NAMESPACE,
    );
    errors.push(...notificationSecretsCheck.errors);
    // Switchyard's own volumes (router config, Prometheus): an app mounting them could rewrite routing or alerts.
    if (parsed.success) {
        parsed.data.app.volumes.forEach((v, i) => {
            if (v.name.startsWith(`${stack}-router-`) || v.name.startsWith(`${stack}-prometheus-`)) {
                errors.push(
                    `${NAMESPACE}:app.volumes[${i}].name: ${JSON.stringify(v.name)} is a volume switchyard manages (router or Prometheus config/data); ` +
                        "give the app a volume of its own, e.g. " +
                        `${stack}-${parsed.data.app.name}-data`,
                );
            }
        });
    }
    const databaseCheck = parsed.success
        ? checkDatabase(parsed.data.database, parsed.data.backup, backupSecretsCheck.secrets, stack, NAMESPACE)
        : undefined;
    errors.push(...(databaseCheck?.errors ?? []));
    if (parsed.success && parsed.data.migration && !parsed.data.backup) {
        errors.push(
            `${NAMESPACE}:migration: needs switchyard:backup (got migration without backup); a migration changes data, ` +
                "so switchyard takes a verified snapshot first. Fix: set backup.target and backup.postgres, or remove migration",
        );
    }

    if (!parsed.success || errors.length > 0) {
        return { ok: false, errors };
    }
    const c = parsed.data;
    for (const name of Object.keys(secretEnv)) {
        for (const [key, env] of [
            ["app.env", c.app.env],
            ["colors.blue.env", c.colors.blue.env],
            ["colors.green.env", c.colors.green.env],
        ] as const) {
            if (name in env) {
                errors.push(
                    `${NAMESPACE}:${key}.${name}: also set in secretEnv; keep one (the secret). Fix: pulumi config rm --path '${key}.${name}'`,
                );
            }
        }
    }
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(stack)) {
        errors.push(`stack name '${stack}' must be letters, digits, '_', '.', '-' (it names containers and deployment ids)`);
    }
    if (errors.length > 0) {
        return { ok: false, errors };
    }

    const version = (col: Color): ReleaseVersion => {
        const r = parseReleaseVersion(c.colors[col].version);
        if (!r.ok) {
            throw new Error(`unreachable: schema accepted version ${c.colors[col].version}`);
        }
        return r.version;
    };
    const colorOf = (col: Color) => ({
        version: version(col),
        image: "",
        env: c.colors[col].env,
        roll: c.colors[col].roll,
        ...(c.colors[col].emergencyOverride ? { emergencyOverride: c.colors[col].emergencyOverride } : {}),
    });
    const colors = { blue: colorOf("blue"), green: colorOf("green") };
    for (const col of COLORS) {
        colors[col].image = `${c.app.image}:${imageTag(colors[col].version, c.app.tagPrefix)}`;
    }
    const sticky =
        c.canary.sticky && c.canary.sticky.enabled
            ? { cookieName: c.canary.sticky.cookieName, maxAgeSeconds: c.canary.sticky.maxAgeSeconds }
            : undefined;
    return {
        ok: true,
        secretEnv,
        backupSecrets: backupSecretsCheck.secrets,
        registryAuth: registryAuth.credentials,
        notificationSecrets: notificationSecretsCheck.secrets,
        ...(dockerTls.tls ? { dockerTls: dockerTls.tls } : {}),
        config: {
            stack,
            activeColor: c.activeColor,
            colors,
            canary: { permille: toPermille(c.canary.weight), header: c.canary.header, cookie: c.canary.cookie, sticky },
            app: c.app,
            scaleDown: { idleReplicas: c.app.idleReplicas, delayMs: scaleDownDelayMs(c.app.scaleDownDelay, c.release.watch.duration) },
            secretEnvNames: Object.keys(secretEnv).sort(),
            docker: { ...c.docker, host: dockerHostOf(c.docker), network: c.docker.network ?? `${stack}-${c.app.name}` },
            router: { ...c.router, tag: c.router.image.slice(c.router.image.lastIndexOf(":") + 1) },
            gates: c.gates,
            deploymentWindow: c.deploymentWindow,
            ...(c.backup ? { backup: withStackDefaults(databaseCheck?.backup ?? c.backup, stack) } : {}),
            ...(databaseCheck?.database ? { database: databaseCheck.database } : {}),
            ...(c.migration ? { migration: c.migration } : {}),
            monitoring: withGrafanaToken(c.monitoring, grafanaTokenCheck.token),
            notifications: c.notifications,
            records: c.records,
            ...(c.latestRecord ? { latestRecord: c.latestRecord } : {}),
            release: c.release,
        },
    };
}

/** app.scaleDownDelay in ms; unset: long enough for the release driver's stability watch and a decision after it. */
function scaleDownDelayMs(delay: string | undefined, watch: string): number {
    const ms = delay === undefined ? undefined : parseDuration(delay);
    return ms ?? (parseDuration(watch) ?? 0) + SCALE_DOWN_MARGIN_MS;
}

/** Added to release.watch.duration when app.scaleDownDelay is unset. */
export const SCALE_DOWN_MARGIN_MS = 5 * 60_000;

/** Equal up to one edit (a typo): `secretEnvs`, `secretenv`, `backupSecret`. */
function nearlyEqual(a: string, b: string): boolean {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    if (Math.abs(x.length - y.length) > 1) {
        return false;
    }
    let i = 0;
    while (i < x.length && i < y.length && x[i] === y[i]) {
        i++;
    }
    // Substitution, insertion, deletion or transposition at the first difference.
    return (
        x.slice(i + 1) === y.slice(i + 1) ||
        x.slice(i) === y.slice(i + 1) ||
        x.slice(i + 1) === y.slice(i) ||
        (x[i] === y[i + 1] && x[i + 1] === y[i] && x.slice(i + 2) === y.slice(i + 2))
    );
}
