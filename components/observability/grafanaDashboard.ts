import * as command from "@pulumi/command";
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { runtimeCommand } from "../runtimeCommand";
import { renderDashboardJson } from "./dashboard";
import { datasourceApiBody, renderDashboardProvider, renderDatasourceProvisioning } from "./grafanaProvisioning";
import { checkHostDir } from "./validate";
import { b64, childOptions } from "./wiring";

/** The push step: relative to the program directory (the Command's working directory), as the health gate's. */
export const GRAFANA_PUSH_COMMAND = runtimeCommand("grafana-push.js");

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

export interface GrafanaDashboardArgs {
    /** Stack name: in the file names, the data source name and the dashboard's queries. */
    stack: string;
    /** Directory (on the machine running Pulumi) for the provisioning files; see README "Monitoring". */
    provisioningDir: string;
    /** Where the Grafana container sees `<provisioningDir>/dashboards`. */
    dashboardsPath: string;
    /** URL Grafana's backend uses to reach Prometheus. */
    prometheusUrl: string;
    /** Prometheus scrape interval, e.g. "15s" (the data source's minimum step). */
    scrapeInterval: string;
    /**
     * Also push the dashboard and the data source to an existing Grafana through its HTTP API
     * (runtime/grafana-push.js), again whenever the dashboard changes.
     * @default - no push (provisioning files only)
     */
    push?: GrafanaPushArgs;
}

/**
 * The release dashboard and its Prometheus data source for Grafana: provisioning files (datasource,
 * dashboard provider, dashboard) in a host directory a Grafana container mounts, and optionally a
 * push to an existing Grafana's HTTP API.
 */
export class GrafanaDashboard extends pulumi.ComponentResource {
    public readonly provisioningDir: string;
    /** sha256 of the dashboard JSON (the file, and what the push sends). */
    public readonly dashboardSha256: string;

    constructor(name: string, args: GrafanaDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("switchyard:observability:GrafanaDashboard", name, {}, opts);
        checkGrafanaDashboardArgs(args);
        const child = childOptions(this, opts);
        // <dir>/provisioning -> /etc/grafana/provisioning, <dir>/dashboards -> dashboardsPath.
        const dir = args.provisioningDir;
        this.provisioningDir = dir;
        const datasource = {
            prometheusUrl: args.prometheusUrl,
            name: `Switchyard Prometheus (${args.stack})`,
            scrapeInterval: args.scrapeInterval,
        };
        const dashboardJson = renderDashboardJson({ stack: args.stack });
        this.dashboardSha256 = createHash("sha256").update(dashboardJson, "utf8").digest("hex");
        const files: Record<string, string> = {
            [`provisioning/datasources/switchyard-${args.stack}.yaml`]: renderDatasourceProvisioning(datasource),
            [`provisioning/dashboards/switchyard-${args.stack}.yaml`]: renderDashboardProvider({ dashboardsPath: args.dashboardsPath }),
            [`dashboards/switchyard-release-${args.stack}.json`]: dashboardJson,
        };
        new command.local.Command(
            `${name}-files`,
            {
                create: runtimeCommand("grafana-files.js"),
                update: runtimeCommand("grafana-files.js"),
                delete: runtimeCommand("grafana-files.js", "delete"),
                environment: {
                    SY_DIR: dir,
                    SY_FILES_B64: b64(JSON.stringify(files)),
                    SY_FILE_NAMES: Object.keys(files).join(" "),
                },
            },
            child,
        );

        const push = args.push;
        if (push) {
            // Inputs are plain, known values (plus the secret token): the step re-runs (update) only
            // when the dashboard (its sha256), the data source or the push settings change.
            new command.local.Command(
                `${name}-push`,
                {
                    create: GRAFANA_PUSH_COMMAND,
                    update: GRAFANA_PUSH_COMMAND,
                    environment: {
                        SY_GRAFANA_URL: push.url,
                        SY_GRAFANA_TOKEN: pulumi.secret(push.token),
                        SY_DASHBOARD_B64: b64(dashboardJson),
                        SY_DASHBOARD_SHA256: this.dashboardSha256,
                        SY_DATASOURCE_B64: b64(JSON.stringify(datasourceApiBody(datasource))),
                        SY_OVERWRITE: String(push.overwrite),
                        SY_MESSAGE: `switchyard ${args.stack}: release dashboard ${this.dashboardSha256.slice(0, 12)}`,
                        ...(push.folderUid ? { SY_FOLDER_UID: push.folderUid } : {}),
                    },
                    // stdout (kept in state) is the summary line: uid, version, URL; never the token.
                },
                child,
            );
        }
        this.registerOutputs({ provisioningDir: this.provisioningDir, dashboardSha256: this.dashboardSha256 });
    }
}

/** Also called by MonitoringStack before it builds any part. */
export function checkGrafanaDashboardArgs(args: GrafanaDashboardArgs): void {
    checkHostDir(
        "GrafanaDashboard",
        "provisioningDir",
        args.provisioningDir,
        "set monitoring.grafana.provisioningDir to an absolute directory",
    );
    const push = args.push;
    if (push && !/^https?:\/\/[^\s/'"@\\]+(\/[^\s'"@\\?#]*)?$/.test(push.url)) {
        throw new Error(
            `GrafanaDashboard: push.url must be Grafana's base URL such as https://grafana.example.com, without credentials or query (got ${JSON.stringify(push.url)})`,
        );
    }
    if (push?.folderUid !== undefined && !/^[A-Za-z0-9_-]{1,40}$/.test(push.folderUid)) {
        throw new Error(`GrafanaDashboard: push.folderUid must be a Grafana folder uid (got ${JSON.stringify(push.folderUid)})`);
    }
}
