// switchyard: blue/green and canary releases of a containerised web app on a Docker host.
// Read config once -> build components -> export outputs. See README.md for the flow.
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { ColorStack } from "./components/app";
import { DockerHost } from "./components/host";
import { currentRelease, deploymentId as makeDeploymentId, HealthGate, ReleaseStamp } from "./components/release";
import { CanaryRouter, Color, COLORS, RouterContainer, sharesFor } from "./components/routing";

const { config: cfg, secretEnv } = loadConfig();

const host = new DockerHost("host", {
    host: cfg.docker.host,
    networkName: cfg.docker.network,
    labels: { "switchyard.stack": cfg.stack },
});
const onHost: pulumi.ComponentResourceOptions = { providers: [host.provider] };

const router = new RouterContainer("router", {
    stack: cfg.stack,
    image: cfg.router.image,
    port: cfg.router.port,
    bindAddress: cfg.router.bindAddress,
    networkName: host.networkName,
    statusPath: cfg.router.statusPath,
}, onHost);

const shares = sharesFor(cfg.activeColor, cfg.canary.permille);
const perColor = <T>(make: (c: Color) => T): Record<Color, T> =>
    ({ blue: make("blue"), green: make("green") });

const releases = perColor((c) => new ReleaseStamp(`release-${c}`, {
    stack: cfg.stack,
    version: cfg.colors[c].version,
}));

const colors = perColor((c) => new ColorStack(`app-${c}`, {
    color: c,
    stack: cfg.stack,
    version: cfg.colors[c].version,
    image: cfg.colors[c].image,
    deploymentId: releases[c].deploymentId,
    app: cfg.app,
    colorEnv: cfg.colors[c].env,
    secretEnv,
    networkName: host.networkName,
}, onHost));

const gates = perColor((c) => new HealthGate(`gate-${c}`, {
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
}));

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

const release = pulumi.all([releases.blue.stamp, releases.green.stamp]).apply(([blue, green]) =>
    currentRelease({ version: cfg.colors.blue.version, stamp: blue }, { version: cfg.colors.green.version, stamp: green }));

export const activeColor = cfg.activeColor;
export const weights = routing.weights;
export const versions = perColor((c) => cfg.colors[c].version.semver);
export const images = perColor((c) => colors[c].image);
export const routerUrl = router.url;
export const routerStatusUrl = router.statusUrl;
export const routerContainer = router.containerName;
export const routerConfigSha256 = routing.configSha256;
export const deploymentIds = perColor((c) => releases[c].deploymentId);
/** The stack's current release: the colour whose version changed last. */
export const deploymentId = release.apply((r) => makeDeploymentId(cfg.stack, r.version, r.stamp));
