/**
 * Open-loop load for the benchmarks: autocannon at a fixed overall rate, with every response's own
 * latency and arrival time kept (autocannon's histogram rounds to whole milliseconds, too coarse
 * for a sub-millisecond overhead), so percentiles and the longest gap come from raw samples.
 */
import autocannon from "autocannon";
import { performance } from "perf_hooks";

export interface LoadSpec {
    readonly url: string;
    /** Requests per second over all connections. */
    readonly rate: number;
    readonly seconds: number;
    /** Fresh connection per request (`false`), or keep-alive connections (`true`). */
    readonly keepAlive: boolean;
    /** GET, or a POST with this many bytes of body. @default - GET */
    readonly postBytes?: number;
    /** Extra request headers. */
    readonly headers?: Readonly<Record<string, string>>;
    /** @default - rate / 50, at least 4: enough connections that one slow answer does not hold the rate back */
    readonly connections?: number;
}

export interface LoadResult {
    readonly sent: number;
    /** Responses with a 2xx status. */
    readonly ok: number;
    /** Responses with another status. */
    readonly non2xx: number;
    /** Requests that got no response (refused, reset, timeout). */
    readonly errors: number;
    /** Latency of every 2xx response, ms. */
    readonly latenciesMs: number[];
    /** performance.now() at each 2xx response. */
    readonly okAt: number[];
    readonly startedAt: number;
    readonly endedAt: number;
}

/** Runs the load; resolves when it is done. `signal` stops it early (the result counts what was sent). */
export function runLoad(spec: LoadSpec, signal?: AbortSignal): Promise<LoadResult> {
    const latenciesMs: number[] = [];
    const okAt: number[] = [];
    let non2xx = 0;
    let errors = 0;
    const body = spec.postBytes ? Buffer.alloc(spec.postBytes, "x").toString() : undefined;
    const connections = spec.connections ?? Math.max(4, Math.ceil(spec.rate / 50));
    const startedAt = performance.now();
    return new Promise((resolve, reject) => {
        const instance = autocannon(
            {
                url: spec.url,
                overallRate: spec.rate,
                connections,
                duration: spec.seconds,
                // autocannon opens a new connection after this many requests on one: 1 = a fresh connection each time.
                ...(spec.keepAlive ? {} : { reconnectRate: 1 }),
                method: body ? "POST" : "GET",
                ...(body
                    ? { body, headers: { "content-type": "application/octet-stream", ...spec.headers } }
                    : { headers: { ...spec.headers } }),
                timeout: 5,
            },
            (err, result) => {
                if (err) {
                    reject(err);
                    return;
                }
                resolve({
                    sent: result.requests.sent,
                    ok: latenciesMs.length,
                    non2xx,
                    errors,
                    latenciesMs,
                    okAt,
                    startedAt,
                    endedAt: performance.now(),
                });
            },
        );
        instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
            if (status >= 200 && status < 300) {
                latenciesMs.push(ms);
                okAt.push(performance.now());
            } else {
                non2xx++;
            }
        });
        instance.on("reqError", () => {
            errors++;
        });
        signal?.addEventListener("abort", () => instance.stop(), { once: true });
    });
}

/** Requests that failed: answered with a non-2xx status, or with no answer (requests still in flight when the load stopped are not counted). */
export function failed(r: LoadResult): number {
    return r.non2xx + r.errors;
}
