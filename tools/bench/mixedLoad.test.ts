/** The open-loop mixed load against real local servers: on time, counted, and a stuck server shows as timeouts. */
import * as http from "http";
import { AddressInfo } from "net";

import { EMPTY, lost, markSent, settle, Tally } from "./loadTally";
import { FAULT_RATES, mixedFigures, recoverySeconds, startMixedLoad } from "./mixedLoad";
import { longestGap } from "./stats";

function serve(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
    const server = http.createServer(handler);
    return new Promise((resolve) => {
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as AddressInfo;
            resolve({
                url: `http://127.0.0.1:${port}`,
                close: () => {
                    server.closeAllConnections();
                    return new Promise((r) => server.close(() => r()));
                },
            });
        });
    });
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("three streams at their rates: keep-alive GETs, GETs on fresh connections, 64 KiB POSTs; every request answered", async () => {
    const seen = { get: 0, post: 0, bodyBytes: new Set<number>(), closeHeader: 0 };
    const app = await serve((req, res) => {
        let n = 0;
        req.on("data", (c: Buffer) => (n += c.length));
        req.on("end", () => {
            if (req.method === "POST") {
                seen.post++;
                seen.bodyBytes.add(n);
            } else {
                seen.get++;
                if (req.headers.connection === "close") seen.closeHeader++;
            }
            res.writeHead(200, { "x-switchyard-color": "blue" });
            res.end("ok");
        });
    });
    try {
        const load = startMixedLoad({ url: app.url, rates: { keepAlive: 40, fresh: 20, post: 20 } });
        await wait(1500);
        const r = await load.stop();
        expect(r.streams.keepAlive.sent).toBeGreaterThanOrEqual(Math.floor(40 * 1.5) - 2);
        expect(r.streams.fresh.sent).toBeGreaterThanOrEqual(Math.floor(20 * 1.5) - 2);
        expect(r.streams.post.sent).toBeGreaterThanOrEqual(Math.floor(20 * 1.5) - 2);
        expect(r.total.sent).toBeLessThanOrEqual(Math.ceil(80 * r.seconds));
        expect(lost(r.total)).toBe(0);
        expect(r.total.byColor).toEqual({ blue: r.total.sent });
        expect(seen.post).toBe(r.streams.post.sent);
        expect([...seen.bodyBytes]).toEqual([65536]);
        expect(seen.get).toBe(r.streams.keepAlive.sent + r.streams.fresh.sent);
        expect(seen.closeHeader).toBe(r.streams.fresh.sent);
        expect(r.okSentMs).toHaveLength(r.total.ok);
        expect(r.okSentMs.every((t, k) => t >= 0 && t <= r.seconds * 1000 && (k === 0 || t >= r.okSentMs[k - 1]))).toBe(true);
    } finally {
        await app.close();
    }
});

test("a server that never answers: every request is a timeout; one that resets: connection errors and 5xx are told apart", async () => {
    const stuck = await serve(() => undefined);
    let i = 0;
    const flaky = await serve((req, res) => {
        req.resume();
        if (i++ % 2 === 0) {
            req.socket.destroy();
        } else {
            res.writeHead(503);
            res.end();
        }
    });
    try {
        const a = startMixedLoad({ url: stuck.url, rates: { keepAlive: 20, fresh: 20, post: 20 }, timeoutMs: 300 });
        await wait(500);
        const ra = await a.stop();
        expect(ra.total.sent).toBeGreaterThan(20);
        expect(ra.total.timeouts).toBe(ra.total.sent);
        expect(ra.okSentMs).toEqual([]);
        expect(lost(ra.total)).toBe(ra.total.sent);

        const b = startMixedLoad({ url: flaky.url, rates: { keepAlive: 0, fresh: 40, post: 0 } });
        await wait(500);
        const rb = await b.stop();
        expect(rb.total.ok).toBe(0);
        expect(rb.total.connErrors + rb.total.non2xx).toBe(rb.total.sent);
        expect(rb.total.connErrors).toBeGreaterThan(0);
        expect(rb.total.non2xx).toBeGreaterThan(0);
    } finally {
        await stuck.close();
        await flaky.close();
    }
});

test("an outage shows as the longest stretch of send times without a success, not bunched arrivals", async () => {
    const t0 = Date.now();
    // 503 from 300 to 700 ms after the start: a 400 ms outage.
    const app = await serve((req, res) => {
        req.resume();
        const ms = Date.now() - t0;
        res.writeHead(ms >= 300 && ms < 700 ? 503 : 200);
        res.end();
    });
    try {
        const load = startMixedLoad({ url: app.url, rates: { keepAlive: 100, fresh: 0, post: 0 } });
        await wait(1000);
        const r = await load.stop();
        const gap = longestGap(r.okSentMs, 0, r.seconds * 1000);
        // A request sent just before the outage but answered in it fails; one sent in it but answered
        // after it succeeds: the gap is about the outage, bounded loosely for a busy machine.
        expect(gap).toBeGreaterThan(200);
        expect(gap).toBeLessThan(900);
        expect(longestGap(r.okSentMs, 0, 250)).toBeLessThan(200);
        expect(r.total.non2xx).toBeGreaterThan(20);
    } finally {
        await app.close();
    }
});

test("maxSockets caps the connections of each stream; requests beyond it wait and are still answered", async () => {
    let open = 0;
    let most = 0;
    const counting = (s: import("net").Socket) => {
        open++;
        most = Math.max(most, open);
        s.on("close", () => open--);
    };
    const server = http.createServer((req, res) => {
        req.resume();
        setTimeout(() => res.end("ok"), 50);
    });
    server.on("connection", counting);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const load = startMixedLoad({ url, rates: { keepAlive: 200, fresh: 0, post: 0 }, maxSockets: 3 });
        await wait(500);
        const r = await load.stop();
        expect(most).toBeLessThanOrEqual(3);
        expect(r.total.ok).toBe(r.total.sent);
        expect(r.total.sent).toBeGreaterThan(50);
    } finally {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
    }
});

/** A tally of one request sent and settled with `o` at `atMs`. */
const one = (o: Parameters<typeof settle>[1], atMs: number): Tally => settle(markSent(EMPTY), o, atMs);

test.each([
    ["no failure", one({ kind: "answered", status: 200 }, 5000), 1000, 0],
    ["a failure after the fault's start", one({ kind: "timeout" }, 4250), 1000, 3.25],
    ["a failure before the fault's start", one({ kind: "connError" }, 500), 1000, 0],
])("recoverySeconds: %s", (_name, tally, fromMs, seconds) => {
    expect(recoverySeconds(tally, fromMs)).toBe(seconds);
});

test("the fault load is 400 req/s; mixedFigures reports each stream and the total relative to the fault", () => {
    expect(FAULT_RATES.keepAlive + FAULT_RATES.fresh + FAULT_RATES.post).toBe(400);
    const fail = one({ kind: "answered", status: 502 }, 3000);
    const ok = one({ kind: "answered", status: 200 }, 2500);
    const f = mixedFigures(
        { streams: { keepAlive: fail, fresh: ok, post: ok }, total: fail, seconds: 12.345, okSentMs: [] },
        FAULT_RATES,
        1000,
    );
    expect(f.rates).toBe(FAULT_RATES);
    expect(f.seconds).toBe(12.3);
    expect(f.total).toMatchObject({ sent: 1, non2xx: 1, lost: 1, firstFailureS: 2, lastFailureS: 2 });
    expect(Object.keys(f.streams)).toEqual(["keepAlive", "fresh", "post"]);
    expect(f.streams.fresh).toMatchObject({ ok: 1, lost: 0, firstFailureS: null });
});
