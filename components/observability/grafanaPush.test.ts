/**
 * monitoring.grafana.push: the real script (runtime/grafana-push.js, as a child process)
 * against a real local HTTP server implementing Grafana's documented dashboard and data source API
 * contract (test/support/observability/fakeGrafana.ts; not a real Grafana, which cannot run here);
 * and the program under Pulumi mocks: the push Command, its inputs, and the token as a Pulumi secret
 * on the wire. The config rules for the token are in config/monitoring.test.ts.
 */
import { spawn } from "child_process";
import * as path from "path";
import { createHash } from "crypto";
import { DATASOURCE_UID, PANEL_TITLES, renderDashboardJson } from "./dashboard";
import { datasourceApiBody } from "./grafanaProvisioning";
import { baseConfig, runProgram, SECRET_SIG } from "../../test/support/program";
import { dashboardTypeErrors } from "../../test/support/observability/dashboardTypes";
import { FakeGrafana, startFakeGrafana } from "../../test/support/observability/fakeGrafana";
import { freePort } from "../../test/support/observability/tools";

const TOKEN = "glsa_Switchyard-Test-Token-0123456789abcdef";
const SCRIPT = path.join(__dirname, "../../runtime/grafana-push.js");
const DASHBOARD = renderDashboardJson({ stack: "prod" });
const SHA = createHash("sha256").update(DASHBOARD).digest("hex");
const DATASOURCE = datasourceApiBody({
    prometheusUrl: "http://prometheus.internal:9090",
    name: "Switchyard Prometheus (prod)",
    scrapeInterval: "15s",
});

function pushEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
        SY_GRAFANA_URL: url,
        SY_GRAFANA_TOKEN: TOKEN,
        SY_DASHBOARD_B64: Buffer.from(DASHBOARD).toString("base64"),
        SY_DASHBOARD_SHA256: SHA,
        SY_DATASOURCE_B64: Buffer.from(JSON.stringify(DATASOURCE)).toString("base64"),
        SY_OVERWRITE: "true",
        SY_MESSAGE: "switchyard prod: test",
        SY_GRAFANA_RETRY_MS: "20",
        ...extra,
    };
}

/** Runs the script asynchronously (the fake Grafana lives in this process's event loop). */
function runPush(env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const p = spawn(process.execPath, [SCRIPT], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        p.stdout.on("data", (d) => (stdout += d));
        p.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => p.kill("SIGKILL"), 30_000);
        p.on("error", reject);
        p.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr });
        });
    });
}

describe("grafana-push.js against the documented Grafana HTTP API contract", () => {
    let g: FakeGrafana;
    beforeEach(async () => (g = await startFakeGrafana({ token: TOKEN, subPath: "/grafana" })));
    afterEach(async () => g.close());

    test("first push: data source created (GET 404 -> POST), dashboard created; bearer token on every call; one summary line", async () => {
        const r = await runPush(pushEnv(g.url, { SY_FOLDER_UID: "switchyard" }));
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(g.received.map((x) => `${x.method} ${x.path}`)).toEqual([
            `GET /grafana/api/datasources/uid/${DATASOURCE_UID}`,
            "POST /grafana/api/datasources",
            "POST /grafana/api/dashboards/db",
        ]);
        for (const x of g.received) {
            expect(x.authorization).toBe(`Bearer ${TOKEN}`);
        }
        expect(g.received[1].contentType).toBe("application/json");
        expect(g.received[1].body).toEqual(DATASOURCE);
        const body = g.received[2].body;
        expect(Object.keys(body).sort()).toEqual(["dashboard", "folderUid", "message", "overwrite"]);
        expect(body).toMatchObject({ folderUid: "switchyard", overwrite: true, message: "switchyard prod: test" });
        // the dashboard sent is the rendered one (plus id: null, which the API documents for create/update by uid)
        expect(body.dashboard).toEqual({ ...JSON.parse(DASHBOARD), id: null });
        expect(body.dashboard.panels.map((p: { title: string }) => p.title)).toEqual([...PANEL_TITLES]);
        expect(dashboardTypeErrors(JSON.stringify(body.dashboard))).toEqual([]);

        const lines = r.stdout.trim().split("\n");
        expect(lines).toHaveLength(1);
        expect(JSON.parse(lines[0])).toEqual({
            dashboard: {
                uid: "switchyard-release-prod",
                version: 1,
                url: `${new URL(g.url).origin}/grafana/d/switchyard-release-prod/switchyard-release-prod`,
                status: "success",
            },
            datasource: { uid: DATASOURCE_UID, action: "created" },
            sha256: SHA,
        });
        expect(g.dashboards.get("switchyard-release-prod")?.folderUid).toBe("switchyard");
        expect(r.stdout + r.stderr).not.toContain(TOKEN);
    }, 60_000);

    test("second push: data source updated by uid (GET 200 -> PUT with its id), dashboard overwritten (version 2); no folderUid when unset", async () => {
        expect((await runPush(pushEnv(g.url))).status).toBe(0);
        g.received.length = 0;
        const r = await runPush(pushEnv(g.url));
        expect(r.status).toBe(0);
        expect(g.received.map((x) => `${x.method} ${x.path}`)).toEqual([
            `GET /grafana/api/datasources/uid/${DATASOURCE_UID}`,
            `PUT /grafana/api/datasources/uid/${DATASOURCE_UID}`,
            "POST /grafana/api/dashboards/db",
        ]);
        expect(g.received[1].body).toEqual({ ...DATASOURCE, id: g.datasources.get(DATASOURCE_UID).id });
        expect("folderUid" in g.received[2].body).toBe(false);
        expect(JSON.parse(r.stdout)).toMatchObject({ dashboard: { version: 2 }, datasource: { action: "updated" } });
    }, 60_000);

    test("retries a 503 (and says so on stderr), then succeeds", async () => {
        g.inject("POST", "/api/dashboards/db", 503, 2);
        const r = await runPush(pushEnv(g.url));
        expect(r.status).toBe(0);
        expect(g.received.filter((x) => x.path === "/grafana/api/dashboards/db")).toHaveLength(3);
        expect(r.stderr).toContain('POST /grafana/api/dashboards/db answered HTTP 503 "Service Unavailable"; retry 1/3 in 20 ms');
        expect(r.stderr).toContain("retry 2/3 in 40 ms");
        expect(JSON.parse(r.stdout).dashboard.version).toBe(1);
    }, 60_000);

    test("gives up after SY_GRAFANA_ATTEMPTS 5xx answers, naming the path and the status", async () => {
        g.inject("GET", `/api/datasources/uid/${DATASOURCE_UID}`, 502, 10);
        const r = await runPush(pushEnv(g.url, { SY_GRAFANA_ATTEMPTS: "3" }));
        expect(r.status).toBe(1);
        expect(g.received).toHaveLength(3);
        expect(r.stderr).toMatch(
            new RegExp(
                `switchyard grafana push FAILED: GET /grafana/api/datasources/uid/${DATASOURCE_UID} answered HTTP 502 "Service Unavailable" on all 3 attempts`,
            ),
        );
        expect(r.stdout).toBe("");
    }, 60_000);

    test("a wrong token: 401 at once (no retry), the path, the status, Grafana's message and what to check; the token is never printed", async () => {
        const r = await runPush({ ...pushEnv(g.url), SY_GRAFANA_TOKEN: `${TOKEN}-revoked` });
        expect(r.status).toBe(1);
        expect(g.received).toHaveLength(1);
        expect(r.stderr).toContain(
            `switchyard grafana push FAILED: GET /grafana/api/datasources/uid/${DATASOURCE_UID} answered HTTP 401 "Unauthorized": Grafana refused the token: check switchyard:grafanaToken`,
        );
        expect(r.stdout + r.stderr).not.toContain(TOKEN);
        expect(g.dashboards.size).toBe(0);
    }, 60_000);

    test("overwrite false over an existing dashboard: Grafana's 412 version-mismatch fails the push with its message and the fix", async () => {
        expect((await runPush(pushEnv(g.url))).status).toBe(0);
        const before = g.dashboards.get("switchyard-release-prod");
        const r = await runPush(pushEnv(g.url, { SY_OVERWRITE: "false" }));
        expect(r.status).toBe(1);
        expect(g.received.at(-1)?.body.overwrite).toBe(false);
        expect(r.stderr).toContain(
            'POST /grafana/api/dashboards/db answered HTTP 412 [version-mismatch] "The dashboard has been changed by someone else": a dashboard with this uid already exists',
        );
        expect(r.stderr).toContain("set overwrite: true to replace it");
        expect(g.dashboards.get("switchyard-release-prod")).toBe(before); // unchanged
    }, 60_000);

    test("a data source provisioned from files in that Grafana (read-only) is reported, not overwritten", async () => {
        g.datasources.set(DATASOURCE_UID, { ...DATASOURCE, id: 7, readOnly: true });
        const r = await runPush(pushEnv(g.url));
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(`the data source ${DATASOURCE_UID} is provisioned from files in that Grafana (read-only)`);
        expect(g.received.map((x) => x.method)).toEqual(["GET"]);
    }, 60_000);

    test("a data source name taken by another uid: Grafana's 409 message is passed on", async () => {
        g.datasources.set("other", { ...DATASOURCE, uid: "other", id: 3 });
        const r = await runPush(pushEnv(g.url));
        expect(r.status).toBe(1);
        expect(r.stderr).toContain('POST /grafana/api/datasources answered HTTP 409 "data source with the same name already exists"');
    }, 60_000);

    test("nothing is sent when the dashboard does not match its sha256, or a variable is missing", async () => {
        const bad = await runPush(pushEnv(g.url, { SY_DASHBOARD_SHA256: "0".repeat(64) }));
        expect(bad.status).toBe(1);
        expect(bad.stderr).toContain("the dashboard JSON does not match SY_DASHBOARD_SHA256");
        const { SY_GRAFANA_TOKEN: _t, ...noToken } = pushEnv(g.url);
        const missing = await runPush(noToken);
        expect(missing.status).toBe(1);
        expect(missing.stderr).toContain("missing environment: SY_GRAFANA_TOKEN");
        expect(g.received).toEqual([]);
    }, 60_000);
});

test("connection refused: retried, then a failure naming the path and the error", async () => {
    const port = await freePort();
    const r = await runPush(pushEnv(`http://127.0.0.1:${port}`, { SY_GRAFANA_ATTEMPTS: "2" }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`GET /api/datasources/uid/${DATASOURCE_UID} failed (ECONNREFUSED`);
    expect(r.stderr).toContain("retry 1/1 in 20 ms");
    expect(r.stderr).toContain("on all 2 attempts");
}, 60_000);

describe("the program with monitoring.grafana.push (Pulumi mocks)", () => {
    const CMD = "command:local:Command";
    const config = (stack = "x", extra: Record<string, unknown> = {}) => ({
        ...baseConfig(),
        monitoring: {
            enabled: true,
            prometheus: { image: "switchyard/prometheus:local", port: 18090 },
            grafana: {
                provisioningDir: `/tmp/sy-grafana-${stack}`,
                prometheusUrl: "http://prometheus.internal:9090",
                push: { url: "https://grafana.example.com", folderUid: "ops", ...extra },
            },
        },
        grafanaToken: TOKEN,
    });
    const secretKeys = ["secretEnv", "grafanaToken"];

    test("exactly one more Command (monitoring-grafana-push, in the GrafanaDashboard); the token only in its environment, as a Pulumi secret", async () => {
        const { grafanaToken: _t, ...noPushCfg } = config();
        const noPush = await runProgram({
            ...noPushCfg,
            monitoring: { ...noPushCfg.monitoring, grafana: { ...noPushCfg.monitoring.grafana, push: undefined } },
        });
        const r = await runProgram(config(), { secretKeys });
        const names = (x: typeof r) => x.resources.map((y) => `${y.type} ${y.name}`).sort();
        expect(names(r)).toEqual([...names(noPush), `${CMD} monitoring-grafana-push`].sort());
        const push = r.one(CMD, "monitoring-grafana-push");
        expect(push.parent).toBe(r.one("switchyard:observability:GrafanaDashboard", "monitoring-grafana").urn);
        expect(push.inputs.create).toBe("node runtime/grafana-push.js");
        expect(push.inputs.update).toBe("node runtime/grafana-push.js");
        expect(push.inputs.delete).toBeUndefined();
        const rawEnv = push.rawInputs.environment as Record<string, unknown>;
        expect((rawEnv.SY_GRAFANA_TOKEN as Record<string, unknown>)[SECRET_SIG]).toBe("1b47061264138c4ac30d75fd1eb44270");
        expect((rawEnv.SY_GRAFANA_TOKEN as Record<string, unknown>).value).toBe(TOKEN);
        const env = push.inputs.environment as Record<string, string>;
        expect(Object.keys(env).sort()).toEqual([
            "SY_DASHBOARD_B64",
            "SY_DASHBOARD_SHA256",
            "SY_DATASOURCE_B64",
            "SY_FOLDER_UID",
            "SY_GRAFANA_TOKEN",
            "SY_GRAFANA_URL",
            "SY_MESSAGE",
            "SY_OVERWRITE",
        ]);
        expect(env).toMatchObject({ SY_GRAFANA_URL: "https://grafana.example.com", SY_FOLDER_UID: "ops", SY_OVERWRITE: "true" });
        const dashboard = Buffer.from(env.SY_DASHBOARD_B64, "base64").toString("utf8");
        expect(dashboard).toBe(renderDashboardJson({ stack: "local" }));
        expect(env.SY_DASHBOARD_SHA256).toBe(createHash("sha256").update(dashboard).digest("hex"));
        expect(env.SY_MESSAGE).toBe(`switchyard local: release dashboard ${env.SY_DASHBOARD_SHA256.slice(0, 12)}`);
        expect(JSON.parse(Buffer.from(env.SY_DATASOURCE_B64, "base64").toString("utf8"))).toEqual(
            datasourceApiBody({
                prometheusUrl: "http://prometheus.internal:9090",
                name: "Switchyard Prometheus (local)",
                scrapeInterval: "15s",
            }),
        );
        // the same dashboard file is provisioned
        const files = JSON.parse(
            Buffer.from(
                String((r.one(CMD, "monitoring-grafana-files").inputs.environment as Record<string, string>).SY_FILES_B64),
                "base64",
            ).toString("utf8"),
        );
        expect(files["dashboards/switchyard-release-local.json"]).toBe(dashboard);
        // nowhere else: no other input, no output
        for (const x of r.resources.filter((y) => y !== push)) {
            expect(JSON.stringify(x.rawInputs)).not.toContain(TOKEN);
        }
        expect(JSON.stringify(r.outputs)).not.toContain(TOKEN);
    }, 60_000);

    test("inputs are deterministic (no re-push without a change); a different dashboard changes the sha256; preview plans the same step", async () => {
        const env = async (opts: Parameters<typeof runProgram>[1]) =>
            (await runProgram(config(), { secretKeys, ...opts })).one(CMD, "monitoring-grafana-push").inputs.environment as Record<
                string,
                string
            >;
        const a = await env({});
        const b = await env({});
        expect(b).toEqual(a);
        const preview = await env({ dryRun: true });
        expect(preview).toEqual(a);
        // the dashboard depends on the stack name; another stack's dashboard has another sha
        const other = renderDashboardJson({ stack: "production" });
        expect(createHash("sha256").update(other).digest("hex")).not.toBe(a.SY_DASHBOARD_SHA256);
    }, 60_000);

    test("the environment the program gives the Command pushes to the fake Grafana as is (token restored from the secret)", async () => {
        const g = await startFakeGrafana({ token: TOKEN });
        try {
            const r = await runProgram(config("e2e", { folderUid: undefined }), { secretKeys });
            const env: Record<string, string> = {
                ...(r.one(CMD, "monitoring-grafana-push").inputs.environment as Record<string, string>),
                SY_GRAFANA_URL: g.url,
            };
            const out = await runPush(env);
            expect(out.stderr).toBe("");
            expect(out.status).toBe(0);
            expect(JSON.parse(out.stdout).dashboard).toMatchObject({ uid: "switchyard-release-local", version: 1 });
            expect(g.dashboards.get("switchyard-release-local")?.message).toBe(env.SY_MESSAGE);
            expect(g.datasources.get(DATASOURCE_UID)).toMatchObject({
                url: "http://prometheus.internal:9090",
                type: "prometheus",
                isDefault: false,
            });
        } finally {
            await g.close();
        }
    }, 60_000);
});
