import * as pulumi from "@pulumi/pulumi";
import type { DockerTlsInput } from "../dockerAccess";
import { Color, COLORS } from "../../domain/color";
import { ROUTER_EXPORTER_PORT } from "../../domain/routerImage";
import { renderAlertRules } from "./alertRules";
import { GrafanaPushArgs } from "./grafanaDashboard";
import { AppTarget, renderPrometheusConfig } from "./prometheusConfig";
import { checkGrafanaDashboardArgs, GrafanaDashboard, GrafanaDashboardArgs } from "./grafanaDashboard";
import { checkPrometheusFilesArgs, PrometheusFiles, prometheusFilesRulesPath } from "./prometheusFiles";
import { checkPrometheusServerArgs, PROMETHEUS_CONTAINER, prometheusNetworkUrl, PrometheusServer } from "./prometheusServer";

/** One app container as ColorStack reports it (name, address on the app network, port). */
export interface MonitoredContainer {
    readonly name: string;
    readonly address: string;
    readonly port: number;
}

export interface MonitoringThresholds {
    /** 5xx share per colour (0.001 = 0.1%) and p95 seconds, outside a release. */
    steady: { errorRatio: number; p95Seconds: number };
    /** The same while a release is in progress (split traffic or a recent router config change). */
    release: { errorRatio: number; p95Seconds: number };
}

export interface MonitoringStackArgs {
    /** Stack name: the `stack` label of every series, and the prefix of Docker names. */
    stack: string;
    /** Per colour: the version it runs (the `version` label) and its app containers (ColorStack.targets). */
    apps: Record<Color, { version: string; containers: pulumi.Input<MonitoredContainer[]> }>;
    /** The router container; its exporter (mtail, images/router) listens on ROUTER_EXPORTER_PORT on the app network. */
    routerContainerName: pulumi.Input<string>;
    /** `version` label of the router series (e.g. the router image tag). @default "unknown" */
    routerVersion?: string;
    /** App network: the Prometheus container joins it and scrapes containers by name. */
    networkName: pulumi.Input<string>;
    /** Docker endpoint the apply step talks to (DOCKER_HOST). */
    dockerHost: string;
    /** TLS client certificate for a tcp:// Docker host (secrets). @default - none */
    dockerTls?: DockerTlsInput;
    prometheus: {
        /**
         * container: run Prometheus (image) on the app network, config on a volume, reloaded in place.
         * external: an existing Prometheus; prometheus.yml and the rule file are written to configDir.
         */
        mode: "container" | "external";
        /** Prometheus image with an explicit tag (images/prometheus: Debian's package). Container mode. */
        image: string;
        /** Host port for the Prometheus UI/API (container mode). */
        port: number;
        /** Host address the port binds to. */
        bindAddress: string;
        /** Prometheus scrape and rule evaluation interval, e.g. "15s". */
        scrapeInterval: string;
        /** TSDB retention, e.g. "15d". Container mode. */
        retention: string;
        /** External mode: directory (on the machine running Pulumi) the existing Prometheus reads. */
        configDir?: string;
    };
    grafana: {
        /** Directory (on the machine running Pulumi) for the provisioning files; see README "Monitoring". */
        provisioningDir: string;
        /** URL Grafana's backend uses to reach Prometheus. @default http://<stack>-prometheus:9090 (container mode) */
        prometheusUrl?: string;
        /** Where the Grafana container sees `<provisioningDir>/dashboards`. */
        dashboardsPath: string;
        /**
         * Also push the dashboard and the data source to an existing Grafana through its HTTP API
         * (runtime/grafana-push.js), again whenever the dashboard changes. Needs prometheusUrl.
         * @default - no push (provisioning files only)
         */
        push?: GrafanaPushArgs;
    };
    /** Alert thresholds (defaults: 0.1% / 50 ms steady, 0.5% / 2 s during a release). */
    thresholds: MonitoringThresholds;
    /** Largest tolerated |measured share - configured weight| per colour. */
    trafficShareTolerance: number;
    /**
     * Scheduled backups (BackupRunner): scrape the runner, alert when the newest verified snapshot is
     * older than maxAgeMinutes or the last run failed, for alertForSeconds.
     * @default - no backup scrape job, alert or panel data
     */
    backup?: { runnerAddress: string; maxAgeMinutes: number; alertForSeconds: number };
}

/**
 * Monitoring of one stack: the Prometheus scrape config (both colours' app containers with
 * `stack`/`color`/`version`/`container` labels, and the router exporter) and the alert rules, handed
 * to Prometheus in one of two modes: PrometheusServer (a container switchyard runs on the app
 * network) or PrometheusFiles (the files, for a Prometheus the user runs); plus the Grafana
 * dashboard and data source (GrafanaDashboard).
 */
export class MonitoringStack extends pulumi.ComponentResource {
    /** URL of the Prometheus API (host-published in container mode; grafana.prometheusUrl in external mode). */
    public readonly prometheusUrl: string;
    /** Name of the Prometheus container (container mode). */
    public readonly prometheusContainerName?: pulumi.Output<string>;
    public readonly grafanaProvisioningDir: string;
    /** The rendered prometheus.yml and rule file (what the apply step installs). */
    public readonly prometheusConfig: pulumi.Output<string>;
    public readonly alertRules: string;
    /** sha256 of the dashboard JSON (the file, and what the push sends). */
    public readonly dashboardSha256: string;

    constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("switchyard:observability:MonitoringStack", name, {}, opts);
        validate(args);
        const p = args.prometheus;
        const server =
            p.mode === "container"
                ? {
                      stack: args.stack,
                      image: p.image,
                      port: p.port,
                      bindAddress: p.bindAddress,
                      retention: p.retention,
                      networkName: args.networkName,
                      dockerHost: args.dockerHost,
                      dockerTls: args.dockerTls,
                  }
                : undefined;
        const files = p.mode === "external" ? { configDir: p.configDir! } : undefined;
        const grafana: GrafanaDashboardArgs = {
            stack: args.stack,
            provisioningDir: args.grafana.provisioningDir,
            dashboardsPath: args.grafana.dashboardsPath,
            prometheusUrl: args.grafana.prometheusUrl ?? prometheusNetworkUrl(args.stack),
            scrapeInterval: p.scrapeInterval,
            push: args.grafana.push,
        };
        // Every part's settings are checked before any part is built.
        if (server) checkPrometheusServerArgs(server);
        if (files) checkPrometheusFilesArgs(files);
        checkGrafanaDashboardArgs(grafana);
        const rulesPath = server ? PROMETHEUS_CONTAINER.rulesFile : prometheusFilesRulesPath(files!.configDir);

        this.alertRules = renderAlertRules({
            stack: args.stack,
            thresholds: args.thresholds,
            trafficShareTolerance: args.trafficShareTolerance,
            ...(args.backup ? { backup: { maxAgeSeconds: args.backup.maxAgeMinutes * 60, for: `${args.backup.alertForSeconds}s` } } : {}),
        });
        const appTargets = pulumi.all(COLORS.map((c) => pulumi.output(args.apps[c].containers))).apply((lists) =>
            lists.flatMap((list, i): AppTarget[] =>
                list.map((t) => ({
                    // By name: stable across container recreation; Docker's DNS on the app network resolves it.
                    address: `${t.name}:${t.port}`,
                    color: COLORS[i],
                    version: args.apps[COLORS[i]].version,
                    container: t.name,
                })),
            ),
        );
        this.prometheusConfig = pulumi.all([appTargets, pulumi.output(args.routerContainerName)]).apply(([targets, router]) =>
            renderPrometheusConfig({
                stack: args.stack,
                scrapeInterval: p.scrapeInterval,
                appTargets: targets,
                router: { address: `${router}:${ROUTER_EXPORTER_PORT}`, version: args.routerVersion ?? "unknown" },
                ruleFiles: [rulesPath],
                ...(args.backup ? { backupRunner: { address: args.backup.runnerAddress } } : {}),
            }),
        );

        // `<name>-prometheus` (either mode) and `<name>-grafana` prefix every resource name below: names are permanent.
        const toInstall = { config: this.prometheusConfig, rules: this.alertRules };
        if (server) {
            const prometheus = new PrometheusServer(`${name}-prometheus`, { ...server, ...toInstall }, { parent: this });
            this.prometheusContainerName = prometheus.containerName;
            this.prometheusUrl = prometheus.url;
        } else {
            new PrometheusFiles(`${name}-prometheus`, { ...files!, ...toInstall }, { parent: this });
            this.prometheusUrl = args.grafana.prometheusUrl!;
        }
        const dashboard = new GrafanaDashboard(`${name}-grafana`, grafana, { parent: this });
        this.grafanaProvisioningDir = dashboard.provisioningDir;
        this.dashboardSha256 = dashboard.dashboardSha256;

        this.registerOutputs({
            dashboardSha256: this.dashboardSha256,
            prometheusUrl: this.prometheusUrl,
            grafanaProvisioningDir: this.grafanaProvisioningDir,
            prometheusConfig: this.prometheusConfig,
        });
    }
}

/** What needs more than one part: each part checks its own settings. */
function validate(args: MonitoringStackArgs): void {
    if (args.prometheus.mode === "external" && !args.grafana.prometheusUrl) {
        throw new Error(
            "MonitoringStack: prometheus.mode is external but grafana.prometheusUrl is unset; " +
                "set monitoring.grafana.prometheusUrl to the URL Grafana uses to reach that Prometheus",
        );
    }
    if (args.grafana.push && !args.grafana.prometheusUrl) {
        throw new Error(
            "MonitoringStack: grafana.push is set but grafana.prometheusUrl is unset; set monitoring.grafana.prometheusUrl " +
                "to the URL the existing Grafana uses to reach Prometheus",
        );
    }
}
