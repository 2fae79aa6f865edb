"use strict";
/**
 * switchyard demo app: the workload that switchyard releases blue/green and canary.
 *
 * Endpoints
 *   GET  /              {version, color, hostname}
 *   POST /              {received: <body length in bytes>, version, color}
 *   GET  /health        liveness  (503 when FAIL_HEALTH=1, or in a failing HEALTH_FLAP_SECONDS phase)
 *   GET  /health/ready  readiness (as /health, and 503 while shutting down)
 *   GET  /metrics       Prometheus text format (prom-client)
 * Every response carries X-Switchyard-Version and X-Switchyard-Color.
 *
 * Environment
 *   SWITCHYARD_VERSION (or APP_VERSION)  version reported (switchyard sets it; default "0.0.0-unknown")
 *   SWITCHYARD_COLOR (or APP_COLOR)      colour reported, e.g. blue/green (default "none")
 *   PORT          listen port (default 8080; 0 picks a free port, printed in the start log)
 *   FAIL_HEALTH   "1" makes both health endpoints answer 503
 *   HEALTH_FLAP_SECONDS  N > 0 makes both health endpoints flap: 503 for the first N s after start,
 *                 then 200 for N s, and so on (a health check that flaps; default 0 = off)
 *   ERROR_RATE    share (0..1) of requests to / answered with 500 (default 0)
 *   LATENCY_MS    delay added to every request to / (default 0)
 *   SHUTDOWN_TIMEOUT_MS  how long SIGTERM waits for in-flight requests (default 10000)
 * SIGTERM/SIGINT: stop accepting, close idle keep-alive connections, finish in-flight
 * requests (answering them with Connection: close), then exit 0.
 */
const http = require("node:http");
const os = require("node:os");
const client = require("prom-client");

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Parses the env knobs; throws an Error naming the variable, the value and what is allowed. */
function readSettings(env) {
    const num = (name, def, min, max, integer) => {
        const raw = env[name];
        if (raw === undefined || raw === "") return def;
        const n = Number(raw);
        if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
            throw new Error(
                `${name}=${JSON.stringify(raw)} is invalid: expected ${integer ? "an integer" : "a number"} between ${min} and ${max}`,
            );
        }
        return n;
    };
    const failHealth = env.FAIL_HEALTH ?? "";
    if (!["", "0", "1", "true", "false"].includes(failHealth)) {
        throw new Error(`FAIL_HEALTH=${JSON.stringify(failHealth)} is invalid: expected 1 or 0`);
    }
    return {
        version: env.SWITCHYARD_VERSION || env.APP_VERSION || "0.0.0-unknown",
        color: env.SWITCHYARD_COLOR || env.APP_COLOR || "none",
        port: num("PORT", 8080, 0, 65535, true),
        failHealth: failHealth === "1" || failHealth === "true",
        errorRate: num("ERROR_RATE", 0, 0, 1, false),
        latencyMs: num("LATENCY_MS", 0, 0, 600000, true),
        shutdownTimeoutMs: num("SHUTDOWN_TIMEOUT_MS", 10000, 0, 3600000, true),
        healthFlapSeconds: num("HEALTH_FLAP_SECONDS", 0, 0, 86400, false),
    };
}

/** Whether a flapping health check is in a failing phase `elapsedMs` after start (phases of `flapSeconds`, failing first). */
function flapFailing(elapsedMs, flapSeconds) {
    if (!(flapSeconds > 0)) return false;
    return Math.floor(elapsedMs / (flapSeconds * 1000)) % 2 === 0;
}

function createMetrics(settings) {
    const register = new client.Registry();
    client.collectDefaultMetrics({ register });
    const labelNames = ["method", "route", "status"];
    const requests = new client.Counter({
        name: "http_requests_total",
        help: "HTTP requests answered, by method, route and status code.",
        labelNames,
        registers: [register],
    });
    const duration = new client.Histogram({
        name: "http_request_duration_seconds",
        help: "Time from request received to response finished, by method, route and status code.",
        labelNames,
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [register],
    });
    const info = new client.Gauge({
        name: "switchyard_app_info",
        help: "Always 1; labels carry the version and colour this process serves.",
        labelNames: ["version", "color"],
        registers: [register],
    });
    info.set({ version: settings.version, color: settings.color }, 1);
    return { register, requests, duration };
}

/** Known routes keep their path as label; anything else is "other" (bounded cardinality). */
function routeOf(path) {
    return ["/", "/health", "/health/ready", "/metrics"].includes(path) ? path : "other";
}

function start(settings, log = (o) => process.stdout.write(JSON.stringify(o) + "\n")) {
    const metrics = createMetrics(settings);
    const hostname = os.hostname();
    const startedAt = Date.now();
    let shuttingDown = false;
    const inFlight = new Set();

    const sendJson = (res, status, body) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
        res.end(text);
    };

    const handle = async (req, res) => {
        const path = (req.url || "/").split("?")[0];
        if (path === "/") {
            if (req.method !== "GET" && req.method !== "POST" && req.method !== "HEAD") {
                res.setHeader("Allow", "GET, HEAD, POST");
                return sendJson(res, 405, { error: `method ${req.method} not allowed on /` });
            }
            let received = 0;
            if (req.method === "POST") {
                for await (const chunk of req) {
                    received += chunk.length;
                    if (received > MAX_BODY_BYTES) {
                        res.setHeader("Connection", "close");
                        return sendJson(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
                    }
                }
            }
            if (settings.latencyMs > 0) await new Promise((r) => setTimeout(r, settings.latencyMs));
            if (settings.errorRate > 0 && Math.random() < settings.errorRate) {
                return sendJson(res, 500, { error: "injected error (ERROR_RATE)", version: settings.version, color: settings.color });
            }
            if (req.method === "POST") return sendJson(res, 200, { received, version: settings.version, color: settings.color });
            return sendJson(res, 200, { version: settings.version, color: settings.color, hostname });
        }
        if (path === "/health" || path === "/health/ready") {
            if (settings.failHealth) return sendJson(res, 503, { status: "failing", reason: "FAIL_HEALTH=1" });
            if (flapFailing(Date.now() - startedAt, settings.healthFlapSeconds)) {
                return sendJson(res, 503, {
                    status: "failing",
                    reason: `HEALTH_FLAP_SECONDS=${settings.healthFlapSeconds}, failing phase`,
                });
            }
            if (path === "/health/ready" && shuttingDown) return sendJson(res, 503, { status: "shutting down" });
            return sendJson(res, 200, { status: "ok" });
        }
        if (path === "/metrics") {
            const text = await metrics.register.metrics();
            res.writeHead(200, { "Content-Type": metrics.register.contentType });
            return res.end(text);
        }
        return sendJson(res, 404, { error: `no route for ${path}` });
    };

    const server = http.createServer((req, res) => {
        const endTimer = metrics.duration.startTimer();
        res.setHeader("X-Switchyard-Version", settings.version);
        res.setHeader("X-Switchyard-Color", settings.color);
        // While draining, tell keep-alive clients not to reuse this connection.
        if (shuttingDown) res.setHeader("Connection", "close");
        inFlight.add(res);
        res.on("close", () => inFlight.delete(res));
        res.on("finish", () => {
            inFlight.delete(res);
            // A connection that just went idle during shutdown is closed now, not at keepAliveTimeout.
            if (shuttingDown) setImmediate(() => server.closeIdleConnections());
            const labels = { method: req.method, route: routeOf((req.url || "/").split("?")[0]), status: String(res.statusCode) };
            metrics.requests.inc(labels);
            endTimer(labels);
        });
        handle(req, res).catch((err) => {
            log({ level: "error", msg: "request failed", error: String(err && err.stack ? err.stack : err) });
            if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
            else res.destroy();
        });
    });
    server.keepAliveTimeout = 65000; // longer than the router's upstream keepalive_timeout

    const shutdown = (signal) => {
        if (shuttingDown) return;
        shuttingDown = true;
        log({ level: "info", msg: "shutting down", signal });
        const timer = setTimeout(() => {
            log({ level: "warn", msg: "shutdown timeout, closing remaining connections", timeoutMs: settings.shutdownTimeoutMs });
            server.closeAllConnections();
        }, settings.shutdownTimeoutMs);
        timer.unref();
        for (const res of inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
        server.close(() => {
            log({ level: "info", msg: "stopped" });
            process.exit(0);
        });
        // Idle keep-alive connections would keep close() waiting; in-flight ones finish first.
        server.closeIdleConnections();
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));

    server.listen(settings.port, () => {
        const addr = server.address();
        log({ level: "info", msg: "listening", port: addr.port, version: settings.version, color: settings.color });
    });
    return server;
}

if (require.main === module) {
    let settings;
    try {
        settings = readSettings(process.env);
    } catch (err) {
        process.stderr.write(`switchyard demo app: ${err.message}\n`);
        process.exit(2);
    }
    start(settings);
}

module.exports = { readSettings, start, routeOf, flapFailing };
