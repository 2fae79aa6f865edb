/**
 * Environment the stack must not run with: a `DOCKER_CONTEXT` (the docker provider takes it over
 * its configured host) and, for any stack but `local`, switchyard's documented local passphrase
 * (its salt would land in the stack file and every secret of the stack would be readable).
 */
export interface StackEnvironment {
    DOCKER_CONTEXT?: string;
    PULUMI_CONFIG_PASSPHRASE?: string;
}

/** The stack `scripts/up.sh` creates, and the only one the documented passphrase is for. */
export const LOCAL_STACK = "local";
/** Documented in README: it protects nothing but the local stack's test secrets. */
export const LOCAL_PASSPHRASE = "switchyard-local-only";

export function checkEnvironment(env: StackEnvironment, dockerHost?: string, stack?: string): string[] {
    const problems: string[] = [];
    const ctx = env.DOCKER_CONTEXT;
    if (ctx !== undefined && ctx !== "") {
        problems.push(
            `DOCKER_CONTEXT=${JSON.stringify(ctx)} is set in the environment: the docker provider would use that context's daemon ` +
                `instead of switchyard:docker.host${dockerHost ? ` (${dockerHost})` : ""}. Nothing was changed. ` +
                "Fix: unset DOCKER_CONTEXT (switchyard takes the daemon from switchyard:docker.host only)",
        );
    }
    if (stack !== undefined && stack !== LOCAL_STACK && env.PULUMI_CONFIG_PASSPHRASE === LOCAL_PASSPHRASE) {
        problems.push(
            `PULUMI_CONFIG_PASSPHRASE is switchyard's documented local passphrase, which is for the stack '${LOCAL_STACK}' only: ` +
                `stack '${stack}' would keep its secrets under a passphrase anyone can read in the README. Nothing was changed. ` +
                "Fix: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to a passphrase of your own, or use a secrets " +
                `provider; a stack already created with it moves with \`pulumi stack change-secrets-provider passphrase --stack ${stack}\` ` +
                '(README "Secrets and passphrases")',
        );
    }
    return problems;
}
