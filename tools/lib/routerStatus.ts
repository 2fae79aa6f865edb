/**
 * The router's status document, read where it is always served in full: the inner listener inside
 * the router container (the front answers it only when router.status.public is set).
 */
import { ROUTER_EXPORTER_PORT, ROUTER_IMAGE_RUNTIME } from "../../domain/routerImage";
import { ROUTER_METRICS } from "../../components/observability/metricNames";
import { docker } from "./docker";

/** The document, or undefined when the router cannot be reached or does not answer JSON. */
export function readRouterStatus(
    dockerHost: string,
    router: string,
    statusPath: string,
    tls: Readonly<Record<string, string>> = {},
    /** How long the host may take to answer at all (a host that is down). @default - the docker CLI's own */
    timeoutMs?: number,
): Record<string, unknown> | undefined {
    const url = `http://${ROUTER_IMAGE_RUNTIME.listen}${statusPath}`;
    const r = docker(dockerHost, ["exec", router, "curl", "-fsS", "--max-time", "3", url], tls, timeoutMs ? { timeoutMs } : {});
    try {
        return r.code === 0 ? (JSON.parse(r.out) as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}

/** The status path the stack published (its routerStatusUrl output), else the image's default. */
export function statusPathOf(routerStatusUrl: unknown, fallback: string): string {
    return typeof routerStatusUrl === "string" && routerStatusUrl ? new URL(routerStatusUrl).pathname : fallback;
}

/** Requests the router has sent to each colour since its exporter started. */
export type RouterCounts = Record<string, number>;

/** Sums the router exporter's request counter by colour, from its Prometheus text. */
export function parseRouterCounts(metricsText: string): RouterCounts {
    const counts: RouterCounts = {};
    const name = ROUTER_METRICS.requestsTotal;
    for (const line of metricsText.split("\n")) {
        if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) {
            continue;
        }
        const color = /[{,]color="([^"]*)"/.exec(line)?.[1];
        const value = Number(line.slice(line.lastIndexOf(" ") + 1));
        if (color && Number.isFinite(value)) {
            counts[color] = (counts[color] ?? 0) + value;
        }
    }
    return counts;
}

/**
 * Each colour's share (0..1) of the requests between two readings of the same router, and how many
 * there were. A counter that went down (the exporter restarted) counts from 0.
 */
export function shareBetween(before: RouterCounts, after: RouterCounts): { share: Record<string, number>; requests: number } {
    const delta = Object.fromEntries(Object.entries(after).map(([c, n]) => [c, n >= (before[c] ?? 0) ? n - (before[c] ?? 0) : n] as const));
    const requests = Object.values(delta).reduce((a, b) => a + b, 0);
    const share = requests > 0 ? Object.fromEntries(Object.entries(delta).map(([c, n]) => [c, n / requests])) : {};
    return { share, requests };
}

/** The router's request counts by colour, read inside its container; undefined when it does not answer. */
export function readRouterCounts(
    dockerHost: string,
    router: string,
    tls: Readonly<Record<string, string>> = {},
    timeoutMs?: number,
): RouterCounts | undefined {
    const url = `http://127.0.0.1:${ROUTER_EXPORTER_PORT}/metrics`;
    const r = docker(dockerHost, ["exec", router, "curl", "-fsS", "--max-time", "3", url], tls, timeoutMs ? { timeoutMs } : {});
    return r.code === 0 ? parseRouterCounts(r.out) : undefined;
}

/** A router of the stack: its host's name ("" on a single-host stack), Docker host and container. */
export interface RouterAt {
    readonly name: string;
    readonly host: string;
    readonly container: string;
}

/** Every router of the stack: one per host from the `hosts` output, else the stack's router on `dockerHost`. */
export function routersOf(outputs: Readonly<Record<string, unknown>>, dockerHost: string, fallbackContainer: string): RouterAt[] {
    if (Array.isArray(outputs.hosts) && outputs.hosts.length > 0) {
        return (outputs.hosts as { name: string; host: string; routerContainer: string }[]).map((h) => ({
            name: h.name,
            host: h.host,
            container: h.routerContainer,
        }));
    }
    return [{ name: "", host: dockerHost, container: String(outputs.routerContainer ?? fallbackContainer) }];
}
