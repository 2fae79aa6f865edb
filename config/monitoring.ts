import { z } from "zod";

/**
 * Config key `switchyard:monitoring` (issue 6): Prometheus scrape config and alert rules for the
 * stack, Prometheus itself as a container on the app network (or an existing Prometheus: then only
 * the files are written), and Grafana provisioning files. Same style as schema.ts.
 *
 *   monitoring:
 *     enabled: true                       # default false: no monitoring resource at all
 *     prometheus:
 *       mode: container                   # container | external
 *       image: switchyard/prometheus:1    # container mode
 *       port: 9090                        # host port (container mode), bound to bindAddress
 *       bindAddress: 127.0.0.1
 *       scrapeInterval: 15s
 *       retention: 15d
 *       configDir: /etc/prometheus/switchyard   # external mode: where the files are written
 *     grafana:
 *       provisioningDir: /srv/grafana/provisioning   # default <project>/.switchyard/grafana/<stack>
 *       prometheusUrl: http://local-prometheus:9090  # default: the container's URL on the app network
 *     thresholds: {steady: {errorRatio: 0.001, p95Seconds: 0.05}, release: {errorRatio: 0.005, p95Seconds: 2}}
 *     trafficShareTolerance: 0.05
 */

const num = (schema: z.ZodNumber) =>
    z.preprocess((v) => (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v), schema);
const bool = () =>
    z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean({ error: "must be true or false" }));

const imageRef = /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const duration = z.string({ error: "must be a Prometheus duration such as 15s, 1m or 15d" })
    .regex(/^(\d+(ms|s|m|h|d|w|y))+$/, { error: "must be a Prometheus duration such as 15s, 1m or 15d" });
const absDir = z.string({ error: "must be an absolute directory path" })
    .regex(/^\/[^\u0000-\u001f'"\\$`]*$/, { error: "must be an absolute directory path without quotes, $, ` or backslashes" });
const ratio = (what: string) => num(z.number({ error: `${what} must be a number` })
    .gt(0, { error: `${what} must be more than 0 (a share: 0.001 = 0.1%)` })
    .lt(1, { error: `${what} must be less than 1 (a share: 0.001 = 0.1%)` }));
const p95 = num(z.number({ error: "must be a number of seconds" }).gt(0, { error: "must be more than 0 s" }).max(60, { error: "must be at most 60 s" }));

/** Seed values: 0.1% errors and p95 50 ms in steady state; 0.5% and 2 s while a release is in progress. */
export const DEFAULT_MONITORING_THRESHOLDS = {
    steady: { errorRatio: 0.001, p95Seconds: 0.05 },
    release: { errorRatio: 0.005, p95Seconds: 2 },
} as const;

export const monitoringSchema = z.strictObject({
    enabled: bool().default(false),
    prometheus: z.strictObject({
        /** container: run Prometheus (image) on the app network; external: only write the files to configDir. */
        mode: z.enum(["container", "external"], { error: "must be 'container' (run Prometheus here) or 'external' (an existing Prometheus reads configDir)" }).default("container"),
        image: z.string().regex(imageRef, { error: "must be an image reference with an explicit tag, e.g. switchyard/prometheus:1" }).default("switchyard/prometheus:1"),
        port: num(z.number().int().min(1, { error: "must be 1..65535" }).max(65535, { error: "must be 1..65535" })).default(9090),
        bindAddress: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$/, { error: "must be an IPv4 address such as 127.0.0.1" }).default("127.0.0.1"),
        scrapeInterval: duration.default("15s"),
        retention: duration.default("15d"),
        /** External mode: the directory the existing Prometheus reads (prometheus.yml's scrape config and rules). */
        configDir: absDir.optional(),
    }).prefault({}),
    grafana: z.strictObject({
        /** Host directory for the provisioning files. @default <project dir>/.switchyard/grafana/<stack> */
        provisioningDir: absDir.optional(),
        /** Where Grafana's backend reaches Prometheus. @default http://<stack>-prometheus:9090 (container mode) */
        prometheusUrl: z.string().regex(/^https?:\/\/[^\s/'"]+(\/\S*)?$/, { error: "must be an http(s) URL such as http://prometheus:9090" }).optional(),
        /** The dashboards directory as the Grafana container sees it (mount provisioningDir/dashboards there). */
        dashboardsPath: absDir.default("/var/lib/grafana/dashboards/switchyard"),
    }).prefault({}),
    thresholds: z.strictObject({
        steady: z.strictObject({
            errorRatio: ratio("thresholds.steady.errorRatio").default(DEFAULT_MONITORING_THRESHOLDS.steady.errorRatio),
            p95Seconds: p95.default(DEFAULT_MONITORING_THRESHOLDS.steady.p95Seconds),
        }).prefault({}),
        release: z.strictObject({
            errorRatio: ratio("thresholds.release.errorRatio").default(DEFAULT_MONITORING_THRESHOLDS.release.errorRatio),
            p95Seconds: p95.default(DEFAULT_MONITORING_THRESHOLDS.release.p95Seconds),
        }).prefault({}),
    }).prefault({}),
    /** Largest tolerated |measured share - configured weight| per colour (0.05 = 5 points). */
    trafficShareTolerance: ratio("trafficShareTolerance").default(0.05),
}).superRefine((m, ctx) => {
    if (m.enabled && m.prometheus.mode === "external" && !m.prometheus.configDir) {
        ctx.addIssue({ code: "custom", path: ["prometheus", "configDir"], message: "is required with prometheus.mode external: the directory the existing Prometheus reads (set it, or use mode container)" });
    }
    if (m.enabled && m.prometheus.mode === "external" && !m.grafana.prometheusUrl) {
        ctx.addIssue({ code: "custom", path: ["grafana", "prometheusUrl"], message: "is required with prometheus.mode external: the URL Grafana uses to reach that Prometheus" });
    }
    if (m.thresholds.release.errorRatio < m.thresholds.steady.errorRatio) {
        ctx.addIssue({ code: "custom", path: ["thresholds", "release", "errorRatio"], message: "must be >= thresholds.steady.errorRatio (a release tolerates at least the steady error rate)" });
    }
});

export type MonitoringSettings = z.output<typeof monitoringSchema>;
