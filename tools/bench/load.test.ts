/** The router rows' open-loop load against a real local server: the rate asked is the rate sent, connections as asked, every answer timed. */
import * as http from "http";
import { AddressInfo } from "net";
import { failed, runLoad } from "./load";

let server: http.Server;
let url = "";
const seen = { requests: 0, connections: 0, bodies: new Set<number>(), headers: new Set<string>(), status: 200 };

beforeAll(async () => {
    server = http.createServer((req, res) => {
        seen.requests++;
        seen.headers.add(String(req.headers.connection));
        let n = 0;
        req.on("data", (c: Buffer) => (n += c.length));
        req.on("end", () => {
            if (req.method === "POST") seen.bodies.add(n);
            res.writeHead(seen.status);
            res.end("ok");
        });
    });
    server.on("connection", () => seen.connections++);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
});
beforeEach(() => {
    Object.assign(seen, { requests: 0, connections: 0, bodies: new Set<number>(), headers: new Set<string>(), status: 200 });
});

test.each([
    ["keep-alive GET", true, undefined],
    ["fresh-connection GET", false, undefined],
    ["fresh-connection 64 KiB POST", false, 65536],
])("%s: 200 req/s for 1 s sends 200 requests on schedule, each answer timed", async (_name, keepAlive, postBytes) => {
    const r = await runLoad({ url, rate: 200, seconds: 1, keepAlive, ...(postBytes ? { postBytes } : {}) });
    expect(r.sent).toBe(200);
    expect(seen.requests).toBe(r.sent);
    expect([r.ok, failed(r), r.latenciesMs.length, r.okAt.length]).toEqual([r.sent, 0, r.sent, r.sent]);
    expect(r.latenciesMs.every((ms) => ms > 0 && Number.isFinite(ms))).toBe(true);
    if (keepAlive) {
        // At most the load's cap; how many depends on how fast answers come back (open loop: an
        // answer later than the next send opens another connection), so reuse is checked below.
        expect(seen.headers).toEqual(new Set(["keep-alive"]));
        expect(seen.connections).toBeLessThanOrEqual(256);
    } else {
        expect(seen.headers).toEqual(new Set(["close"]));
        expect(seen.connections).toBe(r.sent);
    }
    expect([...seen.bodies]).toEqual(postBytes ? [postBytes] : []);
});

test("keep-alive connections are reused when answers come back before the next send (4 req/s)", async () => {
    const r = await runLoad({ url, rate: 4, seconds: 1.5, keepAlive: true });
    expect([r.sent, r.ok]).toEqual([6, 6]);
    expect(seen.connections).toBeLessThan(r.sent);
});

test("non-2xx answers and refused connections are failures, not latencies", async () => {
    seen.status = 503;
    const a = await runLoad({ url, rate: 100, seconds: 0.3, keepAlive: true });
    expect([a.non2xx, a.errors, a.ok]).toEqual([a.sent, 0, 0]);
    const b = await runLoad({ url: "http://127.0.0.1:1/", rate: 100, seconds: 0.3, keepAlive: false });
    expect([b.errors, b.ok, b.latenciesMs.length]).toEqual([b.sent, 0, 0]);
    expect(b.sent).toBeGreaterThan(20);
});
