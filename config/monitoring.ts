import { z } from "zod";
import { DEFAULT_ALERT_THRESHOLDS } from "../domain/alertThresholds";
import { bindAddress, bool, imageRef, num, port } from "./fields";

/**
 * Config key `switchyard:monitoring`: Prometheus scrape config and alert rules for the
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
 *       push:                             # optional: also push to an existing Grafana's HTTP API
 *         url: https://grafana.example.com  # token: secret switchyard:grafanaToken
 *         folderUid: switchyard           # default: Grafana's root folder
 *         overwrite: true                 # default true (false: Grafana refuses to replace a changed dashboard, 412)
 *     thresholds: {steady: {errorRatio: 0.001, p95Seconds: 0.05}, release: {errorRatio: 0.005, p95Seconds: 2}}
 *     trafficShareTolerance: 0.05
 */

const duration = z
    .string({ error: "must be a Prometheus duration such as 15s, 1m or 15d" })
    .regex(/^(\d+(ms|s|m|h|d|w|y))+$/, { error: "must be a Prometheus duration such as 15s, 1m or 15d" });
const absDir = z
    .string({ error: "must be an absolute directory path" })
    .regex(/^\/[^\u0000-\u001f'"\\$`]*$/, { error: "must be an absolute directory path without quotes, $, ` or backslashes" });
const ratio = (what: string) =>
    num(
        z
            .number({ error: `${what} must be a number` })
            .gt(0, { error: `${what} must be more than 0 (a share: 0.001 = 0.1%)` })
            .lt(1, { error: `${what} must be less than 1 (a share: 0.001 = 0.1%)` }),
    );
const p95 = num(
    z.number({ error: "must be a number of seconds" }).gt(0, { error: "must be more than 0 s" }).max(60, { error: "must be at most 60 s" }),
);

export const monitoringSchema = z
    .strictObject({
        enabled: bool().default(false),
        prometheus: z
            .strictObject({
                /** container: run Prometheus (image) on the app network; external: only write the files to configDir. */
                mode: z
                    .enum(["container", "external"], {
                        error: "must be 'container' (run Prometheus here) or 'external' (an existing Prometheus reads configDir)",
                    })
                    .default("container"),
                image: imageRef("switchyard/prometheus:1").default("switchyard/prometheus:1"),
                port: port().default(9090),
                bindAddress: bindAddress().default("127.0.0.1"),
                scrapeInterval: duration.default("15s"),
                retention: duration.default("15d"),
                /** External mode: the directory the existing Prometheus reads (prometheus.yml's scrape config and rules). */
                configDir: absDir.optional(),
            })
            .prefault({}),
        grafana: z
            .strictObject({
                /** Host directory for the provisioning files. @default <project dir>/.switchyard/grafana/<stack> */
                provisioningDir: absDir.optional(),
                /** Where Grafana's backend reaches Prometheus. @default http://<stack>-prometheus:9090 (container mode) */
                prometheusUrl: z
                    .string()
                    .regex(/^https?:\/\/[^\s/'"]+(\/\S*)?$/, { error: "must be an http(s) URL such as http://prometheus:9090" })
                    .optional(),
                /** The dashboards directory as the Grafana container sees it (mount provisioningDir/dashboards there). */
                dashboardsPath: absDir.default("/var/lib/grafana/dashboards/switchyard"),
                /**
                 * Also push the release dashboard and the Prometheus datasource to an existing Grafana through
                 * its HTTP API (runtime/grafana-push.js). The API token is the secret
                 * `switchyard:grafanaToken`, never a key here. @default - no push (files only)
                 */
                push: z
                    .strictObject({
                        /** Grafana's base URL (a sub-path such as https://host/grafana is kept); no credentials in it. */
                        url: z
                            .string({ error: "must be Grafana's base URL such as https://grafana.example.com" })
                            .regex(/^https?:\/\/[^\s/'"@\\]+(\/[^\s'"@\\?#]*)?$/, {
                                error: "must be Grafana's base URL such as https://grafana.example.com (http or https, no user:password@, no query)",
                            }),
                        /** uid of an existing folder the dashboard goes into. @default - Grafana's root folder */
                        folderUid: z
                            .string()
                            .regex(/^[A-Za-z0-9_-]{1,40}$/, { error: "must be a Grafana folder uid (1-40 letters, digits, '_' or '-')" })
                            .optional(),
                        /** Replace the dashboard even if someone changed it in Grafana. false: Grafana answers 412 and the update fails. @default true */
                        overwrite: bool().default(true),
                    })
                    .optional(),
            })
            .prefault({}),
        thresholds: z
            .strictObject({
                steady: z
                    .strictObject({
                        errorRatio: ratio("thresholds.steady.errorRatio").default(DEFAULT_ALERT_THRESHOLDS.steady.errorRatio),
                        p95Seconds: p95.default(DEFAULT_ALERT_THRESHOLDS.steady.p95Seconds),
                    })
                    .prefault({}),
                release: z
                    .strictObject({
                        errorRatio: ratio("thresholds.release.errorRatio").default(DEFAULT_ALERT_THRESHOLDS.release.errorRatio),
                        p95Seconds: p95.default(DEFAULT_ALERT_THRESHOLDS.release.p95Seconds),
                    })
                    .prefault({}),
            })
            .prefault({}),
        /** Largest tolerated |measured share - configured weight| per colour (0.05 = 5 points). */
        trafficShareTolerance: ratio("trafficShareTolerance").default(0.05),
    })
    .superRefine((m, ctx) => {
        if (m.enabled && m.prometheus.mode === "external" && !m.prometheus.configDir) {
            ctx.addIssue({
                code: "custom",
                path: ["prometheus", "configDir"],
                message:
                    "is required with prometheus.mode external: the directory the existing Prometheus reads (set it, or use mode container)",
            });
        }
        if (m.enabled && m.prometheus.mode === "external" && !m.grafana.prometheusUrl) {
            ctx.addIssue({
                code: "custom",
                path: ["grafana", "prometheusUrl"],
                message: "is required with prometheus.mode external: the URL Grafana uses to reach that Prometheus",
            });
        }
        if (m.enabled && m.grafana.push && !m.grafana.prometheusUrl) {
            ctx.addIssue({
                code: "custom",
                path: ["grafana", "prometheusUrl"],
                message:
                    "is required with grafana.push: the URL the existing Grafana uses to reach Prometheus (the default, the container's name on the app network, only resolves for a Grafana on that network)",
            });
        }
        if (m.thresholds.release.errorRatio < m.thresholds.steady.errorRatio) {
            ctx.addIssue({
                code: "custom",
                path: ["thresholds", "release", "errorRatio"],
                message: "must be >= thresholds.steady.errorRatio (a release tolerates at least the steady error rate)",
            });
        }
    });

export type MonitoringSettings = z.output<typeof monitoringSchema>;

/** `grafana.push` with its API token (from the secret `switchyard:grafanaToken`). */
export type GrafanaPushSettings = NonNullable<MonitoringSettings["grafana"]["push"]> & {
    /** Grafana API (service account) token. Plain here; MonitoringStack only passes it on as a Pulumi secret. */
    readonly token: string;
};

/** What the program gets: the monitoring settings, with the push token joined in when a push is configured. */
export type MonitoringConfig = Omit<MonitoringSettings, "grafana"> & {
    grafana: Omit<MonitoringSettings["grafana"], "push"> & { push?: GrafanaPushSettings };
};

/**
 * `switchyard:grafanaToken` (Pulumi.yaml default ""): must be a Pulumi secret when set, is required
 * when monitoring is enabled with grafana.push, and refused when no push is configured. Never echoes
 * the value. `monitoring` is null when the schema failed (then only the value itself is checked).
 */
export function checkGrafanaToken(
    raw: unknown,
    isSecret: boolean,
    monitoring: MonitoringSettings | null,
    prefix: string,
): { token?: string; errors: string[] } {
    const errors: string[] = [];
    const fix =
        "pulumi config set --secret grafanaToken <token> (a Grafana service account token that may write dashboards and data sources)";
    let token: string | undefined;
    if (raw !== undefined && raw !== "") {
        if (typeof raw !== "string") {
            errors.push(`${prefix}:grafanaToken: must be a string (got a ${Array.isArray(raw) ? "list" : typeof raw}); set it with ${fix}`);
        } else if (!isSecret) {
            errors.push(
                `${prefix}:grafanaToken: is stored in plain text; the Grafana API token must be a Pulumi secret. ` +
                    `Fix: pulumi config rm grafanaToken, then ${fix}`,
            );
        } else if (!/^[\x21-\x7e]+$/.test(raw)) {
            errors.push(
                `${prefix}:grafanaToken: must be a single token of printable characters without spaces (got a secret value that is not)`,
            );
        } else {
            token = raw;
        }
    }
    if (monitoring === null) {
        return { errors };
    }
    const push = monitoring.grafana.push;
    if (monitoring.enabled && push && token === undefined && !errors.some((e) => e.includes(":grafanaToken:"))) {
        errors.push(
            `${prefix}:grafanaToken: missing; monitoring.grafana.push sends the dashboard to ${push.url} and needs an API token. Fix: ${fix}`,
        );
    }
    if (!push && token !== undefined) {
        errors.push(
            `${prefix}:grafanaToken: set, but monitoring.grafana.push is not configured; set monitoring.grafana.push.url or remove it: pulumi config rm grafanaToken`,
        );
        token = undefined;
    }
    return { token, errors };
}

/** Joins the checked token into the settings (push only when both are there). */
export function withGrafanaToken(m: MonitoringSettings, token: string | undefined): MonitoringConfig {
    const { push, ...grafana } = m.grafana;
    return { ...m, grafana: push && token !== undefined ? { ...grafana, push: { ...push, token } } : grafana };
}
