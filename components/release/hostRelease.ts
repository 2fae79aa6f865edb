import * as pulumi from "@pulumi/pulumi";
import { ColorStack } from "../app";
import { UpstreamTarget } from "../routing/nginxConfig";
import { Color } from "../../domain/color";
import { HealthGate } from "./healthGate";
import { colorsOnHost, ColorsOnHostArgs } from "./release";

/**
 * A release on one more Docker host of a stack with several: both colours and their health gates,
 * with the deployment ids and the once-per-stack steps (snapshot, migration) of the stack's
 * Release on its first host. Children are named after this component (`<name>-app-blue`...).
 */
export class HostRelease extends pulumi.ComponentResource {
    public readonly colorStacks: Record<Color, ColorStack>;
    public readonly gates: Record<Color, HealthGate>;
    public readonly targets: Record<Color, pulumi.Output<UpstreamTarget[]>>;

    constructor(name: string, args: ColorsOnHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("switchyard:release:HostRelease", name, {}, opts);
        const built = colorsOnHost(`${name}-`, args, { parent: this });
        this.colorStacks = built.colorStacks;
        this.gates = built.gates;
        this.targets = built.targets;
        this.registerOutputs({});
    }
}
