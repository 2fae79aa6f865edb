/**
 * Environment that would send the docker provider somewhere else than `docker.host`: the
 * provider takes `DOCKER_CONTEXT` over its configured host, so a stray one is refused.
 */
export function checkEnvironment(env: { DOCKER_CONTEXT?: string }, dockerHost?: string): string[] {
    const ctx = env.DOCKER_CONTEXT;
    if (ctx === undefined || ctx === "") {
        return [];
    }
    return [
        `DOCKER_CONTEXT=${JSON.stringify(ctx)} is set in the environment: the docker provider would use that context's daemon ` +
            `instead of switchyard:docker.host${dockerHost ? ` (${dockerHost})` : ""}. Nothing was changed. ` +
            "Fix: unset DOCKER_CONTEXT (switchyard takes the daemon from switchyard:docker.host only)",
    ];
}
