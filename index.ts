// switchyard: blue/green and canary releases of a containerised web app on a Docker host.
// config -> previous outputs -> live-colour plan -> host -> router -> release (both colours, each
// gated) -> routing -> scheduled backups -> monitoring -> outputs. The outputs are described in README "Stack outputs".
// The program is an async function: the stack's previous outputs are read before any resource is
// registered, so an update the live-colour plan refuses changes nothing.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { BackupRunner } from "./components/backup";
import { PostgresServer } from "./components/database";
import { DockerHost } from "./components/host";
import { MonitoringStack } from "./components/observability";
import { previousRelease, Release } from "./components/release";
import { CanaryRouter, RouteFence, RouterContainer } from "./components/routing";
import { beyondOneHost, loadConfig } from "./config";
import { Color, COLORS, perColor } from "./domain/color";
import { canonical, ColorSpec, describeLiveColor, planLiveColor, previousColors } from "./domain/liveColor";
import { describeScale, planScale, previousReplicas } from "./domain/scaleDown";

export = async () => {
    const { config: cfg, secretEnv, backupSecrets, notificationSecrets, registryAuth, dockerTls } = loadConfig();
    const { stack, docker } = cfg;
    const severalHosts = beyondOneHost(docker.hosts);
    if (severalHosts !== undefined) {
        throw new pulumi.RunError(severalHosts);
    }
    const previous = previousRelease();
    const recorded = await previous.colors();

    const desired = perColor((c): ColorSpec => ({
        version: cfg.colors[c].version.semver,
        env: { ...cfg.app.env, ...cfg.colors[c].env },
        resources: cfg.app.resources,
        healthcheck: cfg.app.healthcheck,
        secretEnvNames: cfg.secretEnvNames,
    }));
    const planned = planLiveColor({
        activeColor: cfg.activeColor,
        previous: previousColors(recorded),
        desired,
        roll: perColor((c) => cfg.colors[c].roll),
        emergency: perColor((c) => cfg.colors[c].emergencyOverride?.reason),
    });
    if (!planned.ok) {
        throw new pulumi.RunError(`switchyard: ${planned.reason}`);
    }
    const live = planned.plan;
    void pulumi.log.info(describeLiveColor(live));
    // Time-dependent by design: the idle colour drops to app.idleReplicas once app.scaleDownDelay has passed.
    const scaleOf = { replicas: cfg.app.replicas, ...cfg.scaleDown };
    const scale = planScale({
        activeColor: cfg.activeColor,
        canaryPermille: cfg.canary.permille,
        versions: perColor((c) => cfg.colors[c].version.semver),
        previous: recorded,
        ...scaleOf,
        now: Date.now(),
    });
    describeScale(scale, previousReplicas(recorded.colorScale), scaleOf).forEach((l) => void pulumi.log.info(l));
    // A pinned colour keeps the secret env values it was released with (when they were recorded).
    const recordedSecrets = (recorded.colorSecretEnv ?? {}) as Partial<Record<string, Record<string, string>>>;
    const colorSecretEnv = perColor((c) => {
        const kept = recordedSecrets[c];
        return live.pinned[c] && kept !== undefined ? pulumi.secret(kept) : secretEnv;
    });
    for (const c of COLORS) {
        if (live.pinned[c] && recordedSecrets[c] !== undefined) {
            pulumi.all([secretEnv, colorSecretEnv[c]]).apply(([now, kept]) => {
                if (JSON.stringify(now) !== JSON.stringify(kept)) {
                    void pulumi.log.info(
                        `switchyard: ${c} (live) keeps its released secretEnv values, pending: secretEnv (applied when it is idle, or with colors.${c}.roll)`,
                    );
                }
            });
        }
    }

    const versionOf = perColor((c) => cfg.colors[c].version.semver);
    const traffic = { activeColor: cfg.activeColor, canaryPermille: cfg.canary.permille };

    const host = new DockerHost("host", { stack, host: docker.host, networkName: docker.network, registryAuth, tls: dockerTls });
    const onHost = { providers: [host.provider] };
    const onNetwork = { stack, networkName: host.networkName, dockerHost: docker.host, dockerTls };

    // The stack's own database (switchyard:database), healthy before the first snapshot: the backup
    // URLs pass through its container id, so every snapshot (and the migration after it) waits for it.
    const database = cfg.database
        ? new PostgresServer(
              "database",
              {
                  stack,
                  containerName: cfg.database.containerName,
                  volumeName: cfg.database.volumeName,
                  image: cfg.database.postgres.image,
                  networkName: host.networkName,
                  url: backupSecrets.apply((s) => s[cfg.database!.postgres.source]),
              },
              onHost,
          )
        : undefined;
    const backupUrls = database ? pulumi.all([backupSecrets, database.container.id]).apply(([s]) => s) : backupSecrets;

    const router = new RouterContainer("router", { ...onNetwork, ...cfg.router, previous: previous.routerImage }, onHost);

    // Before an idle colour's containers change (after its snapshot and migration), the router
    // stops sending it anything, forced requests included, until its gate passed and the routing
    // apply lifts the fence.
    const routerRef = { name: router.containerName, id: router.containerId };
    const fences: Partial<Record<Color, RouteFence>> = {};
    const fence = (c: Color, after: pulumi.Input<pulumi.Resource>[]) => {
        fences[c] = new RouteFence(`fence-${c}`, {
            color: c,
            key: pulumi.output(colorSecretEnv[c]).apply((secrets) =>
                createHash("sha256")
                    .update(canonical({ image: cfg.colors[c].image, spec: live.effective[c], secrets }))
                    .digest("hex"),
            ),
            container: routerRef,
            dockerHost: docker.host,
            dockerTls,
            after,
        });
        return fences[c].step;
    };

    const release = new Release(
        "release",
        {
            ...onNetwork,
            ...traffic,
            app: cfg.app,
            replicas: perColor((c) => scale[c].replicas),
            specs: live.effective,
            secretEnv: colorSecretEnv,
            gates: cfg.gates,
            colors: cfg.colors,
            previousVersions: previous.versions,
            probeContainer: router.containerName,
            beforeContainers: fence,
            backup: cfg.backup ? { settings: cfg.backup, secrets: backupUrls, migration: cfg.migration } : undefined,
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
        container: routerRef,
        fenceStamps: COLORS.map((c) => fences[c]!.stamp),
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
                      dockerHost: docker.host,
                      dockerTls,
                      notifications: { settings: cfg.notifications, secrets: notificationSecrets },
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

    return {
        activeColor: cfg.activeColor,
        weights: routing.weights,
        versions: versionOf,
        images: perColor((c) => release.colorStacks[c].image),
        deploymentIds: release.deploymentIds,
        deploymentId: release.currentDeploymentId,
        deploymentWindowOverride: cfg.deploymentWindow.override ?? null,
        // What each colour runs (the live one: what it was released with), and what waits for it.
        colorSpecs: live.effective,
        colorSecretEnv: pulumi.secret(colorSecretEnv),
        // Per colour: state, replicas, and since when it is idle and when it drops to app.idleReplicas.
        colorScale: scale,
        liveColor: {
            live: live.live ?? null,
            pinned: live.pinned,
            pending: live.pending,
            touched: live.touched,
            emergencyOverride: live.emergencyOverride ?? null,
        },
        routerUrl: router.url,
        routerStatusUrl: router.statusUrl,
        routerContainer: router.containerName,
        routerImage: router.imageFacts,
        routerConfigSha256: routing.configSha256,
        routerSpec: routing.spec,
        canaryHeader: routing.header ?? null,
        backups: release.preDeploy?.backupsOutput ?? {},
        migrations: release.preDeploy?.migrationsOutput ?? {},
        backupRunnerContainer: backupRunner?.containerName ?? null,
        databaseContainer: database?.containerName ?? null,
        prometheusUrl: monitoring?.prometheusUrl ?? null,
        latestRecord: cfg.latestRecord ?? null,
        grafanaProvisioningDir: monitoring?.grafanaProvisioningDir ?? null,
    };
};
