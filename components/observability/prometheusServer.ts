import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { dockerCommand, dockerEnvironment, DockerTlsInput } from "../dockerAccess";
import { LABELS as DOCKER_LABELS, ROLES } from "../../domain/labels";
import { isLoopback } from "../../domain/address";
import { childOptions, prometheusFilesEnv } from "./wiring";

/** Paths inside the Prometheus container (the config volume is mounted at configDir). */
export const PROMETHEUS_CONTAINER = {
    configDir: "/etc/prometheus",
    configFile: "/etc/prometheus/prometheus.yml",
    rulesFile: "/etc/prometheus/switchyard-rules.yml",
    dataDir: "/prometheus",
    port: 9090,
} as const;

/** Installs the config and rules in the running Prometheus container: the image's own apply step. */
export const PROMETHEUS_APPLY_COMMAND =
    'docker exec -u root -e SY_PROM_B64 -e SY_RULES_B64 -e SY_CONFIG_FILE -e SY_RULES_FILE "$SY_CONTAINER" switchyard-apply';

export interface PrometheusServerArgs {
    /** Stack name: prefix of the Docker names, and their `switchyard.stack` label. */
    stack: string;
    /** Prometheus image with an explicit tag (images/prometheus: Debian's package). */
    image: string;
    /** Host port for the Prometheus UI/API. */
    port: number;
    /** Host address the port binds to. */
    bindAddress: string;
    /** TSDB retention, e.g. "15d". */
    retention: string;
    /** App network: the container joins it (alias `<stack>-prometheus`) and scrapes containers by name. */
    networkName: pulumi.Input<string>;
    /** Docker endpoint the apply step talks to (DOCKER_HOST). */
    dockerHost: string;
    /** TLS client certificate for a tcp:// Docker host (secrets). @default - none */
    dockerTls?: DockerTlsInput;
    /** The rendered prometheus.yml; its rule_files names PROMETHEUS_CONTAINER.rulesFile. */
    config: pulumi.Input<string>;
    /** The rendered rule file. */
    rules: string;
}

/**
 * Prometheus as a container on the app network, run by switchyard. The container never changes for
 * a release: the config lives on a named volume and the apply step writes it (`docker exec`), checks
 * it with promtool inside the container, and reloads Prometheus through its lifecycle API, as the
 * router's apply step does for nginx.
 */
export class PrometheusServer extends pulumi.ComponentResource {
    /** Name of the Prometheus container. */
    public readonly containerName: pulumi.Output<string>;
    /** URL of the Prometheus API, as published on the host. */
    public readonly url: string;

    constructor(name: string, args: PrometheusServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("switchyard:observability:PrometheusServer", name, {}, opts);
        if (!isLoopback(args.bindAddress)) {
            // Prometheus has no authentication: its API lists every target, label and version.
            void pulumi.log.warn(
                `Prometheus is published on ${args.bindAddress}:${args.port}, not loopback: anyone who reaches that address reads every ` +
                    "scrape target, container name and version and can query all metrics (Prometheus has no login). " +
                    "Keep monitoring.prometheus.bindAddress at 127.0.0.1 and reach it over SSH or a proxy with authentication, unless this is deliberate.",
                this,
            );
        }
        checkPrometheusServerArgs(args);
        const child = childOptions(this, opts);
        const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, child);
        const labels = [
            { label: DOCKER_LABELS.stack, value: args.stack },
            { label: DOCKER_LABELS.role, value: ROLES.prometheus },
        ];
        const configVolume = new docker.Volume(`${name}-config`, { name: `${args.stack}-prometheus-config`, labels }, child);
        const dataVolume = new docker.Volume(
            `${name}-data`,
            { name: `${args.stack}-prometheus-data`, labels },
            { ...child, retainOnDelete: false },
        );
        const prom = new docker.Container(
            name,
            {
                name: `${args.stack}-prometheus`,
                image: image.imageId,
                // The image's entrypoint is `tini -- prometheus`; these are its flags. Nothing a
                // release changes is an input here: config changes are applied by reload.
                command: [
                    `--config.file=${PROMETHEUS_CONTAINER.configFile}`,
                    `--storage.tsdb.path=${PROMETHEUS_CONTAINER.dataDir}`,
                    `--storage.tsdb.retention.time=${args.retention}`,
                    `--web.listen-address=0.0.0.0:${PROMETHEUS_CONTAINER.port}`,
                    "--web.enable-lifecycle",
                ],
                ports: [{ internal: PROMETHEUS_CONTAINER.port, external: args.port, ip: args.bindAddress, protocol: "tcp" }],
                networksAdvanced: [{ name: args.networkName, aliases: [`${args.stack}-prometheus`] }],
                volumes: [
                    // Empty at creation: Docker copies the image's /etc/prometheus (Debian's default
                    // config) into it, so Prometheus starts; the apply step then installs ours.
                    { volumeName: configVolume.name, containerPath: PROMETHEUS_CONTAINER.configDir },
                    { volumeName: dataVolume.name, containerPath: PROMETHEUS_CONTAINER.dataDir },
                ],
                labels,
                restart: "unless-stopped",
                mustRun: true,
                wait: false,
            },
            child,
        );
        this.containerName = prom.name;
        new command.local.Command(
            `${name}-apply`,
            {
                create: dockerCommand(PROMETHEUS_APPLY_COMMAND, args.dockerTls),
                update: dockerCommand(PROMETHEUS_APPLY_COMMAND, args.dockerTls),
                environment: {
                    ...dockerEnvironment(args.dockerHost, args.dockerTls),
                    SY_CONTAINER: prom.name,
                    SY_CONFIG_FILE: PROMETHEUS_CONTAINER.configFile,
                    SY_RULES_FILE: PROMETHEUS_CONTAINER.rulesFile,
                    ...prometheusFilesEnv(args.config, args.rules),
                },
                // A new Prometheus container starts from the volume, but is applied to again.
                triggers: [prom.id],
            },
            child,
        );
        const host = args.bindAddress === "0.0.0.0" ? "localhost" : args.bindAddress;
        this.url = `http://${host}:${args.port}`;
        this.registerOutputs({ containerName: this.containerName, url: this.url });
    }
}

/** URL of the Prometheus API on the app network (what a Grafana container there uses). */
export function prometheusNetworkUrl(stack: string): string {
    return `http://${stack}-prometheus:${PROMETHEUS_CONTAINER.port}`;
}

/** Also called by MonitoringStack before it builds any part. */
export function checkPrometheusServerArgs(args: Pick<PrometheusServerArgs, "port">): void {
    if (!Number.isInteger(args.port) || args.port < 1 || args.port > 65535) {
        throw new Error(`PrometheusServer: port must be 1..65535 (got ${args.port}); set monitoring.prometheus.port`);
    }
}
