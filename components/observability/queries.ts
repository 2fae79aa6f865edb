/**
 * Every PromQL query of the release dashboard, as the dashboard holds it (with Grafana's `$stack`
 * dashboard variable and `$__rate_interval`). `expandGrafanaVariables` substitutes them the way
 * Grafana does, so tests (and the release analysis) can run the very same text against Prometheus.
 */
import { APP_METRICS as A, BACKUP_METRICS as B, JOBS, ROUTER_METRICS as R } from "./metricNames";

const S = `stack="$stack"`;
const W = "$__rate_interval";
const routerRate = `sum by (color) (rate(${R.requestsTotal}{${S}}[${W}]))`;
const quantile = (q: number) => `histogram_quantile(${q}, sum by (color, le) (rate(${R.requestDurationSeconds}_bucket{${S}}[${W}])))`;

export const queries = {
    /** Share (0..1) of the router's requests each colour received. */
    trafficShare: `${routerRate} / scalar(sum(rate(${R.requestsTotal}{${S}}[${W}])))`,
    /** Share (0..1) the router is configured to send to each colour. */
    configuredWeight: `max by (color) (${R.colorWeightRatio}{${S}})`,
    /** Requests per second each colour received, measured at the router. */
    requestsPerSecond: routerRate,
    /** Requests per second each colour's app containers report answering. */
    appRequestsPerSecond: `sum by (color) (rate(${A.requestsTotal}{${S}}[${W}]))`,
    /** 5xx share (0..1) per colour at the router; 0 (not absent) for a colour without errors. */
    errorRate: `(sum by (color) (rate(${R.requestsTotal}{${S},status_class="5xx"}[${W}])) or ${routerRate} * 0)` + ` / ${routerRate}`,
    /** 5xx share (0..1) per colour as the apps report it. */
    appErrorRate:
        `(sum by (color) (rate(${A.requestsTotal}{${S},status=~"5.."}[${W}])) or sum by (color) (rate(${A.requestsTotal}{${S}}[${W}])) * 0)` +
        ` / sum by (color) (rate(${A.requestsTotal}{${S}}[${W}]))`,
    latencyP50: quantile(0.5),
    latencyP95: quantile(0.95),
    latencyP99: quantile(0.99),
    /** 1 when Prometheus can scrape the container, 0 when not; one series per container. */
    containerHealth: `max by (color, container) (up{job="${JOBS.app}",${S}})`,
    /** The router config in force: the newest `config_last_seen`; legend shows active_color. */
    activeColor: `count by (active_color) (topk(1, ${R.configLastSeen}{${S}}))`,
    /** Versions deployed per colour (target labels), and what the apps report (exported_version). */
    versions: `count by (color, version, exported_version) (${A.info}{${S}})`,
    /** Router configs in use over time (state timeline): one series per config, while it serves. */
    routerConfigs: `count by (active_color, config_sha256) (${R.configLastSeen}{${S}})`,
    /** Release events: a router config seen now that was not seen 1 minute before. */
    releaseEvents: `count by (active_color, config_sha256) (${R.configLastSeen}{${S}} unless ${R.configLastSeen}{${S}} offset 1m)`,
    /** Seconds since the newest verified snapshot of the stack (any kind); absent without a backup runner. */
    backupAge: `time() - max(${B.newestSnapshotTimestamp}{${S}})`,
    /** 1 when the last scheduled backup run succeeded, 0 when it failed. */
    backupLastRun: `max(${B.lastRunSuccess}{${S}})`,
    /** Seconds the last scheduled backup run took. */
    backupDuration: `max(${B.lastRunDuration}{${S}})`,
    /** Bytes of the last successful scheduled snapshot. */
    backupSize: `max(${B.lastSuccessBytes}{${S}})`,
} as const;

export type QueryName = keyof typeof queries;

/** Substitutes the Grafana variables used in `queries`. */
export function expandGrafanaVariables(expr: string, vars: { stack: string; rateInterval: string }): string {
    const out = expr.split("$__rate_interval").join(vars.rateInterval).split("$stack").join(vars.stack);
    if (out.includes("$")) throw new Error(`unexpanded Grafana variable in: ${out}`);
    return out;
}
