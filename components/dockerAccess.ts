/**
 * How a host-side step (a local Command running `docker` on the machine that runs Pulumi: the
 * gates, the router apply, the migration, the backup, the Prometheus apply) reaches the Docker
 * host: DOCKER_HOST, and for a tcp:// host with TLS the client certificate. The PEM text travels
 * in the Command's environment as Pulumi secrets; runtime/docker-tls.js writes it to a private
 * temporary directory for the docker CLI and removes it afterwards. Never on argv, never printed.
 */
import * as pulumi from "@pulumi/pulumi";
import { DOCKER_TLS_ENV } from "../domain/dockerTls";
import { shellQuote } from "../domain/shell";
import { runtimeCommand } from "./runtimeCommand";

/** TLS client material for a tcp:// Docker host (PEM text, secrets). */
export interface DockerTlsInput {
    /** CA of the daemon's certificate. @default - the system roots */
    readonly caCert?: pulumi.Input<string>;
    readonly cert: pulumi.Input<string>;
    readonly key: pulumi.Input<string>;
}

/** A step's environment for the Docker host: DOCKER_HOST, plus the TLS material as secrets. */
export function dockerEnvironment(host: string, tls?: DockerTlsInput): Record<string, pulumi.Input<string>> {
    if (!tls) {
        return { DOCKER_HOST: host };
    }
    return {
        DOCKER_HOST: host,
        [DOCKER_TLS_ENV.cert]: pulumi.secret(tls.cert),
        [DOCKER_TLS_ENV.key]: pulumi.secret(tls.key),
        ...(tls.caCert !== undefined ? { [DOCKER_TLS_ENV.caCert]: pulumi.secret(tls.caCert) } : {}),
    };
}

/**
 * The step's command line: as it is without TLS (so stacks without TLS keep their commands), or
 * run by runtime/docker-tls.js, which gives it DOCKER_CERT_PATH and DOCKER_TLS_VERIFY.
 */
export function dockerCommand(cmd: string, tls?: DockerTlsInput): string {
    return tls ? `${runtimeCommand("docker-tls.js")} sh -c ${shellQuote(cmd)}` : cmd;
}
