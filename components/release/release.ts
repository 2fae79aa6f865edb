import * as pulumi from "@pulumi/pulumi";
import type { DockerTlsInput } from "../dockerAccess";
import { AppSettings, appEnv, ColorStack } from "../app";
import { BackupSettings, MigrationSettings, preDeploy, PreDeploy } from "../backup/preDeploy";
import { UpstreamTarget } from "../routing/nginxConfig";
import { Color, perColor } from "../../domain/color";
import { currentRelease, deploymentId } from "../../domain/deploymentId";
import { ColorSpec } from "../../domain/liveColor";
import { ReleaseVersion } from "../../domain/version";
import { sharesFor } from "../../domain/weights";
import { HealthGate } from "./healthGate";
import { ReleaseStamp } from "./releaseStamp";

export interface ReleaseColorArgs {
    /** The colour's release version. */
    version: ReleaseVersion;
    /** Image `repository:tag` of that version. */
    image: string;
}

export interface ReleaseArgs {
    /** Stack name (prefixes Docker names and deployment ids). */
    stack: string;
    colors: Record<Color, ReleaseColorArgs>;
    /** Each colour's version before this update (the stack's last outputs); unset on the first one. */
    previousVersions: pulumi.Input<Partial<Record<Color, string>> | undefined>;
    /** The colour that gets the traffic, and the canary's share (permille): each gate checks its colour at the share it is about to get. */
    activeColor: Color;
    canaryPermille: number;
    /** App settings shared by both colours (name, port, replicas, volumes); the rest comes per colour from `specs`. */
    app: AppSettings;
    /** Containers each colour runs now (domain/scaleDown.ts: the idle colour may be scaled down). @default - app.replicas each */
    replicas?: Record<Color, number>;
    /**
     * What each colour's containers are built from: the config, or for the live colour the spec it
     * was released with (domain/liveColor.ts). Its version is the colour's `version`.
     */
    specs: Record<Color, ColorSpec>;
    /** Secret env vars per colour (Pulumi secrets): the config's, or those the live colour was released with. */
    secretEnv: Record<Color, pulumi.Input<Record<string, string>>>;
    /** App network both colours and the router join. */
    networkName: pulumi.Input<string>;
    /** Docker endpoint for the host-side steps (snapshot, migration, gate). */
    dockerHost: string;
    /** TLS client certificate for a tcp:// Docker host (secrets). @default - none */
    dockerTls?: DockerTlsInput;
    /** The health gate's checks. */
    gates: { healthPaths: string[]; smokePaths: string[]; retries: number; intervalSeconds: number; timeoutSeconds: number };
    /** A container on the app network with curl that runs the gate's probes (the router). */
    probeContainer: pulumi.Input<string>;
    /**
     * Makes, per colour, the last step before its containers change (the route fence), given the
     * steps it must follow (the colour's snapshot and migration). @default - none
     */
    beforeContainers?: (color: Color, after: pulumi.Input<pulumi.Resource>[]) => pulumi.Resource;
    /** Pre-deploy snapshot (and migration) settings. @default - none: no backup or migration steps */
    backup?: { settings: BackupSettings; secrets: pulumi.Input<Record<string, string>>; migration?: MigrationSettings };
}

/**
 * One release of both colours, each as a chain: release stamp -> ledger -> snapshot -> migration ->
 * containers -> health gate. Which colour is live is not its concern: both always run, and the
 * router (after every gate) decides. Children keep the names they had at the top level, with
 * aliases, so that moving them under this component recreates nothing.
 */
export class Release extends pulumi.ComponentResource {
    public readonly stamps: Record<Color, ReleaseStamp>;
    public readonly colorStacks: Record<Color, ColorStack>;
    public readonly gates: Record<Color, HealthGate>;
    public readonly preDeploy?: PreDeploy;
    /** Per colour: where the router reaches each container. */
    public readonly targets: Record<Color, pulumi.Output<UpstreamTarget[]>>;
    public readonly deploymentIds: Record<Color, pulumi.Output<string>>;
    /** The stack's current release: the colour whose version changed last. */
    public readonly currentDeploymentId: pulumi.Output<string>;

    constructor(name: string, args: ReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("switchyard:release:Release", name, {}, opts);
        // Each child lived at the stack's top level before; the alias keeps its identity.
        const child: pulumi.ComponentResourceOptions = { parent: this, aliases: [{ parent: pulumi.rootStackResource }] };
        const appOf = perColor((c) => appFor(args.app, args.specs[c], args.replicas?.[c]));
        const plainEnv = perColor((c) => appEnv(appOf[c].env, { color: c, version: args.colors[c].version.semver }));

        this.stamps = perColor(
            (c) =>
                new ReleaseStamp(
                    `release-${c}`,
                    {
                        stack: args.stack,
                        color: c,
                        version: args.colors[c].version,
                        previousVersion: pulumi.output(args.previousVersions).apply((v) => v?.[c] ?? null),
                    },
                    child,
                ),
        );
        this.deploymentIds = perColor((c) => this.stamps[c].deploymentId);
        this.currentDeploymentId = pulumi.all([this.stamps.blue.stamp, this.stamps.green.stamp]).apply(([blue, green]) => {
            const r = currentRelease(
                { version: args.colors.blue.version, stamp: blue },
                { version: args.colors.green.version, stamp: green },
            );
            return deploymentId(args.stack, r.version, r.stamp);
        });

        this.preDeploy = args.backup
            ? preDeploy(
                  {
                      stack: args.stack,
                      app: args.app.name,
                      colors: perColor((c) => ({
                          version: args.colors[c].version.semver,
                          image: args.colors[c].image,
                          deploymentId: this.deploymentIds[c],
                          env: plainEnv[c],
                      })),
                      backup: args.backup.settings,
                      backupSecrets: args.backup.secrets,
                      migration: args.backup.migration,
                      secretEnv: args.secretEnv,
                      secretEnvNames: perColor((c) => args.specs[c].secretEnvNames),
                      networkName: args.networkName,
                      dockerHost: args.dockerHost,
                      dockerTls: args.dockerTls,
                  },
                  child,
              )
            : undefined;

        const onHost = colorsOnHost(
            "",
            {
                ...args,
                deploymentIds: this.deploymentIds,
                after: perColor((c) => this.preDeploy?.after[c]),
            },
            child,
        );
        this.colorStacks = onHost.colorStacks;
        this.targets = onHost.targets;
        this.gates = onHost.gates;

        this.registerOutputs({ deploymentIds: this.deploymentIds, currentDeploymentId: this.currentDeploymentId });
    }
}

/** The app settings of one colour: the shared ones with the colour's own env, resources and health check. */
function appFor(app: AppSettings, spec: ColorSpec, replicas: number | undefined): AppSettings {
    return {
        ...app,
        replicas: replicas ?? app.replicas,
        env: { ...spec.env },
        resources: { ...spec.resources },
        healthcheck: { ...spec.healthcheck, command: spec.healthcheck.command ? [...spec.healthcheck.command] : undefined },
    };
}

/** What one Docker host runs of a release: both colours' containers, each followed by its health gate. */
export interface ColorsOnHostArgs extends Omit<ReleaseArgs, "previousVersions" | "backup"> {
    /** Each colour's deployment id (the stack's release stamps, made once per stack). */
    deploymentIds: Record<Color, pulumi.Input<string>>;
    /** Per colour, the once-per-stack steps its containers follow (snapshot, migration). @default - none */
    after: Record<Color, pulumi.Input<pulumi.Resource>[] | undefined>;
}

export interface ColorsOnHost {
    colorStacks: Record<Color, ColorStack>;
    gates: Record<Color, HealthGate>;
    targets: Record<Color, pulumi.Output<UpstreamTarget[]>>;
}

/**
 * Both colours on one host: `${prefix}app-<colour>` and `${prefix}gate-<colour>`. The first host
 * uses no prefix (the names a single-host stack always had); other hosts their own.
 */
export function colorsOnHost(prefix: string, args: ColorsOnHostArgs, opts: pulumi.ComponentResourceOptions): ColorsOnHost {
    const shares = sharesFor(args.activeColor, args.canaryPermille);
    const appOf = perColor((c) => appFor(args.app, args.specs[c], args.replicas?.[c]));
    const colorStacks = perColor(
        (c) =>
            new ColorStack(
                `${prefix}app-${c}`,
                {
                    color: c,
                    stack: args.stack,
                    version: args.colors[c].version,
                    image: args.colors[c].image,
                    deploymentId: args.deploymentIds[c],
                    app: appOf[c],
                    secretEnv: args.secretEnv[c],
                    secretEnvNames: args.specs[c].secretEnvNames,
                    networkName: args.networkName,
                    // The containers wait for the fence and, directly too, for the snapshot and migration
                    // (the backup-before-release policy reads a container's own dependencies).
                    after: args.beforeContainers
                        ? [...(args.after[c] ?? []), args.beforeContainers(c, args.after[c] ?? [])]
                        : args.after[c],
                },
                opts,
            ),
    );
    const targets = perColor((c) => colorStacks[c].targets);
    const gates = perColor(
        (c) =>
            new HealthGate(
                `${prefix}gate-${c}`,
                {
                    color: c,
                    version: args.colors[c].version.semver,
                    targets: targets[c],
                    containerIds: colorStacks[c].containers.map((k) => k.id),
                    trafficPermille: shares[c],
                    replicas: appOf[c].replicas,
                    ...args.gates,
                    probeContainer: args.probeContainer,
                    dockerHost: args.dockerHost,
                    dockerTls: args.dockerTls,
                },
                opts,
            ),
    );
    return { colorStacks, gates, targets };
}
