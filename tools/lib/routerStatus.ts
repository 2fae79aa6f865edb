/**
 * The router's status document, read where it is always served in full: the inner listener inside
 * the router container (the front answers it only when router.status.public is set).
 */
import { ROUTER_IMAGE_RUNTIME } from "../../domain/routerImage";
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
