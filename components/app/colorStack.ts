import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Color } from "../../domain/color";
import { ColorStackFacts } from "../../domain/policyFacts";
import { ReleaseVersion } from "../../domain/version";
import { UpstreamTarget } from "../routing/nginxConfig";
import { AppSettings, appEnv, containerEnv, containerLabels, dockerHealthcheck, resourceLimits } from "./containerSpec";

export interface ColorStackArgs {
    /** Which colour this stack is. Part of container names and labels; never of routing. */
    color: Color;
    /** Stack name (prefixes Docker names so several stacks can share one host). */
    stack: string;
    /** The release this colour runs. */
    version: ReleaseVersion;
    /** Image reference `repository:tag`, tag derived from the version. */
    image: string;
    /** Deployment id of this colour's release (changes only when its version changes). */
    deploymentId: pulumi.Input<string>;
    /** App settings shared by both colours (validated config). */
    app: AppSettings;
    /** Env for this colour only, over `app.env`. @default - none */
    colorEnv?: Record<string, string>;
    /** Secret env vars; they stay secret in state and outputs. @default - none */
    secretEnv?: pulumi.Input<Record<string, string>>;
    /** Names of the secret env vars (known at preview; policy facts). @default - none */
    secretEnvNames?: readonly string[];
    /** Docker network both colours and the router join. */
    networkName: pulumi.Input<string>;
    /**
     * Resources that must finish before any container of this colour is created or replaced
     * (the pre-deploy backup snapshot, the migration hook). @default - none
     */
    after?: pulumi.Input<pulumi.Resource>[];
}

/**
 * One colour of the app: `replicas` containers of one version on the app network, with health
 * check, restart policy, resource limits and labels for colour, version and deployment id. Both
 * colours always run; the router decides which one gets traffic.
 */
export class ColorStack extends pulumi.ComponentResource {
    public readonly color: Color;
    public readonly version: string;
    public readonly image: string;
    public readonly imageId: pulumi.Output<string>;
    public readonly containers: docker.Container[];
    /** Where the router and the health gate reach each container. */
    public readonly targets: pulumi.Output<UpstreamTarget[]>;

    constructor(name: string, args: ColorStackArgs, opts?: pulumi.ComponentResourceOptions) {
        const plainEnvNames = [...plainEnvNamesOf(args), "SWITCHYARD_DEPLOYMENT_ID"].sort();
        // Policy facts (domain/policyFacts.ts), known at preview: inputs for resource policies,
        // outputs for stack policies.
        const facts: ColorStackFacts = {
            color: args.color,
            version: args.version.semver,
            plainEnvNames,
            secretEnvNames: [...(args.secretEnvNames ?? [])].sort(),
        };
        super("switchyard:app:ColorStack", name, facts, opts);
        this.color = args.color;
        this.version = args.version.semver;
        this.image = args.image;

        const image = new docker.RemoteImage(
            `${name}-image`,
            {
                name: args.image,
                keepLocally: true,
            },
            { parent: this },
        );
        this.imageId = image.imageId;

        const plainEnv = containerEnv({ ...args.app.env, ...args.colorEnv }, { color: args.color, version: args.version.semver });
        const envs = pulumi.all([args.secretEnv ?? {}, args.deploymentId]).apply(([secret, id]) => [
            ...plainEnv,
            `SWITCHYARD_DEPLOYMENT_ID=${id}`,
            ...Object.keys(secret)
                .sort()
                .map((k) => `${k}=${secret[k]}`),
        ]);
        const networkName = pulumi.output(args.networkName);

        this.containers = Array.from({ length: args.app.replicas }, (_, i) => {
            const replica = i + 1;
            const containerName = `${args.stack}-${args.app.name}-${args.color}-${replica}`;
            return new docker.Container(
                `${name}-${replica}`,
                {
                    name: containerName,
                    image: image.imageId,
                    envs,
                    labels: pulumi.output(args.deploymentId).apply((id) =>
                        containerLabels({
                            stack: args.stack,
                            app: args.app.name,
                            color: args.color,
                            version: args.version.semver,
                            deploymentId: id,
                            replica,
                        }),
                    ),
                    networksAdvanced: [{ name: networkName, aliases: [`${args.app.name}-${args.color}`] }],
                    healthcheck: dockerHealthcheck(args.app),
                    restart: "unless-stopped",
                    ...resourceLimits(args.app.resources),
                    volumes: args.app.volumes.map((v) => ({
                        volumeName: v.name,
                        containerPath: v.containerPath,
                        readOnly: v.readOnly,
                    })),
                    mustRun: true,
                    // The health gate waits for health with its own retries and names what failed.
                    wait: false,
                    destroyGraceSeconds: 30,
                },
                {
                    parent: this,
                    dependsOn: args.after,
                    // Docker names are fixed per colour and replica, so the old container must go first.
                    // Only the idle colour's versions change: the live colour is not touched by a release.
                    deleteBeforeReplace: true,
                    // The provider's update cannot change a health check, and a stopped container that its
                    // update starts again keeps no address in state (the router needs it): both get a
                    // new container instead.
                    replaceOnChanges: ["healthcheck", "mustRun"],
                },
            );
        });

        this.targets = pulumi.all(
            this.containers.map((c) =>
                pulumi.all([c.name, c.networkDatas, networkName]).apply(([cname, datas, net]) => {
                    const data = (datas ?? []).find((d) => d.networkName === net);
                    return { name: cname, address: data?.ipAddress ?? "", port: args.app.port };
                }),
            ),
        );

        this.registerOutputs({ ...facts, imageId: this.imageId, targets: this.targets });
    }
}

/** Names of the env vars a colour's containers get in plain text (before the deployment id). */
function plainEnvNamesOf(args: ColorStackArgs): string[] {
    return Object.keys(appEnv({ ...args.app.env, ...args.colorEnv }, { color: args.color, version: args.version.semver }));
}
