/** The docker CLI against a given daemon (these are Docker calls, not Pulumi ones). */
import { sh } from "./shell";

export function docker(dockerHost: string, args: string[]): { code: number; out: string; err: string } {
    // DOCKER_CONTEXT would win over DOCKER_HOST (the commands refuse it before they start).
    const env: Record<string, string | undefined> = { ...process.env, DOCKER_HOST: dockerHost, DOCKER_CONTEXT: undefined };
    return sh("docker", args, env);
}
