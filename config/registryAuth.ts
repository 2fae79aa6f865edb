import { z } from "zod";

/** Credentials of one image registry, as the docker provider's `registryAuth` takes them. */
export interface RegistryCredentials {
    readonly address: string;
    readonly username: string;
    readonly password: string;
}

const address = /^[a-zA-Z0-9.-]+(?::[0-9]{1,5})?$/;
const entry = z.strictObject({
    username: z.string({ error: "must be the registry user name" }).min(1, { error: "must be the registry user name" }),
    password: z.string({ error: "must be the registry password or token" }).min(1, { error: "must be the registry password or token" }),
});

/**
 * `switchyard:registryAuth`: `{ "<registry host[:port]>": { username, password } }`. The official
 * docker provider pulls only with these (never with the local `docker login`), so a private
 * registry needs an entry. The whole key must be a Pulumi secret; errors never echo a value.
 */
export function checkRegistryAuth(
    raw: unknown,
    isSecret: boolean,
    prefix: string,
): { credentials: RegistryCredentials[]; errors: string[] } {
    const key = `${prefix}:registryAuth`;
    const fix =
        `pulumi config set --secret --path 'registryAuth["registry.example.com"].password' TOKEN ` +
        `and pulumi config set --path 'registryAuth["registry.example.com"].username' USER`;
    if (raw === undefined || (raw !== null && typeof raw === "object" && !Array.isArray(raw) && Object.keys(raw).length === 0)) {
        return { credentials: [], errors: [] };
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        return {
            credentials: [],
            errors: [
                `${key}: must be a map of registry address to {username, password} (got a ${Array.isArray(raw) ? "list" : typeof raw}); set it with ${fix}`,
            ],
        };
    }
    const errors: string[] = [];
    if (!isSecret) {
        errors.push(
            `${key}: is stored in plain text; registry passwords must be Pulumi secrets. Fix: pulumi config rm registryAuth, then ${fix}`,
        );
    }
    const credentials: RegistryCredentials[] = [];
    for (const [addr, value] of Object.entries(raw as Record<string, unknown>)) {
        const at = `${key}["${addr}"]`;
        if (!address.test(addr)) {
            errors.push(`${at}: the key must be a registry address such as registry.example.com or 127.0.0.1:5000, without scheme or path`);
            continue;
        }
        const parsed = entry.safeParse(value);
        if (!parsed.success) {
            for (const issue of parsed.error.issues) {
                const where = issue.path.length > 0 ? `${at}.${issue.path.join(".")}` : at;
                const message =
                    issue.code === "unrecognized_keys"
                        ? `unknown key ${issue.keys.join(", ")}; allowed: username, password`
                        : issue.message;
                errors.push(`${where}: ${message}`);
            }
            continue;
        }
        credentials.push({ address: addr, ...parsed.data });
    }
    return { credentials: errors.length > 0 ? [] : credentials.sort((a, b) => a.address.localeCompare(b.address)), errors };
}
