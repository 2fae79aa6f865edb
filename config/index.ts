import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, rawStackConfig, StackConfig } from "./parse";
import { RegistryCredentials } from "./registryAuth";

export { NAMESPACE, parseStackConfig, rawStackConfig } from "./parse";
export type { StackConfig } from "./parse";
export type { DockerHostEntry } from "./dockerHosts";

/** What the program gets: the validated config, and the secret env as a Pulumi secret. */
export interface LoadedConfig {
    readonly config: StackConfig & { readonly monitoring: { readonly grafana: { readonly provisioningDir: string } } };
    readonly secretEnv: pulumi.Output<Record<string, string>>;
    /** Database URLs of the backup sources (`switchyard:backupSecrets`), as a Pulumi secret. */
    readonly backupSecrets: pulumi.Output<Record<string, string>>;
    /** Webhook URL or bot token per notification sink (`switchyard:notificationSecrets`), as a Pulumi secret. */
    readonly notificationSecrets: pulumi.Output<Record<string, string>>;
    /** Registry credentials for the docker provider (`switchyard:registryAuth`), as a Pulumi secret. @default - none */
    readonly registryAuth?: pulumi.Output<RegistryCredentials[]>;
    /** TLS client material for a tcp:// docker.host (`switchyard:dockerTls`), each a Pulumi secret. @default - none */
    readonly dockerTls?: {
        readonly caCert?: pulumi.Output<string>;
        readonly cert: pulumi.Output<string>;
        readonly key: pulumi.Output<string>;
    };
}

/** The engine's list of secret config keys; internal to the SDK, so reached defensively. */
function isConfigSecret(fullKey: string): boolean {
    const rt = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    return typeof rt.isConfigSecret === "function" ? rt.isConfigSecret(fullKey) : false;
}

/**
 * Reads the `switchyard:*` config once, validates it, and fails before any resource is registered
 * with one line per problem. Values are read raw here only to validate them; secret values leave
 * this function wrapped in `pulumi.secret`.
 */
export function loadConfig(): LoadedConfig {
    const { raw, secretKeys } = rawStackConfig(pulumi.runtime.allConfig(), isConfigSecret);
    const result = parseStackConfig(pulumi.getStack(), raw, secretKeys, {
        DOCKER_CONTEXT: process.env.DOCKER_CONTEXT,
        PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE,
    });
    if (!result.ok) {
        throw new pulumi.RunError(`switchyard: the stack config is invalid; nothing was changed.\n  - ${result.errors.join("\n  - ")}`);
    }
    // Relative paths in config are the project's: the program runs in the project directory.
    const m = result.config.monitoring;
    const provisioningDir = path.resolve(m.grafana.provisioningDir ?? `.switchyard/grafana/${result.config.stack}`);
    return {
        config: { ...result.config, monitoring: { ...m, grafana: { ...m.grafana, provisioningDir } } },
        secretEnv: pulumi.secret(result.secretEnv),
        backupSecrets: pulumi.secret(result.backupSecrets),
        notificationSecrets: pulumi.secret(result.notificationSecrets),
        // None: the provider's inputs stay as they were, so stacks without a registry see no change.
        registryAuth: result.registryAuth.length > 0 ? pulumi.secret(result.registryAuth) : undefined,
        dockerTls: result.dockerTls
            ? {
                  caCert: result.dockerTls.caCert !== undefined ? pulumi.secret(result.dockerTls.caCert) : undefined,
                  cert: pulumi.secret(result.dockerTls.cert),
                  key: pulumi.secret(result.dockerTls.key),
              }
            : undefined,
    };
}
