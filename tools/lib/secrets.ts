/**
 * `stack.exportStack()` runs `pulumi stack export --show-secrets`: every secret comes back in plain
 * text. Commands pass the export through `stripSecrets` as soon as they read it and never keep,
 * print or write the raw export.
 */
import type { DockerTlsPem } from "../../domain/dockerTls";
import { stringLeaves } from "../../domain/scrub";

/** The key that marks a special value (secret, asset, archive, resource reference) in Pulumi state. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_PLACEHOLDER = "[secret]";

/** A deep copy of `value` with every object carrying SIG_KEY replaced by SECRET_PLACEHOLDER. */
export function stripSecrets<T>(value: T): T {
    return strip(value) as T;
}

function strip(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(strip);
    }
    if (value !== null && typeof value === "object") {
        if (Object.prototype.hasOwnProperty.call(value, SIG_KEY)) {
            return SECRET_PLACEHOLDER;
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strip(v)]));
    }
    return value;
}

/**
 * The values of a stack's config keys set with --secret, as the Automation API's getAllConfig
 * returns them (in plain text; objects as JSON text): each whole value and every string inside it.
 */
export function configSecrets(config: Readonly<Record<string, { value: string; secret?: boolean }>>): string[] {
    return Object.values(config)
        .filter((v) => v.secret)
        .flatMap((v) => {
            try {
                return [v.value, ...stringLeaves(JSON.parse(v.value))];
            } catch {
                return [v.value];
            }
        });
}

/** `switchyard:dockerTls` of a config map, when it is a secret holding cert and key (validated by the program before use). */
export function configDockerTls(config: Readonly<Record<string, { value: string; secret?: boolean }>>): DockerTlsPem | undefined {
    const v = config["switchyard:dockerTls"];
    if (!v?.secret) {
        return undefined;
    }
    try {
        const t = JSON.parse(v.value) as Partial<Record<keyof DockerTlsPem, unknown>>;
        if (typeof t.cert !== "string" || typeof t.key !== "string") {
            return undefined;
        }
        return { cert: t.cert, key: t.key, ...(typeof t.caCert === "string" ? { caCert: t.caCert } : {}) };
    } catch {
        return undefined;
    }
}
