import { z } from "zod";

/** TLS client material for a `tcp://` Docker host, as PEM text (the provider's *Material args). */
export interface DockerTlsMaterial {
    /** CA that signed the daemon's certificate. @default - the system roots */
    readonly caCert?: string;
    readonly cert: string;
    readonly key: string;
}

const pem = (label: RegExp, what: string) =>
    z
        .string({ error: `must be the ${what} as PEM text` })
        .refine((v) => label.test(v), { error: `must be the ${what} as PEM text (-----BEGIN ...-----); the value is not shown` });

const entry = z.strictObject({
    caCert: pem(/-----BEGIN CERTIFICATE-----/, "CA certificate").optional(),
    cert: pem(/-----BEGIN CERTIFICATE-----/, "client certificate"),
    key: pem(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "client private key"),
});

const SET =
    'pulumi config set --secret --path dockerTls.cert -- "$(cat cert.pem)", likewise dockerTls.key (key.pem) and dockerTls.caCert (ca.pem)';

/**
 * `switchyard:dockerTls`: `{caCert?, cert, key}`, the client certificate for `docker.host: tcp://...`.
 * A Docker daemon on plain tcp gives root on its host to anyone who reaches the port, so a tcp host
 * needs this key or an explicit `docker.insecure: true`. The whole key must be a Pulumi secret;
 * errors never echo a value. `docker` null: the rest of the config did not parse (only the map is checked).
 */
export function checkDockerTls(
    raw: unknown,
    isSecret: boolean,
    docker: { readonly host: string; readonly insecure: boolean; readonly hosts?: readonly { readonly host: string }[] } | null,
    prefix: string,
): { tls?: DockerTlsMaterial; errors: string[] } {
    const key = `${prefix}:dockerTls`;
    const errors: string[] = [];
    const unset = raw === undefined || (raw !== null && typeof raw === "object" && !Array.isArray(raw) && Object.keys(raw).length === 0);
    let tls: DockerTlsMaterial | undefined;
    if (!unset) {
        if (!isSecret) {
            errors.push(
                `${key}: is stored in plain text; a TLS private key must be a Pulumi secret. Fix: pulumi config rm dockerTls, then ${SET}`,
            );
        }
        const parsed = entry.safeParse(raw);
        if (parsed.success) {
            tls = parsed.data;
        } else {
            for (const issue of parsed.error.issues) {
                const where = issue.path.length > 0 ? `${key}.${issue.path.join(".")}` : key;
                const message =
                    issue.code === "unrecognized_keys"
                        ? `unknown key ${issue.keys.join(", ")}; allowed: caCert, cert, key`
                        : issue.path.length === 0
                          ? `must be {caCert?, cert, key} of PEM text; set it with ${SET}`
                          : issue.message;
                errors.push(`${where}: ${message}`);
            }
        }
    }
    if (docker === null) {
        return { errors };
    }
    // The single-host form names docker.host; the list form names each entry.
    const entries = docker.hosts
        ? docker.hosts.map((h, i) => ({ key: `docker.hosts[${i}].host`, host: h.host }))
        : [{ key: "docker.host", host: docker.host }];
    const tcp = entries.some((e) => e.host.startsWith("tcp://"));
    const which = docker.hosts ? "no entry of docker.hosts is tcp://" : `docker.host is ${docker.host}`;
    for (const e of entries) {
        if (e.host.startsWith("tcp://") && unset && !docker.insecure) {
            errors.push(
                `${prefix}:${e.key}: ${e.host} has no TLS; a Docker daemon on plain tcp gives root on its host to anyone who reaches the port. ` +
                    `Fix: give the client certificate: ${SET}; or use ssh://user@host; only on a trusted, isolated network: pulumi config set --path docker.insecure true`,
            );
        }
    }
    if (!tcp && !unset) {
        errors.push(`${key}: applies to tcp:// hosts only (${which}, which TLS does not protect); remove it: pulumi config rm dockerTls`);
    }
    if (docker.insecure && !tcp) {
        errors.push(`${prefix}:docker.insecure: allows plain tcp:// only (${which}); remove it: pulumi config rm --path docker.insecure`);
    }
    if (docker.insecure && tcp && !unset) {
        errors.push(
            `${prefix}:docker.insecure: true contradicts the TLS certificate in dockerTls; remove it: pulumi config rm --path docker.insecure`,
        );
    }
    return { tls: errors.length > 0 ? undefined : tls, errors };
}
