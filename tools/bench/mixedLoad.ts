/**
 * Open-loop mixed load for fault tests: three streams at fixed rates, each request sent on time
 * whether or not earlier ones were answered (a closed-loop tool such as autocannon stops sending
 * while its connections wait on a stuck server, which hides exactly the requests a fault costs).
 * Streams: GETs on keep-alive connections, GETs each on a fresh connection (Connection: close),
 * and POSTs of `postBytes` on keep-alive connections. Every request is counted when sent and when
 * it settles (tools/bench/loadTally.ts).
 */
import * as http from "http";
import { performance } from "perf_hooks";

import { combine, dueBy, EMPTY, figures, markSent, Outcome, settle, Tally } from "./loadTally";

export const STREAMS = ["keepAlive", "fresh", "post"] as const;
export type Stream = (typeof STREAMS)[number];

export interface MixedLoadSpec {
    /** Base URL of the router, e.g. http://127.0.0.1:18850 */
    readonly url: string;
    /** Requests per second of each stream. */
    readonly rates: Readonly<Record<Stream, number>>;
    /** Body size of the POST stream. @default 65536 */
    readonly postBytes?: number;
    /** A request without an answer after this long counts as a timeout. @default 10000 */
    readonly timeoutMs?: number;
    /**
     * At most this many connections per stream; requests due beyond it wait for one (their time
     * counts from when they were due). Docker's userland proxy in front of a published port stops
     * accepting for good when it runs out of file descriptors, which thousands of connections to a
     * stalled router on an overloaded machine did. @default - no limit
     */
    readonly maxSockets?: number;
}

export interface MixedLoadResult {
    readonly streams: Readonly<Record<Stream, Tally>>;
    readonly total: Tally;
    readonly seconds: number;
    /**
     * When each request that got a 2xx answer was sent (ms since the load started), over all
     * streams, in order. Requests go out on a fixed schedule, so the longest stretch of this
     * timeline without an entry is the longest time a user would have seen no successful answer,
     * unlike arrival times of a closed-loop tool, which bunch up after a stall.
     */
    readonly okSentMs: readonly number[];
}

export interface MixedLoad {
    /** Milliseconds since the load started (to mark a fault's start and end). */
    now(): number;
    /** Stops sending, waits for every request in flight to settle (at most the timeout), returns the counts. */
    stop(): Promise<MixedLoadResult>;
}

/** The fault suite's load: 400 req/s, half keep-alive GETs, a quarter fresh-connection GETs, a quarter 64 KiB POSTs. */
export const FAULT_RATES: Readonly<Record<Stream, number>> = { keepAlive: 200, fresh: 100, post: 100 };

/** A mixed load's figures for a report, per stream and in total, failure times relative to `fromMs`. */
export function mixedFigures(l: MixedLoadResult, rates: Readonly<Record<Stream, number>>, fromMs: number) {
    const streams = Object.fromEntries(STREAMS.map((s) => [s, figures(l.streams[s], fromMs)]));
    return { rates, seconds: +l.seconds.toFixed(1), total: figures(l.total, fromMs), streams };
}

/** Seconds from `fromMs` until the last failed request was sent (0: none failed, or all before it). */
export function recoverySeconds(t: Tally, fromMs: number): number {
    return t.lastFailureMs === undefined ? 0 : Math.max(0, Math.round(t.lastFailureMs - fromMs) / 1000);
}

const TICK_MS = 5;

export function startMixedLoad(spec: MixedLoadSpec): MixedLoad {
    const timeoutMs = spec.timeoutMs ?? 10_000;
    const body = Buffer.alloc(spec.postBytes ?? 65536, "x");
    const target = new URL(spec.url);
    // No socket limit: a request waiting on a stuck server must not hold back the ones after it.
    const limit = spec.maxSockets ? { maxSockets: spec.maxSockets } : {};
    const agents = {
        keepAlive: new http.Agent({ keepAlive: true, ...limit }),
        post: new http.Agent({ keepAlive: true, ...limit }),
        fresh: spec.maxSockets ? new http.Agent({ keepAlive: false, ...limit }) : undefined,
    };
    const tallies: Record<Stream, Tally> = { keepAlive: EMPTY, fresh: EMPTY, post: EMPTY };
    const issued: Record<Stream, number> = { keepAlive: 0, fresh: 0, post: 0 };
    const pending = new Set<Promise<void>>();
    const okSentMs: number[] = [];
    const t0 = performance.now();
    const now = () => performance.now() - t0;

    const send = (stream: Stream): void => {
        const at = now();
        tallies[stream] = markSent(tallies[stream]);
        const p = new Promise<void>((resolve) => {
            let done = false;
            const finish = (o: Outcome) => {
                if (done) return;
                done = true;
                clearTimeout(timer);
                tallies[stream] = settle(tallies[stream], o, at);
                if (o.kind === "answered" && o.status >= 200 && o.status < 300) {
                    okSentMs.push(at);
                }
                resolve();
            };
            const isPost = stream === "post";
            const req = http.request(
                {
                    host: target.hostname,
                    port: target.port,
                    path: "/",
                    method: isPost ? "POST" : "GET",
                    agent: stream === "fresh" ? (agents.fresh ?? false) : agents[stream],
                    headers: {
                        ...(stream === "fresh" ? { connection: "close" } : {}),
                        ...(isPost ? { "content-type": "application/octet-stream", "content-length": body.length } : {}),
                    },
                },
                (res) => {
                    res.resume();
                    res.on("end", () => {
                        const color = res.headers["x-switchyard-color"];
                        finish({ kind: "answered", status: res.statusCode ?? 0, ...(typeof color === "string" ? { color } : {}) });
                    });
                    res.on("error", () => finish({ kind: "connError" }));
                },
            );
            const timer = setTimeout(() => {
                finish({ kind: "timeout" });
                req.destroy();
            }, timeoutMs);
            req.on("error", () => finish({ kind: "connError" }));
            req.end(isPost ? body : undefined);
        });
        pending.add(p);
        void p.then(() => pending.delete(p));
    };

    const ticker = setInterval(() => {
        const elapsed = now();
        for (const s of STREAMS) {
            const due = dueBy(elapsed, spec.rates[s]);
            while (issued[s] < due) {
                issued[s]++;
                send(s);
            }
        }
    }, TICK_MS);

    return {
        now,
        async stop() {
            clearInterval(ticker);
            const seconds = now() / 1000;
            await Promise.all([...pending]);
            agents.keepAlive.destroy();
            agents.post.destroy();
            agents.fresh?.destroy();
            const streams = { ...tallies };
            return { streams, total: combine(STREAMS.map((s) => streams[s])), seconds, okSentMs: [...okSentMs].sort((a, b) => a - b) };
        },
    };
}
