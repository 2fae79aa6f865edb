/**
 * The release dashboard, built with @grafana/grafana-foundation-sdk. Every query comes from
 * `queries` (./queries.ts) so tests run exactly what the panels show.
 */
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { z } from "zod";
import { ROUTER_METRICS } from "./metricNames";
import { queries, QueryName } from "./queries";
import { parse } from "./validate";

/** uid of the Prometheus datasource the provisioning files declare and every panel references. */
export const DATASOURCE_UID = "switchyard-prometheus";
const DS: dashboard.DataSourceRef = { type: "prometheus", uid: DATASOURCE_UID };

/** Panel titles, in dashboard order. */
export const PANEL_TITLES = [
    "Traffic share per colour",
    "Requests per second per colour",
    "Error rate per colour",
    "Latency p50 / p95 / p99 per colour",
    "Container health",
    "Active colour and canary weight",
    "Versions per colour",
    "Router configs over time",
    "Scheduled backups",
] as const;

/** Which named queries each panel runs (refId A, B, C... in this order). */
export const PANEL_QUERIES: Record<(typeof PANEL_TITLES)[number], readonly QueryName[]> = {
    "Traffic share per colour": ["trafficShare", "configuredWeight"],
    "Requests per second per colour": ["requestsPerSecond", "appRequestsPerSecond"],
    "Error rate per colour": ["errorRate", "appErrorRate"],
    "Latency p50 / p95 / p99 per colour": ["latencyP50", "latencyP95", "latencyP99"],
    "Container health": ["containerHealth"],
    "Active colour and canary weight": ["activeColor", "configuredWeight"],
    "Versions per colour": ["versions"],
    "Router configs over time": ["routerConfigs"],
    "Scheduled backups": ["backupAge", "backupLastRun", "backupDuration", "backupSize"],
};

const LEGENDS: Record<QueryName, string> = {
    trafficShare: "{{color}} measured",
    configuredWeight: "{{color}} weight",
    requestsPerSecond: "{{color}} (router)",
    appRequestsPerSecond: "{{color}} (app)",
    errorRate: "{{color}} (router)",
    appErrorRate: "{{color}} (app)",
    latencyP50: "{{color}} p50",
    latencyP95: "{{color}} p95",
    latencyP99: "{{color}} p99",
    containerHealth: "{{color}} {{container}}",
    activeColor: "active: {{active_color}}",
    versions: "",
    releaseEvents: "",
    routerConfigs: "{{active_color}} {{config_sha256}}",
    backupAge: "newest verified snapshot age",
    backupLastRun: "last run",
    backupDuration: "last run duration",
    backupSize: "last snapshot size",
};

export const DashboardInputSchema = z
    .object({
        /** Stack shown by default (the `stack` variable lists every stack Prometheus has). */
        stack: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/),
        /** @default `switchyard-release-<stack>` */
        uid: z
            .string()
            .regex(/^[A-Za-z0-9_-]{1,40}$/)
            .optional(),
        /** @default "10s" */
        refresh: z
            .string()
            .regex(/^\d+[smh]$/)
            .default("10s"),
    })
    .strict();
export type DashboardInput = z.input<typeof DashboardInputSchema>;

/** Returns the dashboard model (plain object, ready for JSON). */
export function buildReleaseDashboard(input: DashboardInput): dashboard.Dashboard {
    const v = parse(DashboardInputSchema, input, "dashboard input");
    const target = (name: QueryName, i: number, instant = false) => {
        const q = new prometheus.DataqueryBuilder()
            .expr(queries[name])
            .legendFormat(LEGENDS[name])
            .refId(String.fromCharCode(65 + i))
            .datasource(DS);
        if (instant) q.instant().format(prometheus.PromQueryFormat.Table);
        return q;
    };
    const targets = (title: (typeof PANEL_TITLES)[number], instant = false) => PANEL_QUERIES[title].map((n, i) => target(n, i, instant));
    const series = (title: (typeof PANEL_TITLES)[number], unit: string) =>
        new timeseries.PanelBuilder().title(title).datasource(DS).unit(unit).targets(targets(title)).height(8).span(12);

    const upDown: dashboard.ValueMapping = {
        type: dashboard.MappingType.ValueToText,
        options: { "0": { text: "DOWN", color: "red", index: 0 }, "1": { text: "UP", color: "green", index: 1 } },
    };

    const b = new dashboard.DashboardBuilder(`Switchyard release: ${v.stack}`)
        .uid(v.uid ?? `switchyard-release-${v.stack}`.slice(0, 40))
        .tags(["switchyard", "release"])
        .refresh(v.refresh)
        .time({ from: "now-1h", to: "now" })
        .timezone("browser")
        .readonly()
        .withVariable(
            new dashboard.QueryVariableBuilder("stack")
                .label("Stack")
                .datasource(DS)
                .query(`label_values(${ROUTER_METRICS.requestsTotal}, stack)`)
                .current({ selected: true, text: v.stack, value: v.stack })
                .refresh(dashboard.VariableRefresh.OnDashboardLoad),
        )
        .annotation(
            new dashboard.AnnotationQueryBuilder()
                .name("Release events")
                .datasource(DS)
                .enable(true)
                .iconColor("orange")
                .expr(queries.releaseEvents),
        )
        .withPanel(series("Traffic share per colour", "percentunit").min(0).max(1))
        .withPanel(series("Requests per second per colour", "reqps").min(0))
        .withPanel(series("Error rate per colour", "percentunit").min(0))
        .withPanel(series("Latency p50 / p95 / p99 per colour", "s").min(0))
        .withPanel(
            new stat.PanelBuilder()
                .title("Container health")
                .datasource(DS)
                .targets(targets("Container health"))
                .mappings([upDown])
                .colorMode(common.BigValueColorMode.Background)
                .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]))
                .height(6)
                .span(8),
        )
        .withPanel(
            new stat.PanelBuilder()
                .title("Active colour and canary weight")
                .datasource(DS)
                .targets(targets("Active colour and canary weight"))
                .textMode(common.BigValueTextMode.ValueAndName)
                .overrideByQuery("A", [
                    { id: "mappings", value: [{ type: "value", options: { "1": { text: "live", color: "green", index: 0 } } }] },
                ])
                .overrideByQuery("B", [{ id: "unit", value: "percentunit" }])
                .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]))
                .height(6)
                .span(8),
        )
        .withPanel(
            new table.PanelBuilder()
                .title("Versions per colour")
                .datasource(DS)
                .targets(targets("Versions per colour", true))
                .height(6)
                .span(8),
        )
        .withPanel(
            new statetimeline.PanelBuilder()
                .title("Router configs over time")
                .datasource(DS)
                .targets(targets("Router configs over time"))
                .height(6)
                .span(24),
        )
        .withPanel(
            new stat.PanelBuilder()
                .title("Scheduled backups")
                .description("Empty when the stack has no backup.schedule.")
                .datasource(DS)
                .targets(targets("Scheduled backups"))
                .textMode(common.BigValueTextMode.ValueAndName)
                .overrideByQuery("A", [{ id: "unit", value: "s" }])
                .overrideByQuery("B", [
                    {
                        id: "mappings",
                        value: [
                            {
                                type: "value",
                                options: { "0": { text: "FAILED", color: "red", index: 0 }, "1": { text: "OK", color: "green", index: 1 } },
                            },
                        ],
                    },
                ])
                .overrideByQuery("C", [{ id: "unit", value: "s" }])
                .overrideByQuery("D", [{ id: "unit", value: "bytes" }])
                .colorMode(common.BigValueColorMode.Background)
                .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]))
                .height(6)
                .span(24),
        );
    return b.build();
}

/** The dashboard as the JSON file Grafana's file provisioning reads. Deterministic. */
export function renderDashboardJson(input: DashboardInput): string {
    return JSON.stringify(buildReleaseDashboard(input), null, 2) + "\n";
}
