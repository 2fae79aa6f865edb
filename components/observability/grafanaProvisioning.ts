/**
 * Grafana provisioning files for a Grafana container on the host (or any Grafana the user runs):
 *   /etc/grafana/provisioning/datasources/switchyard.yaml   <- renderDatasourceProvisioning
 *   /etc/grafana/provisioning/dashboards/switchyard.yaml    <- renderDashboardProvider
 *   <dashboardsPath>/switchyard-release-<stack>.json        <- renderDashboardJson (./dashboard.ts)
 */
import { stringify } from "yaml";
import { z } from "zod";
import { DATASOURCE_UID } from "./dashboard";
import { durationSchema, YAML_OPTIONS } from "./prometheusConfig";
import { parse } from "./validate";

export const DatasourceInputSchema = z
    .object({
        /** URL Grafana's backend uses to reach Prometheus, e.g. "http://prometheus:9090". */
        prometheusUrl: z.url({ protocol: /^https?$/ }),
        /** @default "Switchyard Prometheus" */
        name: z.string().min(1).default("Switchyard Prometheus"),
        /** Prometheus scrape interval (Grafana's minimum step). @default "15s" */
        scrapeInterval: durationSchema.default("15s"),
    })
    .strict();
export type DatasourceInput = z.input<typeof DatasourceInputSchema>;

export function renderDatasourceProvisioning(input: DatasourceInput): string {
    const v = parse(DatasourceInputSchema, input, "Grafana datasource input");
    return provisioningYaml("datasources", { ...datasource(v), isDefault: true, editable: false, jsonData: jsonData(v) });
}

/**
 * The same Prometheus data source as a body for Grafana's data source HTTP API (POST /api/datasources,
 * PUT /api/datasources/uid/:uid), for the push to an existing Grafana. Not the default data source
 * there (isDefault false): an existing Grafana's default is the user's choice.
 */
export function datasourceApiBody(input: DatasourceInput): Record<string, unknown> {
    const v = parse(DatasourceInputSchema, input, "Grafana datasource input");
    return { ...datasource(v), isDefault: false, jsonData: jsonData(v) };
}

type Datasource = z.output<typeof DatasourceInputSchema>;
// Key order is kept as written: the files and the pushed body stay byte-identical.
const datasource = (v: Datasource) => ({ name: v.name, type: "prometheus", uid: DATASOURCE_UID, access: "proxy", url: v.prometheusUrl });
const jsonData = (v: Datasource) => ({ timeInterval: v.scrapeInterval, httpMethod: "POST" });

export const DashboardProviderInputSchema = z
    .object({
        /** Directory (inside the Grafana container) holding the dashboard JSON files. */
        dashboardsPath: z.string().startsWith("/"),
        /** @default "Switchyard" */
        folder: z.string().min(1).default("Switchyard"),
    })
    .strict();
export type DashboardProviderInput = z.input<typeof DashboardProviderInputSchema>;

export function renderDashboardProvider(input: DashboardProviderInput): string {
    const v = parse(DashboardProviderInputSchema, input, "Grafana dashboard provider input");
    return provisioningYaml("providers", {
        name: "switchyard",
        orgId: 1,
        folder: v.folder,
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: v.dashboardsPath, foldersFromFilesStructure: false },
    });
}

/** A provisioning file: Grafana's `apiVersion: 1` and one entry in its list. */
function provisioningYaml(list: "datasources" | "providers", entry: object): string {
    return stringify({ apiVersion: 1, [list]: [entry] }, YAML_OPTIONS);
}
