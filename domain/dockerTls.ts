/**
 * The contract between the steps that run the docker CLI on this machine and runtime/docker-tls.js:
 * the variables that carry a tcp:// Docker host's TLS client certificate (PEM text) to it.
 */
export const DOCKER_TLS_ENV = {
    caCert: "SWITCHYARD_DOCKER_TLS_CA",
    cert: "SWITCHYARD_DOCKER_TLS_CERT",
    key: "SWITCHYARD_DOCKER_TLS_KEY",
} as const;

export interface DockerTlsPem {
    readonly caCert?: string;
    readonly cert: string;
    readonly key: string;
}

/** The variables for runtime/docker-tls.js; empty without TLS. */
export function dockerTlsEnv(tls: DockerTlsPem | undefined): Record<string, string> {
    if (!tls) {
        return {};
    }
    return {
        [DOCKER_TLS_ENV.cert]: tls.cert,
        [DOCKER_TLS_ENV.key]: tls.key,
        ...(tls.caCert !== undefined ? { [DOCKER_TLS_ENV.caCert]: tls.caCert } : {}),
    };
}
