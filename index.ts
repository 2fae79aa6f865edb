// switchyard: blue/green and canary releases of a containerised web app on a Docker host.
// config -> host -> router -> release (both colours, each gated) -> routing -> monitoring -> outputs.
import * as pulumi from "@pulumi/pulumi";
import { DockerHost } from "./components/host";
import { MonitoringStack } from "./components/observability";
import { Release } from "./components/release";
import { CanaryRouter, RouterContainer } from "./components/routing";
import { loadConfig } from "./config";
import { COLORS, perColor } from "./domain/color";
import { LABELS } from "./domain/labels";
import { sharesFor } from "./domain/weights";

const { config: cfg, secretEnv, backupSecrets, registryAuth } = loadConfig();

const labels = { [LABELS.stack]: cfg.stack };
const host = new DockerHost("host", { host: cfg.docker.host, networkName: cfg.docker.network, labels, registryAuth });
const onHost: pulumi.ComponentResourceOptions = { providers: [host.provider] };

// The stack's last outputs: each colour's version and the router image before this update.
const previous = new pulumi.StackReference("previous-release", {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
});
const { maintenance, allowRestart, ...routerSettings } = cfg.router;
const router = new RouterContainer(
    "router",
    { stack: cfg.stack, ...routerSettings, networkName: host.networkName, previous: previous.getOutput("routerImage"), allowRestart },
    onHost,
);

const shares = sharesFor(cfg.activeColor, cfg.canary.permille);
const previousVersions = previous.getOutput("versions") as pulumi.Output<Record<string, string> | undefined>;
const release = new Release(
    "release",
    {
        stack: cfg.stack,
        colors: perColor((c) => ({
            ...cfg.colors[c],
            previousVersion: previousVersions.apply((v) => v?.[c] ?? null),
            trafficPermille: shares[c],
        })),
        app: cfg.app,
        secretEnv,
        secretEnvNames: cfg.secretEnvNames,
        networkName: host.networkName,
        dockerHost: cfg.docker.host,
        gates: cfg.gates,
        probeContainer: router.containerName,
        backup: cfg.backup ? { settings: cfg.backup, secrets: backupSecrets, migration: cfg.migration } : undefined,
    },
    onHost,
);

const routing = new CanaryRouter("routing", {
    stack: cfg.stack,
    activeColor: cfg.activeColor,
    canaryPermille: cfg.canary.permille,
    versions: perColor((c) => cfg.colors[c].version.semver),
    upstreams: release.targets,
    ...cfg.canary,
    maintenanceMessage: maintenance.enabled ? maintenance.message : undefined,
    statusPath: cfg.router.statusPath,
    container: { name: router.containerName, id: router.containerId },
    dockerHost: cfg.docker.host,
    gates: COLORS.map((c) => release.gates[c]),
});

const monitoring = cfg.monitoring.enabled
    ? new MonitoringStack(
          "monitoring",
          {
              stack: cfg.stack,
              apps: perColor((c) => ({ version: cfg.colors[c].version.semver, containers: release.targets[c] })),
              routerContainerName: router.containerName,
              routerVersion: cfg.router.tag,
              networkName: host.networkName,
              dockerHost: cfg.docker.host,
              ...cfg.monitoring,
          },
          onHost,
      )
    : undefined;

export const activeColor = cfg.activeColor;
export const weights = routing.weights;
export const versions = perColor((c) => cfg.colors[c].version.semver);
export const images = perColor((c) => release.colorStacks[c].image);
export const deploymentIds = release.deploymentIds;
/** The stack's current release: the colour whose version changed last. */
export const deploymentId = release.currentDeploymentId;
/** An emergency release outside the deployment window, with its reason (audit; policies/deploymentWindow). */
export const deploymentWindowOverride = cfg.deploymentWindow.override ?? null;
export const routerUrl = router.url;
export const routerStatusUrl = router.statusUrl;
export const routerContainer = router.containerName;
/** The router image (reference and id): the next update refuses to replace the router unless asked. */
export const routerImage = router.imageFacts;
export const routerConfigSha256 = routing.configSha256;
/** Latest pre-deploy snapshot per colour (when switchyard:backup is set). */
export const backups = release.preDeploy?.backupsOutput ?? {};
/** Per colour: the image and migration that ran, and the down-migration recorded for a rollback. */
export const migrations = release.preDeploy?.migrationsOutput ?? {};
export const prometheusUrl = monitoring?.prometheusUrl ?? null;
/** Host directory with the Grafana provisioning files (when monitoring is enabled). */
export const grafanaProvisioningDir = monitoring?.grafanaProvisioningDir ?? null;
