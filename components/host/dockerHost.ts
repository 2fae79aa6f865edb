import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LABELS } from "../../domain/labels";

export interface DockerHostArgs {
    /** Docker endpoint: `unix:///var/run/docker.sock`, `ssh://user@host` or `tcp://host:port`. */
    host: string;
    /** Name of the app network both colours and the router join. */
    networkName: string;
    /** Stack name: labels every Docker object this component creates. */
    stack: string;
    /**
     * Credentials of private registries: the provider pulls with these only, never with the
     * local `docker login`. @default - none: public or local images only
     */
    registryAuth?: pulumi.Input<pulumi.Input<{ address: string; username: string; password: string }>[]>;
    /**
     * TLS client material (PEM) for a `tcp://` host; kept secret in state whatever the caller passes.
     * @default - none: unix:// and ssh:// hosts, or a tcp:// host the config marked insecure
     */
    tls?: { caCert?: pulumi.Input<string>; cert: pulumi.Input<string>; key: pulumi.Input<string> };
}

/**
 * One Docker host: an explicit provider (never the ambient default, so the target is always the
 * configured one) and the app network that both colours and the router share.
 */
export class DockerHost extends pulumi.ComponentResource {
    public readonly provider: docker.Provider;
    public readonly network: docker.Network;
    public readonly networkName: pulumi.Output<string>;

    constructor(name: string, args: DockerHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("switchyard:host:DockerHost", name, {}, opts);
        this.provider = new docker.Provider(
            `${name}-provider`,
            {
                host: args.host,
                registryAuth: args.registryAuth,
                // Unset without TLS: stacks that do not use it see no provider change.
                ...(args.tls
                    ? {
                          caMaterial: args.tls.caCert !== undefined ? pulumi.secret(args.tls.caCert) : undefined,
                          certMaterial: pulumi.secret(args.tls.cert),
                          keyMaterial: pulumi.secret(args.tls.key),
                      }
                    : {}),
            },
            { parent: this },
        );
        this.network = new docker.Network(
            `${name}-network`,
            {
                name: args.networkName,
                driver: "bridge",
                labels: [{ label: LABELS.stack, value: args.stack }],
            },
            { parent: this, provider: this.provider },
        );
        this.networkName = this.network.name;
        this.registerOutputs({ networkName: this.networkName });
    }
}
