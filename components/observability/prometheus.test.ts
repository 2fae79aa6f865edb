/**
 * A real Prometheus (Debian binary) with a rendered config scrapes:
 *  - the router exporter: the real mtail with the rendered program, tailing an access log this test
 *    writes in the rendered nginx log format at known rates;
 *  - fake app containers: HTTP servers serving a prom-client-like exposition (and one dead target).
 * Then every dashboard query runs through the HTTP API, and the values are checked.
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { renderAlertRules } from "./alertRules";
import { APP_METRICS as A } from "./metricNames";
import { renderPrometheusConfig } from "./prometheusConfig";
import { expandGrafanaVariables, queries, QueryName } from "./queries";
import { renderRouterMtailProgram } from "./routerExporter";
import { accessLine, accessLogTemplate, statusLine } from "../../test/support/observability/routerLog";
import { freePort, start, tempDir, waitFor } from "../../test/support/observability/tools";

jest.setTimeout(90_000);

const STACK = "itest";
const dir = tempDir("prom");
const stops: (() => Promise<void>)[] = [];
let promUrl = "";
let ticker: NodeJS.Timeout | undefined;
const t0 = Date.now();

interface Sample {
    metric: Record<string, string>;
    value: [number, string];
}
async function query(expr: string): Promise<Sample[]> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: Sample[] } };
    if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
    return body.data.result;
}
const run = (name: QueryName) => query(expandGrafanaVariables(queries[name], { stack: STACK, rateInterval: "6s" }));
const byColor = (rows: Sample[]) => Object.fromEntries(rows.map((r) => [r.metric.color, Number(r.value[1])]));

/** The access-log line nginx writes (format from components/routing/nginxConfig.ts), for one request. */
const template = accessLogTemplate();
function logLine(color: string, status: number, requestTime: string): string {
    return accessLine({ color: color || "none", status, requestTime }, template) + "\n";
}
/** The router's status document for blue active with 10% on green (what switchyard-apply appends). */
const state = statusLine("blue", 100);
const SHA = state.sha;

/** Fake app: counters grow with wall time at fixed rates (req/s), `errorShare` of them 500. */
async function fakeApp(color: string, version: string, rps: number, errorShare: number): Promise<number> {
    const port = await freePort();
    const server = http.createServer((_req, res) => {
        const n = ((Date.now() - t0) / 1000) * rps;
        const body = [
            `# TYPE ${A.requestsTotal} counter`,
            `${A.requestsTotal}{method="GET",route="/",status="200"} ${n * (1 - errorShare)}`,
            `${A.requestsTotal}{method="GET",route="/",status="500"} ${n * errorShare}`,
            `# TYPE ${A.info} gauge`,
            `${A.info}{version="${version}",color="${color}"} 1`,
            "",
        ].join("\n");
        res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
        res.end(body);
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    stops.push(() => new Promise((r) => server.close(() => r())));
    return port;
}

beforeAll(async () => {
    // router exporter: mtail tails the access log
    const log = path.join(dir, "switchyard.json");
    fs.writeFileSync(log, "");
    const stateLog = path.join(dir, "state.log");
    fs.writeFileSync(stateLog, "");
    fs.writeFileSync(path.join(dir, "router.mtail"), renderRouterMtailProgram());
    const mtailPort = await freePort();
    const mtail = start("mtail", [
        "--progs",
        path.join(dir, "router.mtail"),
        "--logs",
        `${log},${stateLog}`,
        "--address",
        "127.0.0.1",
        "--port",
        String(mtailPort),
        "--emit_prog_label=false",
        "--logtostderr",
    ]);
    stops.push(mtail.stop);
    await waitFor(`mtail on ${mtailPort} (${mtail.log()})`, async () =>
        (await fetch(`http://127.0.0.1:${mtailPort}/metrics`)).ok ? true : undefined,
    );
    // every 100 ms: 9 blue requests (4 ms), 1 green (30 ms); every 10th green one is a 503
    let tick = 0;
    ticker = setInterval(() => {
        tick++;
        let lines = "";
        for (let i = 0; i < 9; i++) lines += logLine("blue", 200, "0.004");
        lines += logLine("green", tick % 10 === 0 ? 503 : 200, "0.030");
        lines += logLine("", 200, "0.000"); // the router's own health check: not routed to a colour
        fs.appendFileSync(log, lines);
        if (tick % 10 === 1) fs.appendFileSync(stateLog, state.line + "\n"); // as the router's entrypoint does every 15 s
    }, 100);

    const blue0 = await fakeApp("blue", "1.0.0", 50, 0);
    const green0 = await fakeApp("green", "1.1.0", 20, 0.2);
    const deadPort = await freePort(); // nothing listens: green-1 is down
    const promPort = await freePort();
    fs.writeFileSync(path.join(dir, "rules.yml"), renderAlertRules({ stack: STACK }));
    const config = renderPrometheusConfig({
        stack: STACK,
        scrapeInterval: "1s",
        appTargets: [
            { address: `127.0.0.1:${blue0}`, color: "blue", version: "1.0.0", container: "itest-blue-0" },
            { address: `127.0.0.1:${green0}`, color: "green", version: "1.1.0", container: "itest-green-0" },
            { address: `127.0.0.1:${deadPort}`, color: "green", version: "1.1.0", container: "itest-green-1" },
        ],
        router: { address: `127.0.0.1:${mtailPort}`, version: "r1" },
        ruleFiles: [path.join(dir, "rules.yml")],
    });
    fs.writeFileSync(path.join(dir, "prometheus.yml"), config);
    const prom = start("prometheus", [
        `--config.file=${path.join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    stops.push(prom.stop);
    promUrl = `http://127.0.0.1:${promPort}`;
    await waitFor(`prometheus ready (${prom.log().slice(-2000)})`, async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined));
    // enough samples for a 6 s rate window on every target
    await waitFor(
        "8 s of router samples",
        async () => {
            const r = await query(
                `count_over_time(switchyard_router_requests_total{stack="${STACK}",color="green",status_class="5xx"}[20s]) >= 6`,
            );
            return r.length > 0 ? true : undefined;
        },
        40_000,
    );
});

afterAll(async () => {
    if (ticker) clearInterval(ticker);
    for (const s of stops.reverse()) await s();
    fs.rmSync(dir, { recursive: true, force: true });
});

test("every dashboard query returns data", async () => {
    const empty: string[] = [];
    // The backup panel needs a backup runner: test/engine/scheduledBackup.test.ts runs those queries on a real one.
    const names = (Object.keys(queries) as QueryName[]).filter((n) => !n.startsWith("backup"));
    for (const name of names) if ((await run(name)).length === 0) empty.push(name);
    expect(empty).toEqual([]);
});

test("traffic share per colour matches the configured weights (router-measured)", async () => {
    const share = byColor(await run("trafficShare"));
    expect(Object.keys(share).sort()).toEqual(["blue", "green"]);
    expect(share.blue).toBeCloseTo(0.9, 1);
    expect(share.green).toBeCloseTo(0.1, 1);
    expect(Math.abs(share.green - 0.1)).toBeLessThan(0.02);
    expect(byColor(await run("configuredWeight"))).toEqual({ blue: 0.9, green: 0.1 });
});

test("requests per second: router ~90/s blue, ~10/s green; apps 50/s and 20/s", async () => {
    // absolute rates get +-25%: timers and scrapes jitter on a loaded 2-core machine; ratios are tight
    const rps = byColor(await run("requestsPerSecond"));
    expect(rps.blue).toBeGreaterThan(90 * 0.5);
    expect(rps.blue).toBeLessThan(90 * 1.25);
    expect(rps.green / rps.blue).toBeCloseTo(1 / 9, 1);
    const app = byColor(await run("appRequestsPerSecond"));
    expect(app.blue).toBeGreaterThan(50 * 0.75);
    expect(app.blue).toBeLessThan(50 * 1.25);
    // the fake apps compute their counters at response time but Prometheus stamps the scrape start:
    // latency jitter on a loaded machine moves each rate by up to ~15%, so the ratio gets +-25%
    expect(app.green / app.blue).toBeGreaterThan((20 / 50) * 0.75);
    expect(app.green / app.blue).toBeLessThan((20 / 50) * 1.25);
});

test("error rate: the injected 10% 503s on green show up, blue is 0 (not absent)", async () => {
    const err = byColor(await run("errorRate"));
    expect(err.blue).toBe(0);
    expect(err.green).toBeGreaterThan(0.05);
    expect(err.green).toBeLessThan(0.17);
    const app = byColor(await run("appErrorRate"));
    expect(app.blue).toBe(0);
    expect(app.green).toBeCloseTo(0.2, 2);
});

test("latency quantiles come from the router histogram buckets", async () => {
    // blue: every request 4 ms -> bucket (0, 0.005]; green: 30 ms -> bucket (0.025, 0.05]
    const p = async (n: QueryName) => byColor(await run(n));
    const [p50, p95, p99] = [await p("latencyP50"), await p("latencyP95"), await p("latencyP99")];
    expect(p50.blue).toBeCloseTo(0.0025, 6);
    expect(p95.blue).toBeCloseTo(0.00475, 6);
    expect(p99.blue).toBeCloseTo(0.00495, 6);
    expect(p95.green).toBeCloseTo(0.025 + 0.025 * 0.95, 6);
    expect(p50.green).toBeLessThan(p95.green);
});

test("container health: one row per container, the dead one is 0", async () => {
    const rows = (await run("containerHealth")).map((r) => [r.metric.color, r.metric.container, Number(r.value[1])]);
    expect(rows.sort()).toEqual([
        ["blue", "itest-blue-0", 1],
        ["green", "itest-green-0", 1],
        ["green", "itest-green-1", 0],
    ]);
});

test("active colour, versions and release events", async () => {
    expect((await run("activeColor")).map((r) => r.metric)).toEqual([{ active_color: "blue" }]);
    const versions = (await run("versions")).map((r) => [r.metric.color, r.metric.version, r.metric.exported_version]);
    expect(versions.sort()).toEqual([
        ["blue", "1.0.0", "1.0.0"],
        ["green", "1.1.0", "1.1.0"],
    ]);
    expect((await run("releaseEvents")).map((r) => r.metric)).toEqual([{ active_color: "blue", config_sha256: SHA }]);
    expect((await run("routerConfigs")).map((r) => r.metric)).toEqual([{ active_color: "blue", config_sha256: SHA }]);
});

test("every series of the app job carries stack, color and version labels", async () => {
    const missing = await query(
        `{job="switchyard-app", stack!="${STACK}"} or {job="switchyard-app", color=""} or {job="switchyard-app", version=""}`,
    );
    expect(missing).toEqual([]);
    const router = await query(`count by (stack, component, version) ({job="switchyard-router"})`);
    expect(router.map((r) => r.metric)).toEqual([{ component: "router", stack: STACK, version: "r1" }]);
});

test("the rendered rules load and the split counts as a release in progress", async () => {
    const r = await waitFor("rule evaluation", async () => {
        const x = await query(`switchyard:release_in_progress{stack="${STACK}"}`);
        return x.length ? x : undefined;
    });
    expect(Number(r[0].value[1])).toBe(1);
});
