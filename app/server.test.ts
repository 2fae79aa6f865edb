/**
 * The demo app (app/src/server.js) as a real process on a free port: every endpoint and knob.
 * prom-client comes from app/node_modules; it is installed (npm ci) when missing.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";

const APP_DIR = __dirname;
const SERVER = path.join(APP_DIR, "src/server.js");

interface Running {
    proc: ChildProcess;
    port: number;
    logs: string[];
    exited: Promise<number | null>;
}

interface Reply {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
    ms: number;
}

const running: Running[] = [];

beforeAll(() => {
    if (!fs.existsSync(path.join(APP_DIR, "node_modules/prom-client/package.json"))) {
        execFileSync("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund"], { cwd: APP_DIR, stdio: "inherit" });
    }
}, 180_000);

afterEach(async () => {
    for (const r of running.splice(0)) {
        if (r.proc.exitCode === null && r.proc.signalCode === null) {
            r.proc.kill("SIGKILL");
            await r.exited;
        }
    }
});

/** Starts the app with PORT=0 and resolves once it logged the port it listens on. */
function startApp(env: Record<string, string> = {}): Promise<Running> {
    const proc = spawn(process.execPath, [SERVER], {
        env: { PATH: process.env.PATH ?? "", PORT: "0", ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    const logs: string[] = [];
    const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
    return new Promise((resolve, reject) => {
        let buf = "";
        const timer = setTimeout(() => reject(new Error(`app did not start: ${logs.join("\n")}`)), 10_000);
        proc.stderr!.on("data", (d: Buffer) => logs.push(d.toString()));
        proc.stdout!.on("data", (d: Buffer) => {
            buf += d.toString();
            let nl: number;
            while ((nl = buf.indexOf("\n")) >= 0) {
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + 1);
                logs.push(line);
                const entry = JSON.parse(line) as { msg: string; port?: number };
                if (entry.msg === "listening" && entry.port) {
                    clearTimeout(timer);
                    const r: Running = { proc, port: entry.port, logs, exited };
                    running.push(r);
                    resolve(r);
                }
            }
        });
        proc.on("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`app exited with ${code} before listening: ${logs.join("\n")}`));
        });
    });
}

function request(port: number, opts: { method?: string; path?: string; body?: string | Buffer; agent?: http.Agent } = {}): Promise<Reply> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const req = http.request(
            { host: "127.0.0.1", port, method: opts.method ?? "GET", path: opts.path ?? "/", agent: opts.agent ?? false },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () =>
                    resolve({
                        status: res.statusCode!,
                        headers: res.headers,
                        body: Buffer.concat(chunks).toString(),
                        ms: Date.now() - started,
                    }),
                );
            },
        );
        req.on("error", reject);
        req.end(opts.body);
    });
}

/** Value of one sample line of the Prometheus text output, or undefined. */
function sample(metrics: string, series: string): number | undefined {
    const line = metrics.split("\n").find((l) => l.startsWith(series + " "));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("endpoints", () => {
    let app: Running;
    beforeEach(async () => {
        app = await startApp({ APP_VERSION: "1.4.2", APP_COLOR: "green" });
    });

    test("GET / reports version, colour and hostname, with the X-Switchyard headers", async () => {
        const r = await request(app.port);
        expect(r.status).toBe(200);
        expect(r.headers["content-type"]).toBe("application/json");
        expect(JSON.parse(r.body)).toEqual({ version: "1.4.2", color: "green", hostname: os.hostname() });
        expect(r.headers["x-switchyard-version"]).toBe("1.4.2");
        expect(r.headers["x-switchyard-color"]).toBe("green");
    });

    test("POST / echoes the body length in bytes", async () => {
        const body = Buffer.from("é".repeat(5000) + "x".repeat(2345)); // 12345 bytes
        const r = await request(app.port, { method: "POST", body });
        expect(r.status).toBe(200);
        expect(JSON.parse(r.body)).toEqual({ received: 12345, version: "1.4.2", color: "green" });
        const empty = await request(app.port, { method: "POST" });
        expect(JSON.parse(empty.body).received).toBe(0);
    });

    test.each(["/health", "/health/ready"])("%s answers 200 with the headers", async (p) => {
        const r = await request(app.port, { path: p });
        expect(r.status).toBe(200);
        expect(JSON.parse(r.body)).toEqual({ status: "ok" });
        expect(r.headers["x-switchyard-version"]).toBe("1.4.2");
    });

    test("unknown path is 404, other methods on / are 405; headers on errors too", async () => {
        const r = await request(app.port, { path: "/nope" });
        expect(r.status).toBe(404);
        expect(r.headers["x-switchyard-color"]).toBe("green");
        const put = await request(app.port, { method: "PUT" });
        expect(put.status).toBe(405);
        expect(put.headers["allow"]).toBe("GET, HEAD, POST");
    });

    test("/metrics counts requests and durations by method, route and status, plus default metrics", async () => {
        for (let i = 0; i < 3; i++) await request(app.port);
        await request(app.port, { method: "POST", body: "abc" });
        await request(app.port, { path: "/nope" });
        await request(app.port, { path: "/another/unknown" });
        const r = await request(app.port, { path: "/metrics" });
        expect(r.status).toBe(200);
        expect(r.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
        const m = r.body;
        expect(sample(m, 'http_requests_total{method="GET",route="/",status="200"}')).toBe(3);
        expect(sample(m, 'http_requests_total{method="POST",route="/",status="200"}')).toBe(1);
        // Unknown paths share one label value: bounded cardinality.
        expect(sample(m, 'http_requests_total{method="GET",route="other",status="404"}')).toBe(2);
        expect(sample(m, 'http_request_duration_seconds_count{method="GET",route="/",status="200"}')).toBe(3);
        expect(sample(m, 'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/",status="200"}')).toBe(3);
        expect(m).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
        expect(sample(m, 'switchyard_app_info{version="1.4.2",color="green"}')).toBe(1);
        expect(sample(m, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
        expect(m).toMatch(/^nodejs_heap_size_total_bytes \d+/m);
    });
});

describe("knobs", () => {
    test("defaults: version 0.0.0-unknown, colour none, PORT 8080, no failures", () => {
        const { readSettings } = require(SERVER) as { readSettings: (env: Record<string, string>) => unknown };
        expect(readSettings({})).toEqual({
            version: "0.0.0-unknown",
            color: "none",
            port: 8080,
            failHealth: false,
            errorRate: 0,
            latencyMs: 0,
            shutdownTimeoutMs: 10000,
            healthFlapSeconds: 0,
        });
    });

    test.each([
        [0, 0, false],
        [0, 99_999, false],
        [2, 0, true],
        [2, 1999, true],
        [2, 2000, false],
        [2, 3999, false],
        [2, 4000, true],
        [0.5, 600, false],
        [0.5, 1100, true],
    ])("HEALTH_FLAP_SECONDS=%s, %s ms after start: failing %s", (flap, elapsed, failing) => {
        const { flapFailing } = require(SERVER) as { flapFailing: (ms: number, s: number) => boolean };
        expect(flapFailing(elapsed, flap)).toBe(failing);
    });

    test("HEALTH_FLAP_SECONDS=1: the health endpoints alternate between 503 and 200, / always serves", async () => {
        const app = await startApp({ HEALTH_FLAP_SECONDS: "1" });
        const seen = { health: new Set<number>(), ready: new Set<number>(), root: new Set<number>() };
        const until = Date.now() + 4500;
        while (Date.now() < until) {
            seen.health.add((await request(app.port, { path: "/health" })).status);
            seen.ready.add((await request(app.port, { path: "/health/ready" })).status);
            seen.root.add((await request(app.port)).status);
            await new Promise((r) => setTimeout(r, 100));
        }
        expect([...seen.health].sort()).toEqual([200, 503]);
        expect([...seen.ready].sort()).toEqual([200, 503]);
        expect([...seen.root]).toEqual([200]);
    });

    test("FAIL_HEALTH=1: both health endpoints answer 503, / still serves", async () => {
        const app = await startApp({ FAIL_HEALTH: "1" });
        expect((await request(app.port, { path: "/health" })).status).toBe(503);
        expect((await request(app.port, { path: "/health/ready" })).status).toBe(503);
        expect((await request(app.port)).status).toBe(200);
    });

    test("ERROR_RATE=1: every request to / is a 500 (GET and POST), health is unaffected", async () => {
        const app = await startApp({ ERROR_RATE: "1", APP_VERSION: "2.0.0" });
        const get = await request(app.port);
        expect(get.status).toBe(500);
        expect(get.headers["x-switchyard-version"]).toBe("2.0.0");
        expect((await request(app.port, { method: "POST", body: "x" })).status).toBe(500);
        expect((await request(app.port, { path: "/health" })).status).toBe(200);
        const m = (await request(app.port, { path: "/metrics" })).body;
        expect(sample(m, 'http_requests_total{method="GET",route="/",status="500"}')).toBe(1);
    });

    test("ERROR_RATE=0.5: about half of 400 requests fail", async () => {
        const app = await startApp({ ERROR_RATE: "0.5" });
        const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
        const replies = await Promise.all(Array.from({ length: 400 }, () => request(app.port, { agent })));
        agent.destroy();
        const failed = replies.filter((r) => r.status === 500).length;
        expect(replies.every((r) => r.status === 200 || r.status === 500)).toBe(true);
        // Binomial(400, 0.5): sd = 10; 140..260 is 6 sd either side.
        expect(failed).toBeGreaterThan(140);
        expect(failed).toBeLessThan(260);
    });

    test("ERROR_RATE=0 (explicit): no failures", async () => {
        const app = await startApp({ ERROR_RATE: "0" });
        const replies = await Promise.all(Array.from({ length: 50 }, () => request(app.port)));
        expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    });

    test("LATENCY_MS delays / but not the health endpoint", async () => {
        const app = await startApp({ LATENCY_MS: "300" });
        const slow = await request(app.port);
        expect(slow.status).toBe(200);
        expect(slow.ms).toBeGreaterThanOrEqual(295);
        const post = await request(app.port, { method: "POST", body: "x" });
        expect(post.ms).toBeGreaterThanOrEqual(295);
        const health = await request(app.port, { path: "/health" });
        expect(health.ms).toBeLessThan(250);
    });

    test.each([
        ["PORT", "abc"],
        ["PORT", "70000"],
        ["ERROR_RATE", "1.5"],
        ["ERROR_RATE", "-0.1"],
        ["LATENCY_MS", "-1"],
        ["LATENCY_MS", "2.5"],
        ["FAIL_HEALTH", "yes"],
        ["HEALTH_FLAP_SECONDS", "-1"],
        ["HEALTH_FLAP_SECONDS", "soon"],
    ])("invalid %s=%s: exits 2 naming the variable", async (name, value) => {
        const proc = spawn(process.execPath, [SERVER], {
            env: { PATH: process.env.PATH ?? "", [name]: value },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const code = await new Promise<number | null>((resolve) => proc.on("exit", resolve));
        expect(code).toBe(2);
        expect(stderr).toContain(`${name}=${JSON.stringify(value)} is invalid`);
    });
});

describe("graceful SIGTERM", () => {
    test("finishes the in-flight request, refuses new connections, exits 0", async () => {
        const app = await startApp({ LATENCY_MS: "700" });
        const inflight = request(app.port);
        await new Promise((r) => setTimeout(r, 200));
        app.proc.kill("SIGTERM");
        await new Promise((r) => setTimeout(r, 100));
        await expect(request(app.port, { path: "/health" })).rejects.toThrow(/ECONNREFUSED/);
        const r = await inflight;
        expect(r.status).toBe(200);
        // The client is told not to reuse the connection.
        expect(r.headers["connection"]).toBe("close");
        expect(await app.exited).toBe(0);
        expect(app.logs.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    });

    test("an idle keep-alive connection does not hold the exit back", async () => {
        const app = await startApp();
        const agent = new http.Agent({ keepAlive: true });
        expect((await request(app.port, { agent })).headers["connection"]).toBe("keep-alive");
        const t0 = Date.now();
        app.proc.kill("SIGTERM");
        expect(await app.exited).toBe(0);
        expect(Date.now() - t0).toBeLessThan(2000); // keepAliveTimeout is 65 s
        agent.destroy();
    });
});
