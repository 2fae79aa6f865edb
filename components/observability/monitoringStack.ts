import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { Color, COLORS } from "../../domain/color";
import { LABELS as DOCKER_LABELS, ROLES } from "../../domain/labels";
import { ROUTER_EXPORTER_PORT } from "../../domain/routerImage";
import { runtimeCommand } from "../runtimeCommand";
import { renderAlertRules } from "./alertRules";
import { renderDashboardJson } from "./dashboard";
import { datasourceApiBody, renderDashboardProvider, renderDatasourceProvisioning } from "./grafanaProvisioning";
import { AppTarget, renderPrometheusConfig } from "./prometheusConfig";

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
}

export interface GrafanaPushArgs {
    /** Grafana's base URL, e.g. https://grafana.example.com (a sub-path is kept). */
    url: string;
    /** uid of an existing folder for the dashboard. @default - Grafana's root folder */
    folderUid?: string;
    /** Replace the dashboard even if it was changed in Grafana; false: Grafana answers 412 and the push fails. */
    overwrite: boolean;
    /** API token (service account). Always passed on as a Pulumi secret, only in the script's environment. */
    token: pulumi.Input<string>;
}

/** The push step: relative to the program directory (the Command's working directory), as the health gate's. */
export const GRAFANA_PUSH_COMMAND = runtimeCommand("grafana-push.js");

/** Paths inside the Prometheus container (the config volume is mounted at CONFIG_DIR). */
export const PROMETHEUS_CONTAINER = {
    configDir: "/etc/prometheus",
    configFile: "/etc/prometheus/prometheus.yml",
    rulesFile: "/etc/prometheus/switchyard-rules.yml",
    dataDir: "/prometheus",
    port: 9090,
} as const;

/**
 * Monitoring of one stack: the Prometheus scrape config (both colours' app containers with
 * `stack`/`color`/`version`/`container` labels, and the router exporter), the alert rules, and
 * Prometheus itself as a container on the app network (or an existing Prometheus: then only the
 * files are written), plus the Grafana provisioning files (datasource, dashboard provider, the
 * release dashboard) in a host directory a Grafana container mounts.
 *
 * The Prometheus container never changes for a release: the config lives on a named volume and
 * the apply step writes it (`docker exec`), checks it with promtool inside the container, and
 * reloads Prometheus through its lifecycle API, as the router's apply step does for nginx.
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
        const container = p.mode === "container";
        const rulesPath = container ? PROMETHEUS_CONTAINER.rulesFile : `${p.configDir}/switchyard-rules.yml`;

        this.alertRules = renderAlertRules({
            stack: args.stack,
            thresholds: args.thresholds,
            trafficShareTolerance: args.trafficShareTolerance,
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
            }),
        );
        const files = {
            SY_PROM_B64: this.prometheusConfig.apply(b64),
            SY_RULES_B64: b64(this.alertRules),
        };

        if (container) {
            const image = new docker.RemoteImage(`${name}-prometheus-image`, { name: p.image, keepLocally: true }, { parent: this });
            const labels = [
                { label: DOCKER_LABELS.stack, value: args.stack },
                { label: DOCKER_LABELS.role, value: ROLES.prometheus },
            ];
            const configVolume = new docker.Volume(
                `${name}-prometheus-config`,
                {
                    name: `${args.stack}-prometheus-config`,
                    labels,
                },
                { parent: this },
            );
            const dataVolume = new docker.Volume(
                `${name}-prometheus-data`,
                {
                    name: `${args.stack}-prometheus-data`,
                    labels,
                },
                { parent: this, retainOnDelete: false },
            );
            const prom = new docker.Container(
                `${name}-prometheus`,
                {
                    name: `${args.stack}-prometheus`,
                    image: image.imageId,
                    // The image's entrypoint is `tini -- prometheus`; these are its flags. Nothing a
                    // release changes is an input here: config changes are applied by reload.
                    command: [
                        `--config.file=${PROMETHEUS_CONTAINER.configFile}`,
                        `--storage.tsdb.path=${PROMETHEUS_CONTAINER.dataDir}`,
                        `--storage.tsdb.retention.time=${p.retention}`,
                        `--web.listen-address=0.0.0.0:${PROMETHEUS_CONTAINER.port}`,
                        "--web.enable-lifecycle",
                    ],
                    ports: [{ internal: PROMETHEUS_CONTAINER.port, external: p.port, ip: p.bindAddress, protocol: "tcp" }],
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
                { parent: this },
            );
            this.prometheusContainerName = prom.name;
            new command.local.Command(
                `${name}-prometheus-apply`,
                {
                    create: PROMETHEUS_APPLY_COMMAND,
                    update: PROMETHEUS_APPLY_COMMAND,
                    environment: {
                        DOCKER_HOST: args.dockerHost,
                        SY_CONTAINER: prom.name,
                        SY_CONFIG_FILE: PROMETHEUS_CONTAINER.configFile,
                        SY_RULES_FILE: PROMETHEUS_CONTAINER.rulesFile,
                        ...files,
                    },
                    // A new Prometheus container starts from the volume, but is applied to again.
                    triggers: [prom.id],
                },
                { parent: this },
            );
            const host = p.bindAddress === "0.0.0.0" ? "localhost" : p.bindAddress;
            this.prometheusUrl = `http://${host}:${p.port}`;
        } else {
            new command.local.Command(
                `${name}-prometheus-files`,
                {
                    create: runtimeCommand("prometheus-files.sh"),
                    update: runtimeCommand("prometheus-files.sh"),
                    delete: runtimeCommand("prometheus-files.sh", "delete"),
                    environment: { SY_DIR: p.configDir!, ...files },
                },
                { parent: this },
            );
            this.prometheusUrl = args.grafana.prometheusUrl!;
        }

        // Grafana file provisioning: <dir>/provisioning -> /etc/grafana/provisioning,
        // <dir>/dashboards -> dashboardsPath.
        const dir = args.grafana.provisioningDir;
        this.grafanaProvisioningDir = dir;
        const datasource = {
            prometheusUrl: args.grafana.prometheusUrl ?? `http://${args.stack}-prometheus:${PROMETHEUS_CONTAINER.port}`,
            name: `Switchyard Prometheus (${args.stack})`,
            scrapeInterval: p.scrapeInterval,
        };
        const dashboardJson = renderDashboardJson({ stack: args.stack });
        this.dashboardSha256 = createHash("sha256").update(dashboardJson, "utf8").digest("hex");
        const grafanaFiles: Record<string, string> = {
            [`provisioning/datasources/switchyard-${args.stack}.yaml`]: renderDatasourceProvisioning(datasource),
            [`provisioning/dashboards/switchyard-${args.stack}.yaml`]: renderDashboardProvider({
                dashboardsPath: args.grafana.dashboardsPath,
            }),
            [`dashboards/switchyard-release-${args.stack}.json`]: dashboardJson,
        };
        new command.local.Command(
            `${name}-grafana-files`,
            {
                create: runtimeCommand("grafana-files.js"),
                update: runtimeCommand("grafana-files.js"),
                delete: runtimeCommand("grafana-files.js", "delete"),
                environment: {
                    SY_DIR: dir,
                    SY_FILES_B64: b64(JSON.stringify(grafanaFiles)),
                    SY_FILE_NAMES: Object.keys(grafanaFiles).join(" "),
                },
            },
            { parent: this },
        );

        const push = args.grafana.push;
        if (push) {
            // Inputs are plain, known values (plus the secret token): the step re-runs (update) only
            // when the dashboard (its sha256), the data source or the push settings change.
            const dsBody = datasourceApiBody(datasource);
            new command.local.Command(
                `${name}-grafana-push`,
                {
                    create: GRAFANA_PUSH_COMMAND,
                    update: GRAFANA_PUSH_COMMAND,
                    environment: {
                        SY_GRAFANA_URL: push.url,
                        SY_GRAFANA_TOKEN: pulumi.secret(push.token),
                        SY_DASHBOARD_B64: b64(dashboardJson),
                        SY_DASHBOARD_SHA256: this.dashboardSha256,
                        SY_DATASOURCE_B64: b64(JSON.stringify(dsBody)),
                        SY_OVERWRITE: String(push.overwrite),
                        SY_MESSAGE: `switchyard ${args.stack}: release dashboard ${this.dashboardSha256.slice(0, 12)}`,
                        ...(push.folderUid ? { SY_FOLDER_UID: push.folderUid } : {}),
                    },
                    // stdout (kept in state) is the summary line: uid, version, URL; never the token.
                },
                { parent: this },
            );
        }

        this.registerOutputs({
            dashboardSha256: this.dashboardSha256,
            prometheusUrl: this.prometheusUrl,
            grafanaProvisioningDir: this.grafanaProvisioningDir,
            prometheusConfig: this.prometheusConfig,
        });
    }
}

function b64(s: string): string {
    return Buffer.from(s, "utf8").toString("base64");
}

function validate(args: MonitoringStackArgs): void {
    const p = args.prometheus;
    if (p.mode === "external" && !p.configDir?.startsWith("/")) {
        throw new Error(
            `MonitoringStack: prometheus.mode is external but configDir is ${JSON.stringify(p.configDir)}; ` +
                "set monitoring.prometheus.configDir to the absolute directory the existing Prometheus reads",
        );
    }
    if (p.mode === "external" && !args.grafana.prometheusUrl) {
        throw new Error(
            "MonitoringStack: prometheus.mode is external but grafana.prometheusUrl is unset; " +
                "set monitoring.grafana.prometheusUrl to the URL Grafana uses to reach that Prometheus",
        );
    }
    if (!args.grafana.provisioningDir.startsWith("/")) {
        throw new Error(`MonitoringStack: grafana.provisioningDir must be absolute (got ${JSON.stringify(args.grafana.provisioningDir)})`);
    }
    for (const [what, v] of [
        ["provisioningDir", args.grafana.provisioningDir],
        ["configDir", p.configDir ?? "/"],
    ] as const) {
        if (/['"\\$`\u0000-\u001f]/.test(v)) {
            throw new Error(`MonitoringStack: ${what} ${JSON.stringify(v)} contains a quote, $, \` or a control character`);
        }
    }
    const push = args.grafana.push;
    if (push) {
        if (!/^https?:\/\/[^\s/'"@\\]+(\/[^\s'"@\\?#]*)?$/.test(push.url)) {
            throw new Error(
                `MonitoringStack: grafana.push.url must be Grafana's base URL such as https://grafana.example.com, without credentials or query (got ${JSON.stringify(push.url)})`,
            );
        }
        if (!args.grafana.prometheusUrl) {
            throw new Error(
                "MonitoringStack: grafana.push is set but grafana.prometheusUrl is unset; set monitoring.grafana.prometheusUrl " +
                    "to the URL the existing Grafana uses to reach Prometheus",
            );
        }
        if (push.folderUid !== undefined && !/^[A-Za-z0-9_-]{1,40}$/.test(push.folderUid)) {
            throw new Error(`MonitoringStack: grafana.push.folderUid must be a Grafana folder uid (got ${JSON.stringify(push.folderUid)})`);
        }
    }
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
        throw new Error(`MonitoringStack: prometheus.port must be 1..65535 (got ${p.port})`);
    }
}

/** Installs the config and rules in the running Prometheus container: the image's own apply step. */
export const PROMETHEUS_APPLY_COMMAND =
    'docker exec -u root -e SY_PROM_B64 -e SY_RULES_B64 -e SY_CONFIG_FILE -e SY_RULES_FILE "$SY_CONTAINER" switchyard-apply';
