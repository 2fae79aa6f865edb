/**
 * What the release driver reads and touches outside the engine: Prometheus (the router's metrics
 * by colour), the router (its routing config, applied with the router image's own apply command),
 * the file backend's lock, and Docker's image store.
 */
import * as fs from "fs";
import * as path from "path";
import { expandGrafanaVariables, queries } from "../../components/observability/queries";
import { JOBS, ROUTER_METRICS } from "../../components/observability/metricNames";
import { configShaOf } from "../../components/routing/nginxConfig";
import { ROUTER_IMAGE } from "../../domain/routerImage";
import type { Color } from "../../domain/color";
import { docker } from "../lib/docker";
import type { ColorReading, Reading } from "./analysis";

type Rows = { metric: Record<string, string>; value: [number, string] }[];

export class PrometheusClient {
    constructor(
        readonly url: string,
        private readonly stack: string,
    ) {}

    async query(expr: string): Promise<Rows> {
        const res = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: expr })}`, { signal: AbortSignal.timeout(3000) });
        const body = (await res.json()) as { status: string; error?: string; data?: { result: Rows } };
        if (body.status !== "success" || !body.data) {
            throw new Error(`Prometheus refused ${expr}: ${body.error ?? res.status}`);
        }
        return body.data.result;
    }

    private byColor(rows: Rows): Record<string, number> {
        return Object.fromEntries(rows.map((r) => [r.metric.color, Number(r.value[1])]).filter(([, v]) => Number.isFinite(v as number)));
    }

    /** Router metrics of both colours over the last `windowMs`; an error reading when Prometheus does not answer. */
    async read(windowMs: number, canary: Color, stable: Color): Promise<Reading> {
        const at = new Date().toISOString();
        const w = `${Math.max(2, Math.round(windowMs / 1000))}s`;
        const q = (expr: string) => expandGrafanaVariables(expr, { stack: this.stack, rateInterval: w });
        try {
            const [requests, errors, p95, up] = await Promise.all([
                this.query(`sum by (color) (increase(${ROUTER_METRICS.requestsTotal}{stack="${this.stack}"}[${w}]))`),
                this.query(q(queries.errorRate)),
                this.query(q(queries.latencyP95)),
                this.query(`sum by (color) (1 - up{job="${JOBS.app}",stack="${this.stack}"})`),
            ]);
            const [rq, er, p, down] = [this.byColor(requests), this.byColor(errors), this.byColor(p95), this.byColor(up)];
            const colour = (c: Color): ColorReading => ({
                requests: rq[c] ?? 0,
                ...(er[c] !== undefined ? { errorRatio: er[c] } : {}),
                ...(p[c] !== undefined ? { p95Seconds: p[c] } : {}),
                ...(down[c] !== undefined ? { down: down[c] } : {}),
            });
            return { ok: true, at, canary: colour(canary), stable: colour(stable) };
        } catch (e) {
            return {
                ok: false,
                at,
                error: `Prometheus at ${this.url}: ${e instanceof Error ? (e.cause ? String(e.cause) : e.message) : String(e)}`,
            };
        }
    }

    /** 5xx responses the router sent from `color` since `sinceMs`; undefined without an answer. */
    async errorsSince(color: Color, sinceMs: number): Promise<number | undefined> {
        const w = `${Math.max(2, Math.ceil((Date.now() - sinceMs) / 1000))}s`;
        try {
            const rows = await this.query(
                `sum(increase(${ROUTER_METRICS.requestsTotal}{stack="${this.stack}",color="${color}",status_class="5xx"}[${w}]))`,
            );
            return rows.length === 0 ? 0 : Number(rows[0].value[1]);
        } catch {
            return undefined;
        }
    }

    /** Measured traffic share (0..1) per colour over the last `windowS` seconds. */
    async share(windowS: number): Promise<Record<string, number>> {
        return this.byColor(
            await this.query(expandGrafanaVariables(queries.trafficShare, { stack: this.stack, rateInterval: `${windowS}s` })),
        );
    }
}

/** The router's routing config as it holds it. */
export function readRouterConfig(
    dockerHost: string,
    router: string,
    tls: Readonly<Record<string, string>>,
): { text: string; sha256: string } {
    const r = docker(dockerHost, ["exec", router, "cat", ROUTER_IMAGE.innerConfig], tls);
    const sha = r.code === 0 ? configShaOf(r.out) : undefined;
    if (!sha) {
        throw new Error(`could not read the routing config of ${router}: ${r.err.trim() || "no switchyard status sha in it"}`);
    }
    return { text: r.out, sha256: sha };
}

/** Applies a routing config with the router image's apply command (validate, install, reload, wait for the sha). */
export function applyRouterConfig(
    dockerHost: string,
    router: string,
    config: { text: string; sha256: string },
    tls: Readonly<Record<string, string>>,
): void {
    const r = docker(dockerHost, ["exec", "-i", router, ROUTER_IMAGE.applyBin, "-", config.sha256], tls, {
        input: config.text,
        timeoutMs: 30_000,
    });
    if (r.code !== 0) {
        throw new Error(`the router refused the config: ${(r.err || r.out).trim()}`);
    }
}

/**
 * The file backend's lock on a stack (`<backend>/.pulumi/locks/<org>/<project>/<stack>/*.json`):
 * who holds it, or undefined when free (or when the backend is not a local directory).
 */
export function fileBackendLock(backendUrl: string | undefined, project: string, stack: string): string | undefined {
    if (!backendUrl?.startsWith("file://")) {
        return undefined;
    }
    const dir = path.join(backendUrl.slice("file://".length).split("?")[0], ".pulumi", "locks");
    const candidates = [path.join(dir, "organization", project, stack), path.join(dir, stack)];
    for (const d of candidates) {
        let files: string[] = [];
        try {
            files = fs.readdirSync(d).filter((f) => f.endsWith(".json"));
        } catch {
            continue;
        }
        for (const f of files) {
            try {
                const l = JSON.parse(fs.readFileSync(path.join(d, f), "utf8")) as {
                    pid?: number;
                    username?: string;
                    hostname?: string;
                    timestamp?: string;
                };
                return `pid ${l.pid} of ${l.username}@${l.hostname} since ${l.timestamp}`;
            } catch {
                return `lock file ${path.join(d, f)}`;
            }
        }
    }
    return undefined;
}

/** Why an image is neither present nor pullable on the host, or undefined when it is usable. */
export function imageProblem(dockerHost: string, image: string, tls: Readonly<Record<string, string>>): string | undefined {
    if (docker(dockerHost, ["image", "inspect", image], tls).code === 0) {
        return undefined;
    }
    const m = docker(dockerHost, ["manifest", "inspect", image], tls);
    return m.code === 0 ? undefined : `not on the host, and the registry says: ${(m.err || m.out).trim().split("\n")[0] || "no manifest"}`;
}
