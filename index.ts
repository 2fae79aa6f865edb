// switchyard: blue/green and canary releases of a containerised web app on one or several Docker hosts.
// config -> previous outputs -> live-colour plan -> per host: host, router -> release (both colours
// on every host, each gated) -> routing (every router, after every host's gates) -> scheduled
// backups -> monitoring (both on the first host) -> outputs. The outputs are described in README "Stack outputs".
// The program is an async function: the stack's previous outputs are read before any resource is
// registered, so an update the live-colour plan refuses changes nothing.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { BackupRunner } from "./components/backup";
import { PostgresServer } from "./components/database";
import { DockerHost } from "./components/host";
import { MonitoringStack } from "./components/observability";
import { HealthGate, HostRelease, previousRelease, Release } from "./components/release";
import { CanaryRouter, RouteFence, RouterContainer } from "./components/routing";
import { loadConfig } from "./config";
import { Color, COLORS, perColor } from "./domain/color";
import { routerUrlOn } from "./domain/address";
import { canonical, ColorSpec, describeLiveColor, planLiveColor, previousColors } from "./domain/liveColor";
import { describeScale, planScale, previousReplicas } from "./domain/scaleDown";

export = async () => {
    const { config: cfg, secretEnv, backupSecrets, notificationSecrets, registryAuth, dockerTls } = loadConfig();
    const { stack, docker } = cfg;
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

    // Every host runs both colours and its own router. The first keeps the names a single-host stack
    // has always had; the others are named `<resource>@<host>` (README "Several Docker hosts").
    const hostList = docker.hosts ?? [{ name: "default", host: docker.host, labels: {} }];
    const excluded = new Set(docker.excludeHosts);
    const hosts = hostList.map((entry, i) => {
        const named = (base: string) => (i === 0 ? base : `${base}@${entry.name}`);
        const host = new DockerHost(named("host"), { stack, host: entry.host, networkName: docker.network, registryAuth, tls: dockerTls });
        const onHost = { providers: [host.provider] };
        const onNetwork = { stack, networkName: host.networkName, dockerHost: entry.host, dockerTls };
        const router = new RouterContainer(named("router"), { ...onNetwork, ...cfg.router, previous: previous.routerImage }, onHost);
        // Before an idle colour's containers change (after its snapshot and migration), the router
        // stops sending it anything, forced requests included, until every host's gate passed and
        // the routing apply lifts the fence.
        const routerRef = { name: router.containerName, id: router.containerId };
        const fences: Partial<Record<Color, RouteFence>> = {};
        const fence = (c: Color, after: pulumi.Input<pulumi.Resource>[]) => {
            fences[c] = new RouteFence(named(`fence-${c}`), {
                color: c,
                key: pulumi.output(colorSecretEnv[c]).apply((secrets) =>
                    createHash("sha256")
                        .update(canonical({ image: cfg.colors[c].image, spec: live.effective[c], secrets }))
                        .digest("hex"),
                ),
                container: routerRef,
                dockerHost: entry.host,
                dockerTls,
                after,
            });
            return fences[c].step;
        };
        return { entry, named, host, onHost, onNetwork, router, routerRef, fences, fence };
    });
    const first = hosts[0];

    // The stack's own database (switchyard:database, on the first host), healthy before the first snapshot:
    // the backup URLs pass through its container id, so every snapshot (and the migration after it) waits for it.
    const database = cfg.database
        ? new PostgresServer(
              "database",
              {
                  stack,
                  containerName: cfg.database.containerName,
                  volumeName: cfg.database.volumeName,
                  image: cfg.database.postgres.image,
                  networkName: first.host.networkName,
                  url: backupSecrets.apply((s) => s[cfg.database!.postgres.source]),
              },
              first.onHost,
          )
        : undefined;
    const backupUrls = database ? pulumi.all([backupSecrets, database.container.id]).apply(([s]) => s) : backupSecrets;

    const releaseArgs = {
        ...traffic,
        app: cfg.app,
        replicas: perColor((c) => scale[c].replicas),
        specs: live.effective,
        secretEnv: colorSecretEnv,
        gates: cfg.gates,
        colors: cfg.colors,
    };
    const release = new Release(
        "release",
        {
            ...first.onNetwork,
            ...releaseArgs,
            previousVersions: previous.versions,
            probeContainer: first.router.containerName,
            beforeContainers: first.fence,
            backup: cfg.backup ? { settings: cfg.backup, secrets: backupUrls, migration: cfg.migration } : undefined,
        },
        first.onHost,
    );
    const onHosts = hosts.map((h, i) =>
        i === 0
            ? { ...h, release }
            : {
                  ...h,
                  release: new HostRelease(
                      h.named("release"),
                      {
                          ...h.onNetwork,
                          ...releaseArgs,
                          deploymentIds: release.deploymentIds,
                          after: perColor((c) => release.preDeploy?.after[c]),
                          probeContainer: h.router.containerName,
                          beforeContainers: h.fence,
                      },
                      h.onHost,
                  ),
              },
    );
    // No router changes until the gates of every host (but one left out of this update) passed:
    // one failed gate leaves every router as it was, and a flip reaches all of them in one update.
    const allGates: HealthGate[] = onHosts.filter((h) => !excluded.has(h.entry.name)).flatMap((h) => COLORS.map((c) => h.release.gates[c]));
    const routingArgs = {
        ...cfg.canary,
        ...traffic,
        versions: versionOf,
        gates: allGates,
        statusPath: cfg.router.statusPath,
        statusPublic: cfg.router.status.public,
        maintenanceMessage: cfg.router.maintenance.enabled ? cfg.router.maintenance.message : undefined,
    };
    const routing = new CanaryRouter("routing", {
        ...first.onNetwork,
        ...routingArgs,
        upstreams: release.targets,
        container: first.routerRef,
        fenceStamps: COLORS.map((c) => first.fences[c]!.stamp),
    });
    // The same routing everywhere, the canary header's value included (made once, by the first).
    const header =
        cfg.canary.header && routing.header ? { name: cfg.canary.header.name, value: routing.header.apply((h) => h.value) } : undefined;
    const routings = onHosts.map((h, i) =>
        i === 0
            ? routing
            : new CanaryRouter(h.named("routing"), {
                  ...h.onNetwork,
                  ...routingArgs,
                  header,
                  upstreams: h.release.targets,
                  container: h.routerRef,
                  fenceStamps: COLORS.map((c) => h.fences[c]!.stamp),
              }),
    );
    const router = first.router;
    const host = first.host;
    const onHost = first.onHost;
    const onNetwork = first.onNetwork;

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
        // Several hosts: each host's router, and the hosts this update left out (the single-host form has neither).
        ...(hosts.length > 1
            ? {
                  hosts: onHosts.map((h, i) => ({
                      name: h.entry.name,
                      host: h.entry.host,
                      labels: h.entry.labels,
                      routerUrl: routerUrlOn(h.entry.host, cfg.router.port, cfg.router.bindAddress),
                      routerContainer: h.router.containerName,
                      routerConfigSha256: routings[i].configSha256,
                  })),
                  excludedHosts: [...excluded],
                  // Every router's spec (secrets: the header value): rollback's fast path flips all of them or none.
                  hostRouters: pulumi.secret(
                      onHosts.map((h, i) => ({
                          name: h.entry.name,
                          host: h.entry.host,
                          container: h.router.containerName,
                          spec: routings[i].spec,
                      })),
                  ),
              }
            : {}),
    };
};
