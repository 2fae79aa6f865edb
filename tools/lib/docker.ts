/** The docker CLI against a given daemon (these are Docker calls, not Pulumi ones). */
import { runtimeFile } from "../../components/runtimeCommand";
import { DOCKER_TLS_ENV } from "../../domain/dockerTls";
import { sh } from "./shell";

/**
 * `tls`: a tcp:// host's client certificate as runtime/docker-tls.js takes it (domain/dockerTls.ts
 * dockerTlsEnv); the docker CLI then runs under that file, which gives it the PEM as private files.
 */
export function docker(
    dockerHost: string,
    args: string[],
    tls: Readonly<Record<string, string>> = {},
    opts: { input?: string; timeoutMs?: number } = {},
): { code: number; out: string; err: string } {
    // DOCKER_CONTEXT would win over DOCKER_HOST (the commands refuse it before they start).
    const env: Record<string, string | undefined> = { ...process.env, DOCKER_HOST: dockerHost, DOCKER_CONTEXT: undefined, ...tls };
    return DOCKER_TLS_ENV.cert in tls
        ? sh(process.execPath, [runtimeFile("docker-tls.js"), "docker", ...args], env, opts)
        : sh("docker", args, env, opts);
}
