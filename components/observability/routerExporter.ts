/**
 * The router's metrics: nginx writes one JSON line per request (format rendered here), and mtail,
 * running next to nginx in the router container, turns the lines into Prometheus metrics.
 *
 * Why mtail (Debian package `mtail`, a static Go binary): it is built for exactly this job (tail a
 * log, follow rotation and truncation, keep counters and histograms, serve /metrics), it adds no
 * runtime to the router image (no node/python), and the program is declarative: no HTTP server or
 * log-tailing code of ours to get wrong. Measuring at the router (not only in the apps) means the
 * traffic split and the per-colour error rate include what the apps cannot see (502/504 when a
 * container is down, time spent queued in nginx).
 *
 * Run it as (the router entrypoint starts it before `nginx -g 'daemon off;'`):
 *   mtail --progs /etc/mtail --logs /var/log/nginx/switchyard.json --port 3903 \
 *         --emit_prog_label=false --expired_metrics_gc_interval=1m
 */
import { z } from "zod";
import { COLORS, ROUTER_LATENCY_BUCKETS, ROUTER_METRICS } from "./metricNames";
import { parse } from "./validate";

/** Name of the nginx log_format rendered by `renderRouterLogFormat`. */
export const ROUTER_LOG_FORMAT_NAME = "switchyard_json";
/** Where the router writes the access log that mtail tails. */
export const ROUTER_ACCESS_LOG_PATH = "/var/log/nginx/switchyard.json";
/** How long a router config keeps its `config_last_seen` series after its last request. */
export const CONFIG_SERIES_EXPIRY = "5m";

const permille = z.number().int().min(0).max(1000);

export const RouterLogFormatInputSchema = z
    .object({
        /** nginx variable holding the colour the request was sent to ("blue"/"green"; empty when the
         * router answered itself). Set by the routing config (e.g. a `map` on `$upstream_addr`). */
        colorVariable: z.string().regex(/^\$[a-z_][a-z0-9_]*$/, "an nginx variable such as $switchyard_color"),
        /** The colour that is live (takes the traffic the canary does not). */
        activeColor: z.enum(COLORS),
        /** Configured share of traffic per colour, in permille; must sum to 1000. */
        weightsPermille: z.object({ blue: permille, green: permille }).strict(),
        /** Identifies the routing config in force (hex, 8..64 chars): a release event is a new value. */
        configSha256: z.string().regex(/^[0-9a-f]{8,64}$/, "lower-case hex, 8 to 64 characters"),
    })
    .strict()
    .refine((v) => v.weightsPermille.blue + v.weightsPermille.green === 1000, {
        message: "weightsPermille.blue + weightsPermille.green must be 1000",
        path: ["weightsPermille"],
    });
export type RouterLogFormatInput = z.input<typeof RouterLogFormatInputSchema>;

/**
 * The nginx `log_format` directive (http context) the router must use for ROUTER_ACCESS_LOG_PATH:
 *   access_log /var/log/nginx/switchyard.json switchyard_json;
 * Field order is fixed: the mtail program matches the whole line.
 */
export function renderRouterLogFormat(input: RouterLogFormatInput): string {
    const v = parse(RouterLogFormatInputSchema, input, "router log format");
    const fields = [
        `"time":"$time_iso8601"`,
        `"color":"${v.colorVariable}"`,
        `"status":"$status"`,
        `"request_time":"$request_time"`,
        `"upstream_response_time":"$upstream_response_time"`,
        `"active_color":"${v.activeColor}"`,
        `"weight_blue_permille":"${v.weightsPermille.blue}"`,
        `"weight_green_permille":"${v.weightsPermille.green}"`,
        `"config_sha256":"${v.configSha256}"`,
    ];
    return `log_format ${ROUTER_LOG_FORMAT_NAME} escape=json '{${fields.join(",")}}';`;
}

/** The mtail program (one file under --progs). Deterministic; depends only on the metric constants. */
export function renderRouterMtailProgram(): string {
    const m = ROUTER_METRICS;
    const colors = COLORS.join("|");
    const line =
        `^\\{"time":"(?P<time>[^"]+)","color":"(?P<color>[^"]*)","status":"(?P<status_class>[1-5])\\d\\d",` +
        `"request_time":"(?P<request_time>\\d+\\.\\d+)","upstream_response_time":"[^"]*",` +
        `"active_color":"(?P<active_color>${colors})","weight_blue_permille":"(?P<weight_blue>\\d+)",` +
        `"weight_green_permille":"(?P<weight_green>\\d+)","config_sha256":"(?P<config_sha256>[0-9a-f]{8,64})"\\}$`;
    return [
        "# Rendered by switchyard (components/observability/routerExporter.ts). Do not edit.",
        "# Input: nginx access log in the `switchyard_json` format (renderRouterLogFormat).",
        `counter ${m.requestsTotal} by color, status_class`,
        `histogram ${m.requestDurationSeconds} by color buckets ${ROUTER_LATENCY_BUCKETS.join(", ")}`,
        `gauge ${m.colorWeightRatio} by color`,
        `gauge ${m.configLastSeen} by active_color, config_sha256`,
        `counter ${m.unparsedLinesTotal}`,
        `counter ${m.unroutedRequestsTotal}`,
        "",
        `/${line}/ {`,
        `  strptime($time, "2006-01-02T15:04:05-07:00")`,
        `  ${m.colorWeightRatio}["blue"] = float($weight_blue) / 1000.0`,
        `  ${m.colorWeightRatio}["green"] = float($weight_green) / 1000.0`,
        `  ${m.configLastSeen}[$active_color][$config_sha256] = timestamp()`,
        `  del ${m.configLastSeen}[$active_color][$config_sha256] after ${CONFIG_SERIES_EXPIRY}`,
        `  $color =~ /^(${colors})$/ {`,
        `    ${m.requestsTotal}[$color][$status_class + "xx"]++`,
        `    ${m.requestDurationSeconds}[$color] = $request_time`,
        `  } else {`,
        `    ${m.unroutedRequestsTotal}++`,
        `  }`,
        `} else {`,
        `  ${m.unparsedLinesTotal}++`,
        `}`,
        "",
    ].join("\n");
}
