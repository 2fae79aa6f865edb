// switchyard: blue/green and canary releases of a containerised web app on a Docker host.
// Read config once -> build components -> export outputs. See README.md for the flow.
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { loadConfig } from "./config";
import { appEnv, ColorStack } from "./components/app";
import { preDeploy as preDeploySteps } from "./components/backup";
import { DockerHost } from "./components/host";
import { MonitoringStack } from "./components/observability";
import { HealthGate, ReleaseStamp } from "./components/release";
import { CanaryRouter, RouterContainer } from "./components/routing";
import { COLORS, perColor } from "./domain/color";
import { currentRelease, deploymentId as makeDeploymentId } from "./domain/deploymentId";
import { LABELS } from "./domain/labels";
import { sharesFor } from "./domain/weights";

const { config: cfg, secretEnv, backupSecrets, registryAuth } = loadConfig();

const host = new DockerHost("host", {
    host: cfg.docker.host,
    networkName: cfg.docker.network,
    labels: { [LABELS.stack]: cfg.stack },
    registryAuth,
});
const onHost: pulumi.ComponentResourceOptions = { providers: [host.provider] };

// The stack's last outputs: each colour's version and the router image before this update.
const previous = new pulumi.StackReference("previous-release", {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
});
const previousVersions = previous.getOutput("versions");

const router = new RouterContainer(
    "router",
    {
        stack: cfg.stack,
        image: cfg.router.image,
        port: cfg.router.port,
        bindAddress: cfg.router.bindAddress,
        networkName: host.networkName,
        statusPath: cfg.router.statusPath,
        previous: previous.getOutput("routerImage"),
        allowRestart: cfg.router.allowRestart,
    },
    onHost,
);

const shares = sharesFor(cfg.activeColor, cfg.canary.permille);

const releases = perColor(
    (c) =>
        new ReleaseStamp(`release-${c}`, {
            stack: cfg.stack,
            color: c,
            version: cfg.colors[c].version,
            previousVersion: previousVersions.apply((v: Record<string, string> | undefined) => v?.[c] ?? null),
        }),
);

// ---- backup & migration wiring. Only when switchyard:backup is set:
// per colour a ledger, a verified snapshot and the optional migration, all before that colour's
// containers change (ColorStack `after`). See components/backup/preDeploy.ts.
const preDeploy = cfg.backup
    ? preDeploySteps({
          stack: cfg.stack,
          app: cfg.app.name,
          colors: perColor((c) => ({
              version: cfg.colors[c].version.semver,
              image: cfg.colors[c].image,
              deploymentId: releases[c].deploymentId,
              env: appEnv({ ...cfg.app.env, ...cfg.colors[c].env }, { color: c, version: cfg.colors[c].version.semver }),
          })),
          backup: cfg.backup,
          backupSecrets,
          migration: cfg.migration,
          secretEnv,
          secretEnvNames: cfg.secretEnvNames,
          networkName: host.networkName,
          dockerHost: cfg.docker.host,
      })
    : undefined;
/** Latest pre-deploy snapshot per colour (when switchyard:backup is set). */
export const backups = preDeploy?.backupsOutput ?? {};
/** Per colour: the image and migration that ran, and the down-migration recorded for a rollback. */
export const migrations = preDeploy?.migrationsOutput ?? {};
// ---- end of backup & migration wiring ----

const colors = perColor(
    (c) =>
        new ColorStack(
            `app-${c}`,
            {
                color: c,
                stack: cfg.stack,
                version: cfg.colors[c].version,
                image: cfg.colors[c].image,
                deploymentId: releases[c].deploymentId,
                app: cfg.app,
                colorEnv: cfg.colors[c].env,
                secretEnv,
                secretEnvNames: cfg.secretEnvNames,
                networkName: host.networkName,
                after: preDeploy?.after[c], // backup & migration wiring
            },
            onHost,
        ),
);

const gates = perColor(
    (c) =>
        new HealthGate(`gate-${c}`, {
            color: c,
            version: cfg.colors[c].version.semver,
            targets: colors[c].targets,
            containerIds: colors[c].containers.map((k) => k.id),
            trafficPermille: shares[c],
            healthPaths: cfg.gates.healthPaths,
            smokePaths: cfg.gates.smokePaths,
            retries: cfg.gates.retries,
            intervalSeconds: cfg.gates.intervalSeconds,
            timeoutSeconds: cfg.gates.timeoutSeconds,
            probeContainer: router.containerName,
            dockerHost: cfg.docker.host,
        }),
);

const routing = new CanaryRouter("routing", {
    stack: cfg.stack,
    activeColor: cfg.activeColor,
    canaryPermille: cfg.canary.permille,
    versions: perColor((c) => cfg.colors[c].version.semver),
    upstreams: perColor((c) => colors[c].targets),
    header: cfg.canary.header,
    cookie: cfg.canary.cookie,
    sticky: cfg.canary.sticky,
    maintenanceMessage: cfg.router.maintenance.enabled ? cfg.router.maintenance.message : undefined,
    statusPath: cfg.router.statusPath,
    container: { name: router.containerName, id: router.containerId },
    dockerHost: cfg.docker.host,
    gates: COLORS.map((c) => gates[c]),
});

const release = pulumi
    .all([releases.blue.stamp, releases.green.stamp])
    .apply(([blue, green]) =>
        currentRelease({ version: cfg.colors.blue.version, stamp: blue }, { version: cfg.colors.green.version, stamp: green }),
    );

// ---- monitoring wiring. Only when switchyard:monitoring.enabled:
// Prometheus scrape config + alert rules (+ a Prometheus container on the app network) and the
// Grafana provisioning files. See components/observability/monitoringStack.ts and README "Monitoring".
const mon = cfg.monitoring;
const monitoring = mon.enabled
    ? new MonitoringStack(
          "monitoring",
          {
              stack: cfg.stack,
              apps: perColor((c) => ({ version: cfg.colors[c].version.semver, containers: colors[c].targets })),
              routerContainerName: router.containerName,
              routerVersion: cfg.router.image.slice(cfg.router.image.lastIndexOf(":") + 1),
              networkName: host.networkName,
              dockerHost: cfg.docker.host,
              prometheus: mon.prometheus,
              grafana: { ...mon.grafana, provisioningDir: path.resolve(mon.grafana.provisioningDir ?? `.switchyard/grafana/${cfg.stack}`) },
              thresholds: mon.thresholds,
              trafficShareTolerance: mon.trafficShareTolerance,
          },
          onHost,
      )
    : undefined;
/** Prometheus API/UI URL (when monitoring is enabled). */
export const prometheusUrl = monitoring?.prometheusUrl ?? null;
/** Host directory with the Grafana provisioning files (when monitoring is enabled). */
export const grafanaProvisioningDir = monitoring?.grafanaProvisioningDir ?? null;
// ---- end of monitoring wiring ----

export const activeColor = cfg.activeColor;
/** An emergency release outside the deployment window, with its reason (audit; policies/deploymentWindow). */
export const deploymentWindowOverride = cfg.deploymentWindow.override ?? null;
export const weights = routing.weights;
export const versions = perColor((c) => cfg.colors[c].version.semver);
export const images = perColor((c) => colors[c].image);
export const routerUrl = router.url;
export const routerStatusUrl = router.statusUrl;
export const routerContainer = router.containerName;
/** The router image (reference and id): the next update refuses to replace the router unless asked. */
export const routerImage = router.imageFacts;
export const routerConfigSha256 = routing.configSha256;
export const deploymentIds = perColor((c) => releases[c].deploymentId);
/** The stack's current release: the colour whose version changed last. */
export const deploymentId = release.apply((r) => makeDeploymentId(cfg.stack, r.version, r.stamp));
