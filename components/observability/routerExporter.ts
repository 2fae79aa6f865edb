/**
 * The router's metrics: the mtail program that the router image runs on its access log and state log
 * (domain/routerImage.ts), serving Prometheus metrics on ROUTER_EXPORTER_PORT. Why mtail and the
 * state log: docs/decisions.md "Router metrics".
 */
import { COLORS } from "../../domain/color";
import { ROUTER_ACCESS_LOG_PATH, ROUTER_STATE_LOG_PATH } from "../../domain/routerImage";
import { ROUTER_LATENCY_BUCKETS, ROUTER_METRICS } from "./metricNames";

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
