/**
 * MigrationHook: runs the configured migration once per release of a colour, in a one-off container
 * of that colour's new image on the app network, before the colour's containers change. Once per
 * release, failure and secrets: docs/decisions.md "Migration hook".
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { dockerCommand, dockerEnvironment, DockerTlsInput } from "../dockerAccess";
import { LABELS, ROLES } from "../../domain/labels";
import { runtimeCommand } from "../runtimeCommand";

export interface MigrationHookArgs {
    /** Colour being released (names the one-off container). */
    color: string;
    /** Stack name (prefixes the container name). */
    stack: string;
    /** App name (container name, like the colour's containers). */
    app: string;
    /** The colour's new version (shown in messages and recorded). */
    version: string;
    /** The colour's new image `repository:tag`; it must already be on the Docker host. */
    image: string;
    /** The colour's deployment id: changes only when its version changes. */
    deploymentId: pulumi.Input<string>;
    /** argv of the migration; the first item replaces the image's entrypoint. */
    command: string[];
    /** argv of the down-migration, recorded for rollback (never run here). @default - none */
    down?: string[];
    /** Docker network to run on (the app network). */
    networkName: pulumi.Input<string>;
    /** Plain env (app env, colour env, switchyard's own variables). @default {} */
    env?: Record<string, string>;
    /** Secret env (names are visible, values are not). @default - none */
    secretEnv?: pulumi.Input<Record<string, string>>;
    /** Names of the secret env variables (plain, known when the program is built). @default [] */
    secretEnvNames?: readonly string[];
    /** Docker endpoint (DOCKER_HOST). */
    dockerHost: string;
    /** TLS client certificate for a tcp:// Docker host (secrets). @default - none */
    dockerTls?: DockerTlsInput;
    /** Kill the migration after this long. @default 600 */
    timeoutSeconds?: number;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Env names the hook itself uses (with SWITCHYARD_MIGRATION_*); the app may not override them. */
const RESERVED = ["DOCKER_HOST", "PATH", "HOME", "PULUMI_COMMAND_STDOUT", "PULUMI_COMMAND_STDERR"];

export class MigrationHook extends pulumi.ComponentResource {
    /** The migration's output (secret): first line is the run marker. */
    public readonly output: pulumi.Output<string>;
    /** What a rollback of this release may run: image and down argv (null when not configured). */
    public readonly record: pulumi.Output<{ image: string; version: string; up: string[]; down: string[] | null; deploymentId: string }>;
    public readonly command: command.local.Command;

    constructor(name: string, args: MigrationHookArgs, opts?: pulumi.ComponentResourceOptions) {
        if (args.command.length === 0 || args.command.some((x) => x.length === 0)) {
            throw new Error(
                `MigrationHook ${name}: command must be a non-empty list of non-empty strings (argv), got ${JSON.stringify(args.command)}`,
            );
        }
        const env = args.env ?? {};
        const secretNames = [...(args.secretEnvNames ?? [])];
        for (const n of [...Object.keys(env), ...secretNames]) {
            if (!ENV_NAME.test(n) || RESERVED.includes(n) || n.startsWith("SWITCHYARD_MIGRATION_")) {
                throw new Error(
                    `MigrationHook ${name}: env name '${n}' cannot be passed to the migration; ` +
                        `names are [A-Za-z_][A-Za-z0-9_]* and not ${RESERVED.join(", ")} or SWITCHYARD_MIGRATION_*`,
                );
            }
        }
        const timeoutSeconds = args.timeoutSeconds ?? 600;
        if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
            throw new Error(`MigrationHook ${name}: timeoutSeconds must be a whole number >= 1, got ${timeoutSeconds}`);
        }
        super("switchyard:release:MigrationHook", name, {}, opts);

        // runtime/migration.js reads everything from its environment: no value becomes code.
        const hook: Record<string, string> = {
            SWITCHYARD_MIGRATION_CONTAINER: `${args.stack}-${args.app}-migrate-${args.color}`,
            SWITCHYARD_MIGRATION_IMAGE: args.image,
            SWITCHYARD_MIGRATION_ARGV: JSON.stringify(args.command),
            SWITCHYARD_MIGRATION_LABELS: JSON.stringify({
                [LABELS.stack]: args.stack,
                [LABELS.color]: args.color,
                [LABELS.version]: args.version,
                [LABELS.role]: ROLES.migration,
            }),
            SWITCHYARD_MIGRATION_TIMEOUT: String(timeoutSeconds),
            SWITCHYARD_MIGRATION_WHAT: `'${args.command.join(" ")}' for ${args.color} ${args.version} (image ${args.image})`,
        };
        const environment = pulumi.all([args.secretEnv ?? {}, args.deploymentId, args.networkName]).apply(([secret, id, net]) => {
            const e: Record<string, string> = { ...env };
            for (const n of secretNames) {
                if (typeof secret[n] !== "string") {
                    throw new Error(`MigrationHook ${name}: secret env '${n}' has no value`);
                }
                e[n] = secret[n];
            }
            // The app's variables reach only the docker client (and the container, by name), never
            // the hook's own node process (NODE_OPTIONS and the like stay the app's).
            return {
                ...hook,
                // Sorted: the same variables always give the same input.
                SWITCHYARD_MIGRATION_ENV: JSON.stringify(Object.fromEntries(Object.entries(e).sort(([a], [b]) => (a < b ? -1 : 1)))),
                SWITCHYARD_MIGRATION_SECRETS: JSON.stringify([...secretNames].sort()),
                SWITCHYARD_DEPLOYMENT_ID: id,
                SWITCHYARD_MIGRATION_NETWORK: net,
            };
        });
        const withDocker = pulumi
            .all([environment, pulumi.all(dockerEnvironment(args.dockerHost, args.dockerTls))])
            .apply(([e, d]) => ({ ...e, ...d }));
        const script = runtimeCommand("migration.js");
        this.command = new command.local.Command(
            `${name}-run`,
            {
                create: dockerCommand(script, args.dockerTls),
                update: dockerCommand(script, args.dockerTls),
                triggers: [args.deploymentId],
                environment: secretNames.length > 0 || args.dockerTls ? pulumi.secret(withDocker) : withDocker,
                addPreviousOutputInEnv: true,
            },
            { parent: this, additionalSecretOutputs: ["stdout", "stderr"] },
        );
        this.output = this.command.stdout;
        this.record = pulumi.output(args.deploymentId).apply((deploymentId) => ({
            image: args.image,
            version: args.version,
            up: [...args.command],
            down: args.down ? [...args.down] : null,
            deploymentId,
        }));
        this.registerOutputs({ record: this.record });
    }
}
