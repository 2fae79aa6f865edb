/** Pure renderers: scrape config labels, validation, determinism, dashboard model, provisioning, mtail program. */
import * as fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { buildReleaseDashboard, DATASOURCE_UID, PANEL_QUERIES, PANEL_TITLES, renderDashboardJson } from "./dashboard";
import { renderDashboardProvider, renderDatasourceProvisioning } from "./grafanaProvisioning";
import { AppTarget, renderPrometheusConfig } from "./prometheusConfig";
import { queries } from "./queries";
import { renderRouterMtailProgram } from "./routerExporter";
import { dashboardTypeErrors } from "../../test/support/observability/dashboardTypes";
import { accessLine, statusLine } from "../../test/support/observability/routerLog";
import { parseExposition, run, tempDir } from "../../test/support/observability/tools";

const t = (container: string, color: "blue" | "green", version: string): AppTarget => ({
    address: `${container}:8080`,
    color,
    version,
    container,
});
const base = { stack: "dev", router: { address: "switchyard-dev-router:3903" } };

describe("renderPrometheusConfig", () => {
    test("one static group per container with exactly stack/color/version/container labels, sorted by colour", () => {
        const doc = parseYaml(
            renderPrometheusConfig({
                ...base,
                appTargets: [t("g0", "green", "2.0.0"), t("b1", "blue", "1.0.0"), t("b0", "blue", "1.0.0")],
                ruleFiles: ["/etc/prometheus/rules.yml"],
            }),
        );
        expect(doc.rule_files).toEqual(["/etc/prometheus/rules.yml"]);
        expect(doc.global).toEqual({ scrape_interval: "15s", evaluation_interval: "15s" });
        expect(doc.scrape_configs.map((s: { job_name: string }) => s.job_name)).toEqual(["switchyard-app", "switchyard-router"]);
        expect(doc.scrape_configs[0].static_configs).toEqual([
            { targets: ["b0:8080"], labels: { stack: "dev", color: "blue", version: "1.0.0", container: "b0" } },
            { targets: ["b1:8080"], labels: { stack: "dev", color: "blue", version: "1.0.0", container: "b1" } },
            { targets: ["g0:8080"], labels: { stack: "dev", color: "green", version: "2.0.0", container: "g0" } },
        ]);
        expect(doc.scrape_configs[1].static_configs).toEqual([
            { targets: ["switchyard-dev-router:3903"], labels: { stack: "dev", component: "router", version: "unknown" } },
        ]);
        expect(doc.scrape_configs.every((s: { honor_labels: boolean }) => s.honor_labels === false)).toBe(true);
    });

    test.each([
        [
            "bad address",
            { ...base, appTargets: [{ ...t("b0", "blue", "1"), address: "b0" }] },
            /appTargets\.0\.address: host:port.*\(got "b0"\)/,
        ],
        ["unknown colour", { ...base, appTargets: [{ ...t("b0", "blue", "1"), color: "red" }] }, /appTargets\.0\.color/],
        [
            "duplicate container",
            { ...base, appTargets: [t("b0", "blue", "1"), { ...t("b0", "green", "1"), address: "x:1" }] },
            /duplicate container b0/,
        ],
        [
            "bad interval",
            { ...base, appTargets: [], scrapeInterval: "15 seconds" },
            /scrapeInterval: a Prometheus duration.*\(got "15 seconds"\)/,
        ],
        ["bad stack", { ...base, stack: "a b", appTargets: [] }, /stack: letters/],
    ])("rejects %s with a message naming field and value", (_n, input, msg) => {
        expect(() => renderPrometheusConfig(input as never)).toThrow(msg);
    });

    test("property: deterministic and independent of target order", () => {
        const arbTarget = fc.record({
            host: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}[a-z0-9]$/),
            color: fc.constantFrom("blue" as const, "green" as const),
            version: fc.stringMatching(/^\d\.\d\.\d$/),
        });
        fc.assert(
            fc.property(fc.uniqueArray(arbTarget, { selector: (x) => x.host, maxLength: 8 }), fc.integer(), (ts0, seed) => {
                const targets = ts0.map((x) => t(x.host, x.color, x.version));
                const shuffled = [...targets].sort(
                    (a, b) => ((a.container.length * 31 + seed) % 7) - ((b.container.length * 31 + seed) % 7),
                );
                const a = renderPrometheusConfig({ ...base, appTargets: targets });
                expect(renderPrometheusConfig({ ...base, appTargets: targets })).toBe(a);
                expect(renderPrometheusConfig({ ...base, appTargets: shuffled })).toBe(a);
                expect(parseYaml(a).scrape_configs[0].static_configs).toHaveLength(targets.length);
            }),
            { numRuns: 100 },
        );
    });
});

describe("release dashboard (grafana-foundation-sdk)", () => {
    const json = renderDashboardJson({ stack: "dev" });

    test("exactly 9 panels with the expected titles, all on the provisioned datasource", () => {
        const d = JSON.parse(json);
        expect(d.panels.map((p: { title: string }) => p.title)).toEqual([...PANEL_TITLES]);
        expect(d.panels).toHaveLength(9);
        expect(d.panels.map((p: { type: string }) => p.type)).toEqual([
            "timeseries",
            "timeseries",
            "timeseries",
            "timeseries",
            "stat",
            "stat",
            "table",
            "state-timeline",
            "stat",
        ]);
        for (const p of d.panels) expect(p.datasource).toEqual({ type: "prometheus", uid: DATASOURCE_UID });
        expect(d.uid).toBe("switchyard-release-dev");
        expect(d.templating.list.map((v: { name: string }) => v.name)).toEqual(["stack"]);
        expect(d.annotations.list.map((a: { name: string; expr: string }) => [a.name, a.expr])).toEqual([
            ["Release events", queries.releaseEvents],
        ]);
    });

    test("every panel target is a named exported query, and every query is used", () => {
        const d = JSON.parse(json);
        const used = new Set<string>([queries.releaseEvents]);
        d.panels.forEach((p: { title: (typeof PANEL_TITLES)[number]; targets: { expr: string; refId: string }[] }) => {
            expect(p.targets.map((x) => x.expr)).toEqual(PANEL_QUERIES[p.title].map((n) => queries[n]));
            expect(p.targets.map((x) => x.refId)).toEqual(["A", "B", "C", "D"].slice(0, p.targets.length));
            p.targets.forEach((x) => used.add(x.expr));
        });
        expect([...used].sort()).toEqual(Object.values(queries).sort());
    });

    test("rendering is deterministic", () => {
        expect(renderDashboardJson({ stack: "dev" })).toBe(json);
        expect(buildReleaseDashboard({ stack: "prod" }).uid).toBe("switchyard-release-prod");
    });

    test("the JSON parses back through the SDK's types (and a wrong field would not)", () => {
        expect(dashboardTypeErrors(json)).toEqual([]);
        const broken = JSON.parse(json);
        broken.panels[2].gridPos.width = 3; // not a GridPos field
        broken.panels[0].targets[0].legendFormat = 7; // must be a string
        const errors = dashboardTypeErrors(JSON.stringify(broken));
        expect(errors.join("\n")).toMatch(/width.{0,4} does not exist in type/);
        expect(errors.join("\n")).toMatch(/number.*not assignable to type 'string'/);
    }, 30_000);
});

describe("Grafana provisioning files", () => {
    test("datasource: one Prometheus with the uid the panels reference", () => {
        expect(parseYaml(renderDatasourceProvisioning({ prometheusUrl: "http://switchyard-dev-prometheus:9090" }))).toEqual({
            apiVersion: 1,
            datasources: [
                {
                    name: "Switchyard Prometheus",
                    type: "prometheus",
                    uid: DATASOURCE_UID,
                    access: "proxy",
                    url: "http://switchyard-dev-prometheus:9090",
                    isDefault: true,
                    editable: false,
                    jsonData: { timeInterval: "15s", httpMethod: "POST" },
                },
            ],
        });
        expect(() => renderDatasourceProvisioning({ prometheusUrl: "prometheus:9090" })).toThrow(/prometheusUrl/);
    });
    test("dashboard provider: file provider on the given path, UI edits not kept", () => {
        const p = parseYaml(renderDashboardProvider({ dashboardsPath: "/var/lib/grafana/dashboards/switchyard" })).providers[0];
        expect(p).toEqual({
            name: "switchyard",
            orgId: 1,
            folder: "Switchyard",
            type: "file",
            disableDeletion: true,
            allowUiUpdates: false,
            updateIntervalSeconds: 30,
            options: { path: "/var/lib/grafana/dashboards/switchyard", foldersFromFilesStructure: false },
        });
    });
});

describe("router exporter (mtail program on the router's access log and status document)", () => {
    test("the router image carries exactly the rendered program", () => {
        expect(fs.readFileSync(path.join(__dirname, "../../images/router/router.mtail"), "utf8")).toBe(renderRouterMtailProgram());
    });

    test("mtail (one-shot) turns the lines nginxConfig.ts makes nginx write into the metrics; odd lines are counted, not lost", () => {
        const dir = tempDir("mtail");
        const state = statusLine("green", 250); // green active, 25% canary on blue
        const lines = [
            accessLine({ color: "green", status: 200, requestTime: "0.012" }),
            accessLine({ color: "green", status: 502, requestTime: "0.001", method: "POST" }), // upstream down: answered by nginx
            accessLine({ color: "blue", status: 404, requestTime: "0.300", role: "canary" }),
            accessLine({ color: "none", status: 200, requestTime: "0.000" }), // the status endpoint
            state.line,
            "not json at all",
        ];
        fs.writeFileSync(path.join(dir, "access.log"), lines.join("\n") + "\n");
        fs.writeFileSync(path.join(dir, "router.mtail"), renderRouterMtailProgram());
        const before = Date.now() / 1000;
        const r = run("mtail", [
            "--progs",
            path.join(dir, "router.mtail"),
            "--logs",
            path.join(dir, "access.log"),
            "--one_shot",
            "--one_shot_format",
            "prometheus",
            "--emit_prog_label=false",
        ]);
        fs.rmSync(dir, { recursive: true, force: true });
        expect(r.status).toBe(0);
        const m = parseExposition(r.output);
        const pick = (prefix: string) => Object.fromEntries([...m].filter(([k]) => k.startsWith(prefix + "{")));
        expect(pick("switchyard_router_requests_total")).toEqual({
            'switchyard_router_requests_total{color="blue",status_class="2xx"}': 0, // pre-created at 0
            'switchyard_router_requests_total{color="blue",status_class="4xx"}': 1,
            'switchyard_router_requests_total{color="blue",status_class="5xx"}': 0, // pre-created at 0
            'switchyard_router_requests_total{color="green",status_class="2xx"}': 1,
            'switchyard_router_requests_total{color="green",status_class="5xx"}': 1,
        });
        expect(pick("switchyard_router_color_weight_ratio")).toEqual({
            'switchyard_router_color_weight_ratio{color="blue"}': 0.25,
            'switchyard_router_color_weight_ratio{color="green"}': 0.75,
        });
        const seen = pick("switchyard_router_config_last_seen_timestamp_seconds");
        expect(Object.keys(seen)).toEqual([
            `switchyard_router_config_last_seen_timestamp_seconds{active_color="green",config_sha256="${state.sha}"}`,
        ]);
        expect(Object.values(seen)[0]).toBeGreaterThanOrEqual(Math.floor(before) - 1);
        expect(m.get('switchyard_router_request_duration_seconds_bucket{color="green",le="0.01"}')).toBe(1);
        expect(m.get('switchyard_router_request_duration_seconds_bucket{color="green",le="0.025"}')).toBe(2);
        expect(m.get('switchyard_router_request_duration_seconds_bucket{color="blue",le="0.25"}')).toBe(0);
        expect(m.get('switchyard_router_request_duration_seconds_bucket{color="blue",le="0.5"}')).toBe(1);
        expect(m.get('switchyard_router_request_duration_seconds_sum{color="blue"}')).toBeCloseTo(0.3, 9);
        expect(m.get("switchyard_router_unrouted_requests_total{}")).toBe(1);
        expect(m.get("switchyard_router_unparsed_log_lines_total{}")).toBe(1);
    });
});
