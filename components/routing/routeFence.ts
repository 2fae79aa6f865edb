import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { Color } from "../../domain/color";
import { ROUTER_IMAGE } from "../../domain/routerImage";
import { dockerCommand, dockerEnvironment, DockerTlsInput } from "../dockerAccess";
import { runtimeCommand } from "../runtimeCommand";

export interface RouteFenceArgs {
    /** The colour this fence guards. */
    color: Color;
    /**
     * Everything the colour's containers are built from (version, image, spec, secret env), as one
     * value: when it changes, the fence runs before the containers change. Kept secret (it may
     * derive from secret env).
     */
    key: pulumi.Input<string>;
    /** The running router container. */
    container: { name: pulumi.Input<string>; id: pulumi.Input<string> };
    /** Docker endpoint of the router (DOCKER_HOST). */
    dockerHost: string;
    /** TLS client material for a tcp:// Docker host. @default - none */
    dockerTls?: DockerTlsInput;
    /** Steps that run first (the colour's snapshot and migration): a release they abort fences nothing. @default - none */
    after?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Takes a colour out of routing before its containers change (runtime/router-fence.js): the
 * router's config in force is re-applied with every request, forced or weighted, sent to the
 * active colour. The routing apply after the colour's gate lifts it (its input includes `stamp`);
 * after a failed gate it stays, so no request reaches containers whose gate failed. The active
 * colour is never fenced. On its first run (a new stack, or one upgraded to this component) it
 * changes nothing.
 */
export class RouteFence extends pulumi.ComponentResource {
    /** Changes whenever the fence ran: the routing apply takes it as an input. */
    public readonly stamp: pulumi.Output<string>;
    /** The fence step: the colour's containers depend on it. */
    public readonly step: command.local.Command;

    constructor(name: string, args: RouteFenceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("switchyard:routing:RouteFence", name, {}, opts);
        this.step = new command.local.Command(
            `${name}-step`,
            {
                create: dockerCommand(runtimeCommand("router-fence.js", "create"), args.dockerTls),
                update: dockerCommand(runtimeCommand("router-fence.js", "fence"), args.dockerTls),
                environment: {
                    ...dockerEnvironment(args.dockerHost, args.dockerTls),
                    SY_CONTAINER: args.container.name,
                    SY_INNER_CONFIG: ROUTER_IMAGE.innerConfig,
                    SY_APPLY_BIN: ROUTER_IMAGE.applyBin,
                    SY_COLOR: args.color,
                    SY_KEY: pulumi.secret(args.key),
                },
            },
            { parent: this, dependsOn: args.after ?? [] },
        );
        this.stamp = this.step.stdout;
        this.registerOutputs({ stamp: this.stamp });
    }
}
