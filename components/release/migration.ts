/**
 * MigrationHook: runs the configured migration once per release of a colour, in a one-off container
 * of that colour's new image on the app network, before the colour's containers change. Once per
 * release, failure and secrets: docs/decisions.md "Migration hook".
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { LABELS, ROLES } from "../../domain/labels";
import { shellQuote } from "../../domain/shell";

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
    /** Kill the migration after this long. @default 600 */
    timeoutSeconds?: number;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Env names switchyard itself uses in the hook's shell; the app may not override them. */
const RESERVED = ["DOCKER_HOST", "PATH", "HOME", "PULUMI_COMMAND_STDOUT", "PULUMI_COMMAND_STDERR"];

/**
 * The hook's shell script (plain values only; secrets come through the environment).
 * First stdout line: `switchyard-migration <deploymentId>`: the marker of a completed run.
 */
export function migrationScript(a: {
    containerName: string;
    image: string;
    command: readonly string[];
    envNames: readonly string[];
    labels: Record<string, string>;
    timeoutSeconds: number;
    what: string;
}): string {
    const [entrypoint, ...rest] = a.command;
    const docker = [
        "docker",
        "run",
        "--rm",
        "--name",
        a.containerName,
        "--network",
        '"$SWITCHYARD_MIGRATION_NETWORK"',
        ...Object.entries(a.labels).flatMap(([k, v]) => ["--label", shellQuote(`${k}=${v}`)]),
        ...a.envNames.flatMap((n) => ["-e", n]),
        "--entrypoint",
        shellQuote(entrypoint),
        shellQuote(a.image),
        ...rest.map(shellQuote),
    ].join(" ");
    const what = shellQuote(a.what);
    return [
        "set -u",
        'marker="switchyard-migration $SWITCHYARD_DEPLOYMENT_ID"',
        // Same release as the previous successful run: nothing to do, keep the recorded output.
        'if [ "$(printf \'%s\\n\' "${PULUMI_COMMAND_STDOUT:-}" | head -n 1)" = "$marker" ]; then',
        "  printf '%s\\n' \"$PULUMI_COMMAND_STDOUT\"; exit 0",
        "fi",
        // A container left by an interrupted run would block the name.
        `docker rm -f ${shellQuote(a.containerName)} >/dev/null 2>&1 || true`,
        `out=$(timeout ${a.timeoutSeconds} ${docker} 2>&1)`,
        "rc=$?",
        "if [ $rc -ne 0 ]; then",
        `  if [ $rc -eq 124 ]; then docker rm -f ${shellQuote(a.containerName)} >/dev/null 2>&1; why="timed out after ${a.timeoutSeconds} s"; else why="exit code $rc"; fi`,
        `  printf 'switchyard: migration %s FAILED (%s); the release is aborted before any container of this colour changed and before traffic moved.\\n--- migration output ---\\n%s\\n--- end of migration output ---\\n' ${what} "$why" "$out" >&2`,
        "  exit 1",
        "fi",
        'printf \'%s\\n%s\\n\' "$marker" "$out"',
    ].join("\n");
}

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

        const envNames = [...new Set([...Object.keys(env), ...secretNames, "SWITCHYARD_DEPLOYMENT_ID"])].sort();
        const script = migrationScript({
            containerName: `${args.stack}-${args.app}-migrate-${args.color}`,
            image: args.image,
            command: args.command,
            envNames,
            labels: {
                [LABELS.stack]: args.stack,
                [LABELS.color]: args.color,
                [LABELS.version]: args.version,
                [LABELS.role]: ROLES.migration,
            },
            timeoutSeconds,
            what: `'${args.command.join(" ")}' for ${args.color} ${args.version} (image ${args.image})`,
        });
        const environment = pulumi.all([args.secretEnv ?? {}, args.deploymentId, args.networkName]).apply(([secret, id, net]) => {
            const e: Record<string, string> = { ...env };
            for (const n of secretNames) {
                if (typeof secret[n] !== "string") {
                    throw new Error(`MigrationHook ${name}: secret env '${n}' has no value`);
                }
                e[n] = secret[n];
            }
            return {
                ...e,
                SWITCHYARD_DEPLOYMENT_ID: id,
                SWITCHYARD_MIGRATION_NETWORK: net,
                DOCKER_HOST: args.dockerHost,
            };
        });
        this.command = new command.local.Command(
            `${name}-run`,
            {
                create: script,
                update: script,
                triggers: [args.deploymentId],
                environment: secretNames.length > 0 ? pulumi.secret(environment) : environment,
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
