/**
 * Open-loop load for the router rows of the benchmarks: one stream at a fixed rate, each request
 * sent on schedule whether or not earlier ones were answered, with every answer's own latency and
 * arrival time kept (percentiles come from raw samples, not a histogram rounded to whole ms).
 *
 * Not autocannon: at a set overallRate it sent 30% more than asked on keep-alive connections and
 * half as much on fresh ones (measured against a counting server: 500 req/s for 3 s gave 1,950
 * and 775 answers), and its reconnectRate drops the answer of each reconnecting request, so a
 * fresh-connection run had no latencies at all.
 */
import * as http from "http";
import { performance } from "perf_hooks";
import { dueBy } from "./loadTally";

export interface LoadSpec {
    readonly url: string;
    /** Requests per second. */
    readonly rate: number;
    readonly seconds: number;
    /** Fresh connection per request (`false`, with Connection: close), or keep-alive connections (`true`). */
    readonly keepAlive: boolean;
    /** GET, or a POST with this many bytes of body. @default - GET */
    readonly postBytes?: number;
    /** Extra request headers. */
    readonly headers?: Readonly<Record<string, string>>;
    /** A request without an answer after this long counts as an error. @default 5000 */
    readonly timeoutMs?: number;
}

export interface LoadResult {
    readonly sent: number;
    /** Responses with a 2xx status. */
    readonly ok: number;
    /** Responses with another status. */
    readonly non2xx: number;
    /** Requests that got no response (refused, reset, timeout). */
    readonly errors: number;
    /** Latency of every 2xx response, ms, from the moment its request was sent. */
    readonly latenciesMs: number[];
    /** performance.now() at each 2xx response. */
    readonly okAt: number[];
    readonly startedAt: number;
    readonly endedAt: number;
}

/** 1 ms ticks: at 1,000 req/s a request leaves on time instead of in bursts of a coarser tick. */
const TICK_MS = 1;

/** Runs the load; resolves once every request sent has settled. `signal` stops sending early. */
export function runLoad(spec: LoadSpec, signal?: AbortSignal): Promise<LoadResult> {
    const latenciesMs: number[] = [];
    const okAt: number[] = [];
    let sent = 0;
    let non2xx = 0;
    let errors = 0;
    const timeoutMs = spec.timeoutMs ?? 5000;
    const body = spec.postBytes ? Buffer.alloc(spec.postBytes, "x") : undefined;
    const target = new URL(spec.url);
    // Up to 256 connections, so a slow answer does not hold back the requests due after it; a cap,
    // because Docker's userland proxy in front of a published port stops accepting for good when it
    // runs out of file descriptors (seen with thousands of connections on an overloaded machine).
    // Requests beyond it wait, and their latency counts from when they were sent.
    const agent = new http.Agent({ keepAlive: spec.keepAlive, maxSockets: 256 });
    const pending = new Set<Promise<void>>();
    const startedAt = performance.now();

    const send = () => {
        sent++;
        const t0 = performance.now();
        const p = new Promise<void>((resolve) => {
            let done = false;
            const finish = (status?: number) => {
                if (done) return;
                done = true;
                clearTimeout(timer);
                if (status === undefined) {
                    errors++;
                } else if (status >= 200 && status < 300) {
                    const now = performance.now();
                    latenciesMs.push(now - t0);
                    okAt.push(now);
                } else {
                    non2xx++;
                }
                resolve();
            };
            const req = http.request(
                {
                    host: target.hostname,
                    port: target.port,
                    path: `${target.pathname}${target.search}`,
                    method: body ? "POST" : "GET",
                    agent,
                    headers: {
                        ...(spec.keepAlive ? {} : { connection: "close" }),
                        ...(body ? { "content-type": "application/octet-stream", "content-length": body.length } : {}),
                        ...spec.headers,
                    },
                },
                (res) => {
                    res.resume();
                    res.on("end", () => finish(res.statusCode ?? 0));
                    res.on("error", () => finish());
                },
            );
            const timer = setTimeout(() => {
                finish();
                req.destroy();
            }, timeoutMs);
            req.on("error", () => finish());
            req.end(body);
        });
        pending.add(p);
        void p.then(() => pending.delete(p));
    };

    return new Promise((resolve) => {
        const stop = async () => {
            clearInterval(ticker);
            signal?.removeEventListener("abort", stop);
            await Promise.all([...pending]);
            agent.destroy();
            resolve({ sent, ok: latenciesMs.length, non2xx, errors, latenciesMs, okAt, startedAt, endedAt: performance.now() });
        };
        const ticker = setInterval(() => {
            const elapsed = performance.now() - startedAt;
            // A late tick sends what fell due meanwhile, the last one up to the end of the run.
            const due = dueBy(Math.min(elapsed, spec.seconds * 1000), spec.rate);
            while (sent < due) {
                send();
            }
            if (elapsed >= spec.seconds * 1000) {
                void stop();
            }
        }, TICK_MS);
        signal?.addEventListener("abort", stop, { once: true });
    });
}

/** Requests that failed: answered with a non-2xx status, or with no answer (refused, reset, timed out). */
export function failed(r: LoadResult): number {
    return r.non2xx + r.errors;
}
