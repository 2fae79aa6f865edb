/**
 * The router's metrics: mtail (Debian package `mtail`), supervised inside the router container
 * (images/router), tails two files there and serves Prometheus metrics on ROUTER_EXPORTER_PORT:
 *
 *  - ROUTER_ACCESS_LOG_PATH: nginx's access log in the `switchyard` JSON format that
 *    components/routing/nginxConfig.ts renders (fields time, color, role, status, method,
 *    request_time, upstream_response_time, upstream_addr, bytes). Per request: the colour it was
 *    sent to (from the upstream address nginx used), its status class and its latency.
 *  - ROUTER_STATE_LOG_PATH: the router's own status document (one JSON line, the one served at the
 *    status path: activeColor, weights in percent, configSha256), appended by `switchyard-apply`
 *    right after a config is in force and re-appended every 15 s by the entrypoint. It gives the
 *    configured weights and the config in force.
 *
 * Why mtail: it is built for exactly this job (tail a log, follow rotation and truncation, keep
 * counters and histograms, serve /metrics), adds no runtime to the router image (a static Go
 * binary; no node/python) and the program is declarative. Measuring at the router (not only in
 * the apps) means the traffic split and the per-colour error rate include what the apps cannot see
 * (502/504 when a container is down, time spent in nginx).
 *
 * Why the status document for weights/config (and not the log format, nor Prometheus scraping the
 * status endpoint): the status endpoint serves JSON, which Prometheus cannot scrape, and no JSON
 * exporter is packaged here; putting constants into the log format would make every access line
 * carry the config and couple the routing renderer to monitoring. The status document is read back
 * from the running inner nginx over a fresh connection, so the metric says what nginx serves, not
 * what the program meant to apply; re-appending it every 15 s means a restarted mtail (or router)
 * recovers without waiting for the next release, and gives "last seen" its meaning.
 */
import { COLORS, ROUTER_LATENCY_BUCKETS, ROUTER_METRICS } from "./metricNames";

/** nginx access log inside the router image (ROUTER_IMAGE_RUNTIME.accessLog). */
export const ROUTER_ACCESS_LOG_PATH = "/var/log/switchyard/access.log";
/** Status documents of the config in force, one per line (images/router: sy_emit_state). */
export const ROUTER_STATE_LOG_PATH = "/var/log/switchyard/state.log";
/** Where the router image keeps the mtail program (a copy of renderRouterMtailProgram()). */
export const ROUTER_MTAIL_PROGRAM_PATH = "/etc/switchyard/mtail/router.mtail";
/** How long a router config keeps its `config_last_seen` series after it was last confirmed. */
export const CONFIG_SERIES_EXPIRY = "5m";

/** Status classes whose counters exist (at 0) as soon as a colour serves its first request. */
export const PRECREATED_STATUS_CLASSES = ["2xx", "5xx"] as const;

/** The mtail program (one file under --progs). Deterministic; depends only on the metric constants. */
export function renderRouterMtailProgram(): string {
    const m = ROUTER_METRICS;
    const colors = COLORS.join("|");
    // Access line: only the leading fields are matched; later fields may be added by the renderer.
    const access =
        `^\\{"time":"[^"]*","color":"(?P<color>[a-z]*)","role":"[a-z]*","status":(?P<status_class>[1-5])\\d\\d,` +
        `"method":"[^"]*","request_time":(?P<request_time>\\d+\\.\\d+),`;
    // Status document (JSON.stringify of nginxConfig.ts's RouterStatus, key order fixed).
    const num = "\\d+(?:\\.\\d+)?";
    const state =
        `^\\{"stack":"[^"]*","activeColor":"(?P<active_color>${colors})",` +
        `"weights":\\{"blue":(?P<weight_blue>${num}),"green":(?P<weight_green>${num})\\},` +
        `.*"configSha256":"(?P<config_sha256>[0-9a-f]{64})"\\}$`;
    return [
        "# Rendered by switchyard (components/observability/routerExporter.ts). Do not edit.",
        `# Inputs: ${ROUTER_ACCESS_LOG_PATH} (nginx, format \`switchyard\` of components/routing/nginxConfig.ts)`,
        `# and ${ROUTER_STATE_LOG_PATH} (the router's status document, appended by switchyard-apply).`,
        `counter ${m.requestsTotal} by color, status_class`,
        `histogram ${m.requestDurationSeconds} by color buckets ${ROUTER_LATENCY_BUCKETS.join(", ")}`,
        `gauge ${m.colorWeightRatio} by color`,
        `gauge ${m.configLastSeen} by active_color, config_sha256`,
        `counter ${m.unparsedLinesTotal}`,
        `counter ${m.unroutedRequestsTotal}`,
        "",
        `/${access}/ {`,
        `  $color =~ /^(${colors})$/ {`,
        // A counter series that appears at its first increment hides that increment from rate()
        // (Prometheus has no earlier sample): the first 5xx of a new release would go unseen.
        // So the classes the error rate and the share read exist at 0 from a colour's first request.
        ...PRECREATED_STATUS_CLASSES.map((k) => `    ${m.requestsTotal}[$color]["${k}"] += 0`),
        `    ${m.requestsTotal}[$color][$status_class + "xx"]++`,
        `    ${m.requestDurationSeconds}[$color] = $request_time`,
        `  } else {`,
        `    ${m.unroutedRequestsTotal}++`,
        `  }`,
        `} else {`,
        `  /${state}/ {`,
        `    ${m.colorWeightRatio}["blue"] = float($weight_blue) / 100.0`,
        `    ${m.colorWeightRatio}["green"] = float($weight_green) / 100.0`,
        `    ${m.configLastSeen}[$active_color][$config_sha256] = timestamp()`,
        `    del ${m.configLastSeen}[$active_color][$config_sha256] after ${CONFIG_SERIES_EXPIRY}`,
        `  } else {`,
        `    ${m.unparsedLinesTotal}++`,
        `  }`,
        `}`,
        "",
    ].join("\n");
}
