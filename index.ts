// switchyard: blue/green and canary releases of a containerised web app on a Docker host.
// config -> host -> router -> release (both colours, each gated) -> routing -> scheduled backups -> monitoring -> outputs.
// The outputs are described in README "Stack outputs".
import { BackupRunner } from "./components/backup";
import { DockerHost } from "./components/host";
import { MonitoringStack } from "./components/observability";
import { previousRelease, Release } from "./components/release";
import { CanaryRouter, RouterContainer } from "./components/routing";
import { loadConfig } from "./config";
import { COLORS, perColor } from "./domain/color";

const { config: cfg, secretEnv, backupSecrets, registryAuth, dockerTls } = loadConfig();
const { stack, docker } = cfg;
const previous = previousRelease();
const versionOf = perColor((c) => cfg.colors[c].version.semver);
const traffic = { activeColor: cfg.activeColor, canaryPermille: cfg.canary.permille };

const host = new DockerHost("host", { stack, host: docker.host, networkName: docker.network, registryAuth, tls: dockerTls });
const onHost = { providers: [host.provider] };
const onNetwork = { stack, networkName: host.networkName, dockerHost: docker.host, dockerTls };

const router = new RouterContainer("router", { ...onNetwork, ...cfg.router, previous: previous.routerImage }, onHost);

const release = new Release(
    "release",
    {
        ...onNetwork,
        ...traffic,
        app: cfg.app,
        secretEnv,
        secretEnvNames: cfg.secretEnvNames,
        gates: cfg.gates,
        colors: cfg.colors,
        previousVersions: previous.versions,
        probeContainer: router.containerName,
        backup: cfg.backup ? { settings: cfg.backup, secrets: backupSecrets, migration: cfg.migration } : undefined,
    },
    onHost,
);

const routing = new CanaryRouter("routing", {
    ...onNetwork,
    ...cfg.canary,
    ...traffic,
    versions: versionOf,
    upstreams: release.targets,
    gates: COLORS.map((c) => release.gates[c]),
    statusPath: cfg.router.statusPath,
    statusPublic: cfg.router.status.public,
    maintenanceMessage: cfg.router.maintenance.enabled ? cfg.router.maintenance.message : undefined,
    container: { name: router.containerName, id: router.containerId },
});

const schedule = cfg.backup?.schedule;
const backupRunner =
    cfg.backup && schedule
        ? new BackupRunner(
              "backup-runner",
              {
                  stack,
                  settings: { ...cfg.backup, app: cfg.app.name, schedule },
                  urls: backupSecrets,
                  image: schedule.image,
                  networkName: host.networkName,
              },
              onHost,
          )
        : undefined;

const monitoring = cfg.monitoring.enabled
    ? new MonitoringStack(
          "monitoring",
          {
              ...onNetwork,
              ...cfg.monitoring,
              apps: perColor((c) => ({ version: versionOf[c], containers: release.targets[c] })),
              routerContainerName: router.containerName,
              routerVersion: cfg.router.tag,
              backup:
                  backupRunner && schedule
                      ? {
                            runnerAddress: backupRunner.metricsAddress,
                            maxAgeMinutes: schedule.maxAgeMinutes,
                            alertForSeconds: schedule.alertForSeconds,
                        }
                      : undefined,
          },
          onHost,
      )
    : undefined;

export const activeColor = cfg.activeColor;
export const weights = routing.weights;
export const versions = versionOf;
export const images = perColor((c) => release.colorStacks[c].image);
export const deploymentIds = release.deploymentIds;
export const deploymentId = release.currentDeploymentId;
export const deploymentWindowOverride = cfg.deploymentWindow.override ?? null;
export const routerUrl = router.url;
export const routerStatusUrl = router.statusUrl;
export const routerContainer = router.containerName;
export const routerImage = router.imageFacts;
export const routerConfigSha256 = routing.configSha256;
export const canaryHeader = routing.header ?? null;
export const backups = release.preDeploy?.backupsOutput ?? {};
export const migrations = release.preDeploy?.migrationsOutput ?? {};
export const backupRunnerContainer = backupRunner?.containerName ?? null;
export const prometheusUrl = monitoring?.prometheusUrl ?? null;
export const latestRecord = cfg.latestRecord ?? null;
export const grafanaProvisioningDir = monitoring?.grafanaProvisioningDir ?? null;
