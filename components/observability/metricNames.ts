/**
 * Metric and label names shared by the scrape config, the alert rules, the dashboard queries and
 * the router exporter. One source of truth: the app (app/src/server.js, prom-client) and the
 * router exporter program (rendered by `renderRouterMtailProgram`) must emit exactly these.
 * The colours (label values) are domain/color.ts COLORS.
 */

/** Metrics of the demo app (app/src/server.js). Labels: `method`, `route`, `status` (e.g. "503"). */
export const APP_METRICS = {
    /** Counter of answered HTTP requests. */
    requestsTotal: "http_requests_total",
    /** Histogram of request durations (seconds): `_bucket{le}`, `_sum`, `_count`. */
    requestDurationSeconds: "http_request_duration_seconds",
    /** Gauge, always 1; the app's own `version` and `color` labels (renamed `exported_version`,
     * `exported_color` at scrape time, because the target labels set by the program win). */
    info: "switchyard_app_info",
} as const;

/** Metrics the router exporter (mtail inside the router container) derives from the nginx access log. */
export const ROUTER_METRICS = {
    /** Counter `{color, status_class}`: requests the router sent to a colour, by status class ("2xx".."5xx"). */
    requestsTotal: "switchyard_router_requests_total",
    /** Histogram `{color}` of `$request_time` (seconds) as seen by the router: `_bucket{le}`, `_sum`, `_count`. */
    requestDurationSeconds: "switchyard_router_request_duration_seconds",
    /** Gauge `{color}`: the share of traffic the router is configured to send to the colour (0..1). */
    colorWeightRatio: "switchyard_router_color_weight_ratio",
    /** Gauge `{active_color, config_sha256}`: unix time of the last request served under that
     * router config. The newest (topk 1) is the config in force; older ones expire after a few minutes. */
    configLastSeen: "switchyard_router_config_last_seen_timestamp_seconds",
    /** Counter: access-log lines that did not match the expected format (should stay 0). */
    unparsedLinesTotal: "switchyard_router_unparsed_log_lines_total",
    /** Counter: requests the router answered itself, not sent to a colour (its own health check...). */
    unroutedRequestsTotal: "switchyard_router_unrouted_requests_total",
} as const;

/** Histogram buckets of the router latency. Every latency threshold used in alerts must be a bucket
 * boundary (else histogram_quantile interpolates across it): 0.05 (steady p95) and 2 (release p95). */
export const ROUTER_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10] as const;

/** Labels every app series carries (target labels set by the scrape config). */
export const LABELS = {
    stack: "stack",
    color: "color",
    version: "version",
    container: "container",
    component: "component",
} as const;

/** Prometheus job names. */
export const JOBS = {
    app: "switchyard-app",
    router: "switchyard-router",
    backup: "switchyard-backup",
} as const;

/** The scheduled backup runner's metrics (runtime/backup/runner.ts renders them). */
export { BACKUP_METRICS } from "../../domain/backup/runnerMetrics";
