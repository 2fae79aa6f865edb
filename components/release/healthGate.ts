import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { dockerCommand, dockerEnvironment, DockerTlsInput } from "../dockerAccess";
import { Color } from "../../domain/color";
import { UpstreamTarget } from "../routing/nginxConfig";
import { runtimeCommand } from "../runtimeCommand";

export interface HealthGateArgs {
    /** The colour being checked. */
    color: Color;
    /** Its release version (in messages, and a new version re-runs the gate). */
    version: string;
    /** The colour's containers, reached directly (not through the router). */
    targets: pulumi.Input<UpstreamTarget[]>;
    /** Container ids: a recreated container re-runs the gate. */
    containerIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Containers the colour runs (0: the idle colour scaled to 0, nothing to check). @default - as many as targets */
    replicas?: number;
    /** Share of traffic (permille) this colour is about to get: any change re-runs the gate. */
    trafficPermille: number;
    /** Endpoints that must answer 2xx, polled with retries. */
    healthPaths: string[];
    /** Endpoints that must answer without a 5xx, once health passed. */
    smokePaths: string[];
    /** Attempts per health endpoint. */
    retries: number;
    /** Seconds between attempts. */
    intervalSeconds: number;
    /** Seconds before one attempt counts as failed. */
    timeoutSeconds: number;
    /** A container on the app network with curl (the router) that runs the probes. */
    probeContainer: pulumi.Input<string>;
    /** Docker endpoint (DOCKER_HOST) of the probe container. */
    dockerHost: string;
    /** TLS client certificate for a tcp:// Docker host (secrets). @default - none */
    dockerTls?: DockerTlsInput;
}

/**
 * Before the router sends traffic to a colour whose containers or share changed, polls that
 * colour's containers (health endpoints with retries, then smoke endpoints). If a check fails,
 * `pulumi up` fails naming the check and the container, and the router, which depends on this
 * gate, keeps its previous config.
 */
export class HealthGate extends pulumi.ComponentResource {
    /** The gate's JSON summary line. */
    public readonly result: pulumi.Output<string>;

    constructor(name: string, args: HealthGateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("switchyard:release:HealthGate", name, {}, opts);
        const spec = pulumi.all([args.targets, args.probeContainer]).apply(([targets, probe]) =>
            JSON.stringify({
                color: args.color,
                version: args.version,
                trafficPermille: args.trafficPermille,
                // Only 0 changes what the gate does (nothing to check); any other count is the targets'
                // length, and leaving it out keeps the gates of stacks deployed before it unchanged.
                ...(args.replicas === 0 ? { replicas: 0 } : {}),
                targets,
                healthPaths: args.healthPaths,
                smokePaths: args.smokePaths,
                retries: args.retries,
                intervalSeconds: args.intervalSeconds,
                timeoutSeconds: args.timeoutSeconds,
                probe: { kind: "docker-exec", container: probe },
            }),
        );
        const run = runtimeCommand("gate.js");
        const check = new command.local.Command(
            `${name}-check`,
            {
                create: dockerCommand(run, args.dockerTls),
                update: dockerCommand(run, args.dockerTls),
                environment: {
                    ...dockerEnvironment(args.dockerHost, args.dockerTls),
                    SY_GATE: spec,
                    SY_CONTAINER_IDS: pulumi.output(args.containerIds).apply((ids) => ids.join(",")),
                },
            },
            { parent: this },
        );
        this.result = check.stdout;
        this.registerOutputs({ result: this.result });
    }
}
