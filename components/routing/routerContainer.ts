import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LABELS, ROLES } from "../../domain/labels";
import { ROUTER_IMAGE, ROUTER_IMAGE_RUNTIME } from "../../domain/routerImage";
import { RouterImageFacts, routerRestartRefusal } from "../../domain/routerRestart";

export interface RouterContainerArgs {
    /** Stack name (prefixes Docker names). */
    stack: string;
    /** Router image reference with an explicit tag (the switchyard router image, images/router). */
    image: string;
    /** Host port the router publishes. */
    port: number;
    /** Host address the port binds to (0.0.0.0 for all). */
    bindAddress: string;
    /** App network the router shares with both colours. */
    networkName: pulumi.Input<string>;
    /** Status endpoint path (the container health check reads it). */
    statusPath: string;
    /** Whether the status document is served on the public port. @default - inside the container only */
    status?: { public: boolean };
    /** The router image the stack ran before this update (its outputs). @default - none: first deployment */
    previous?: pulumi.Input<Partial<RouterImageFacts> | undefined>;
    /** Replace the router when its image changed (a short outage). @default false - refuse */
    allowRestart?: boolean;
}

/**
 * The router container: nginx in front of both colours, with its routing config on a named volume
 * so it outlives the container. Nothing that a flip, a weight change or a release changes is an
 * input here, so those never recreate it (CanaryRouter applies routing by graceful reload).
 */
export class RouterContainer extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    public readonly containerName: pulumi.Output<string>;
    public readonly containerId: pulumi.Output<string>;
    /** The image the router runs (reference and id), for the next update's restart check. */
    public readonly imageFacts: pulumi.Output<RouterImageFacts>;
    public readonly url: string;
    /** The status document's URL: on the public port, or (the default) inside the router container. */
    public readonly statusUrl: string;

    constructor(name: string, args: RouterContainerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("switchyard:routing:RouterContainer", name, {}, opts);
        const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });
        const volume = new docker.Volume(
            `${name}-config`,
            {
                name: `${args.stack}-router-config`,
                labels: [{ label: LABELS.stack, value: args.stack }],
            },
            { parent: this },
        );
        // The reference is checked as soon as the previous one is known (in preview too); a rebuilt
        // tag once its image id is read. Either refusal fails the update before the router changes.
        const previous = pulumi.output(args.previous);
        const tagChecked = previous.apply((p) => refuse(p, { image: args.image }, args.allowRestart));
        const imageId = pulumi.all([previous, image.imageId, tagChecked]).apply(([p, id]) => {
            refuse(p, { image: args.image, imageId: id }, args.allowRestart);
            return id;
        });
        this.container = new docker.Container(
            `${name}-container`,
            {
                name: `${args.stack}-router`,
                image: imageId,
                ports: [{ internal: ROUTER_IMAGE.frontPort, external: args.port, ip: args.bindAddress, protocol: "tcp" }],
                networksAdvanced: [{ name: args.networkName }],
                volumes: [{ volumeName: volume.name, containerPath: ROUTER_IMAGE.configDir }],
                labels: [
                    { label: LABELS.role, value: ROLES.router },
                    { label: LABELS.stack, value: args.stack },
                ],
                healthcheck: {
                    tests: ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${ROUTER_IMAGE.frontPort}${args.statusPath}`],
                    interval: "5s",
                    timeout: "3s",
                    retries: 3,
                    startPeriod: "2s",
                },
                restart: "unless-stopped",
                mustRun: true,
                wait: false,
            },
            { parent: this },
        );
        this.containerName = this.container.name;
        this.containerId = this.container.id;
        this.imageFacts = this.container.image.apply((id) => ({ image: args.image, imageId: id }));
        const host = args.bindAddress === "0.0.0.0" ? "localhost" : args.bindAddress;
        this.url = `http://${host}:${args.port}`;
        this.statusUrl = args.status?.public ? `${this.url}${args.statusPath}` : `http://${ROUTER_IMAGE_RUNTIME.listen}${args.statusPath}`;
        this.registerOutputs({ containerName: this.containerName, url: this.url });
    }
}

function refuse(previous: Partial<RouterImageFacts> | undefined, next: RouterImageFacts, allowed: boolean | undefined): true {
    const refusal = routerRestartRefusal(previous, next, allowed ?? false);
    if (refusal) {
        throw new pulumi.RunError(refusal);
    }
    return true;
}
