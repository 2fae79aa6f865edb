/**
 * MonitoringStack under Pulumi mocks: exact resources per mode, the scrape targets and their labels
 * as the apply step installs them (decoded from its environment), the rules and config passing the
 * real promtool, the Grafana files written by the real script, validation; and the whole program
 * with monitoring enabled (resource counts, outputs), in update and preview.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type * as pulumiType from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import type { MonitoringStackArgs } from "./monitoringStack";
import { PANEL_TITLES } from "./dashboard";
import { baseConfig, runProgram } from "../../test/support/program";
import { run, tempDir } from "../../test/support/observability/tools";

interface Res {
    type: string;
    name: string;
    inputs: Record<string, any>;
    /** Set once the registration is answered. */
    urn?: string;
    /** The URNs its aliases stand for, as the engine resolves them. */
    aliasUrns?: string[];
}

const ARGS: MonitoringStackArgs = {
    stack: "mon",
    apps: {
        blue: {
            version: "1.0.0",
            containers: [
                { name: "mon-app-blue-1", address: "172.30.0.2", port: 8080 },
                { name: "mon-app-blue-2", address: "172.30.0.3", port: 8080 },
            ],
        },
        green: { version: "1.1.0", containers: [{ name: "mon-app-green-1", address: "172.30.0.4", port: 8080 }] },
    },
    routerContainerName: "mon-router",
    routerVersion: "local",
    networkName: "mon-app",
    dockerHost: "unix:///var/run/docker.sock",
    prometheus: {
        mode: "container",
        image: "switchyard/prometheus:local",
        port: 18090,
        bindAddress: "127.0.0.1",
        scrapeInterval: "15s",
        retention: "15d",
    },
    grafana: { provisioningDir: "/srv/grafana/mon", dashboardsPath: "/var/lib/grafana/dashboards/switchyard" },
    thresholds: { steady: { errorRatio: 0.001, p95Seconds: 0.05 }, release: { errorRatio: 0.005, p95Seconds: 2 } },
    trafficShareTolerance: 0.05,
};

/** Builds the component under fresh mocks; resolves once every registration settled. */
async function build(
    args: MonitoringStackArgs,
    dryRun = false,
    warnings: string[] = [],
): Promise<{ res: Res[]; comp: any; pulumi: typeof pulumiType }> {
    const res: Res[] = [];
    let pulumi!: typeof pulumiType;
    let mod!: typeof import("./monitoringStack");
    jest.isolateModules(() => {
        pulumi = require("@pulumi/pulumi");
        void pulumi.runtime.setMocks(
            {
                newResource: (a) => {
                    res.push({ type: a.type, name: a.name, inputs: a.inputs });
                    return { id: dryRun ? undefined : `${a.name}-id`, state: a.inputs };
                },
                call: (a) => {
                    throw new Error(`unmocked call ${a.token}`);
                },
            },
            "switchyard",
            "mon",
            dryRun,
        );
        recordUrns(pulumi, res);
        jest.spyOn(pulumi.log, "warn").mockImplementation(async (msg: string) => void warnings.push(msg));
        mod = require("./monitoringStack");
    });
    const comp = new mod.MonitoringStack("monitoring", args);
    await new Promise((r) => setTimeout(r, 200));
    await unwrap(comp.prometheusConfig);
    await new Promise((r) => setTimeout(r, 50));
    return { res, comp, pulumi };
}
/** Adds each registration's URN and resolved alias URNs to its record (matched by type and name). */
function recordUrns(pulumi: typeof pulumiType, res: Res[]): void {
    const monitor = pulumi.runtime.getMonitor() as any;
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: (err: unknown, resp: any) => void) => {
        const [type, name] = [req.getType(), req.getName()];
        // An alias spec names the old parent (and optionally name/type): the engine's NewURN.
        const aliasUrns = req.getAliasesList().map((a: any) => {
            if (a.getUrn()) return a.getUrn();
            const spec = a.getSpec();
            const parentType = spec.getParenturn() ? spec.getParenturn().split("::")[2] + "$" : "";
            return `urn:pulumi:mon::switchyard::${parentType}${spec.getType() || type}::${spec.getName() || name}`;
        });
        return original(req, (err: unknown, resp: any) => {
            const r = res.find((x) => x.type === type && x.name === name && x.urn === undefined);
            if (r && resp) Object.assign(r, { urn: resp.getUrn(), aliasUrns });
            cb(err, resp);
        });
    };
}
function unwrap<T>(o: pulumiType.Output<T>): Promise<T> {
    return new Promise((resolve) =>
        (o as any).apply((v: T) => {
            resolve(v);
            return v;
        }),
    );
}
const counts = (res: Res[]) => res.reduce<Record<string, number>>((m, r) => ((m[r.type] = (m[r.type] ?? 0) + 1), m), {});
/** The one resource (not component) named `name`: a component may share its main resource's name. */
const one = (res: Res[], name: string) => {
    const r = res.filter((x) => x.name === name && !x.type.startsWith("switchyard:"));
    if (r.length !== 1) throw new Error(`${r.length} resources named ${name}`);
    return r[0];
};
const decode = (b: string) => Buffer.from(b, "base64").toString("utf8");

describe("container mode", () => {
    let res: Res[];
    let comp: any;
    beforeAll(async () => ({ res, comp } = await build(ARGS)));

    test("exactly: the components, the image, 2 volumes, the Prometheus container, the apply step, the Grafana files", () => {
        expect(counts(res)).toEqual({
            "switchyard:observability:MonitoringStack": 1,
            "switchyard:observability:PrometheusServer": 1,
            "switchyard:observability:GrafanaDashboard": 1,
            "docker:index/remoteImage:RemoteImage": 1,
            "docker:index/volume:Volume": 2,
            "docker:index/container:Container": 1,
            "command:local:Command": 2,
        });
        expect(res.map((r) => r.name).sort()).toEqual([
            "monitoring",
            "monitoring-grafana",
            "monitoring-grafana-files",
            "monitoring-prometheus",
            "monitoring-prometheus",
            "monitoring-prometheus-apply",
            "monitoring-prometheus-config",
            "monitoring-prometheus-data",
            "monitoring-prometheus-image",
        ]);
    });

    test("the Prometheus container: loopback port, app network, config and data volumes, lifecycle API, no config in its inputs", () => {
        const c = one(res, "monitoring-prometheus").inputs;
        expect(c.name).toBe("mon-prometheus");
        expect(c.command).toEqual([
            "--config.file=/etc/prometheus/prometheus.yml",
            "--storage.tsdb.path=/prometheus",
            "--storage.tsdb.retention.time=15d",
            "--web.listen-address=0.0.0.0:9090",
            "--web.enable-lifecycle",
        ]);
        expect(c.ports).toEqual([{ internal: 9090, external: 18090, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(c.networksAdvanced).toEqual([{ name: "mon-app", aliases: ["mon-prometheus"] }]);
        expect(c.volumes).toEqual([
            { volumeName: "mon-prometheus-config", containerPath: "/etc/prometheus" },
            { volumeName: "mon-prometheus-data", containerPath: "/prometheus" },
        ]);
        expect(c.restart).toBe("unless-stopped");
        expect(JSON.stringify(c)).not.toContain("1.0.0"); // a release never recreates it
        expect(one(res, "monitoring-prometheus-image").inputs).toEqual({ name: "switchyard/prometheus:local", keepLocally: true });
        expect(comp.prometheusUrl).toBe("http://127.0.0.1:18090");
    });

    test("scrape targets: every app container by name with stack/color/version/container labels, and the router exporter", () => {
        const env = one(res, "monitoring-prometheus-apply").inputs.environment;
        expect(env.SY_CONTAINER).toBe("mon-prometheus");
        expect(env.DOCKER_HOST).toBe("unix:///var/run/docker.sock");
        const cfg = parseYaml(decode(env.SY_PROM_B64));
        expect(cfg.rule_files).toEqual(["/etc/prometheus/switchyard-rules.yml"]);
        const [app, router] = cfg.scrape_configs;
        expect(app.job_name).toBe("switchyard-app");
        expect(app.static_configs).toEqual([
            { targets: ["mon-app-blue-1:8080"], labels: { stack: "mon", color: "blue", version: "1.0.0", container: "mon-app-blue-1" } },
            { targets: ["mon-app-blue-2:8080"], labels: { stack: "mon", color: "blue", version: "1.0.0", container: "mon-app-blue-2" } },
            { targets: ["mon-app-green-1:8080"], labels: { stack: "mon", color: "green", version: "1.1.0", container: "mon-app-green-1" } },
        ]);
        expect(router.static_configs).toEqual([
            { targets: ["mon-router:3903"], labels: { stack: "mon", component: "router", version: "local" } },
        ]);
    });

    test("the installed config and rules pass the real promtool (check config, check rules)", () => {
        const env = one(res, "monitoring-prometheus-apply").inputs.environment;
        const dir = tempDir("mon-promtool");
        try {
            fs.writeFileSync(path.join(dir, "rules.yml"), decode(env.SY_RULES_B64));
            fs.writeFileSync(
                path.join(dir, "prometheus.yml"),
                decode(env.SY_PROM_B64).replace("/etc/prometheus/switchyard-rules.yml", path.join(dir, "rules.yml")),
            );
            const rules = run("promtool", ["check", "rules", path.join(dir, "rules.yml")]);
            expect(rules.output).toContain("SUCCESS: 7 rules found");
            expect(rules.status).toBe(0);
            const config = run("promtool", ["check", "config", path.join(dir, "prometheus.yml")]);
            expect(config.output).toContain("SUCCESS: 1 rule files found");
            expect(config.status).toBe(0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        // thresholds from args reach the rules
        const rules = decode(env.SY_RULES_B64);
        expect(rules).toContain(") > 0.001 and on ()");
        expect(rules).toContain(") > 0.005 and on ()");
        expect(rules).toContain(") > 0.05 and on ()");
    });

    test("Grafana files: the real script writes datasource, provider and dashboard under the dir; delete removes them", () => {
        const cmd = one(res, "monitoring-grafana-files").inputs;
        const dir = tempDir("mon-grafana");
        try {
            const env = { ...process.env, ...cmd.environment, SY_DIR: dir };
            expect(spawnSync("bash", ["-c", cmd.create], { env, encoding: "utf8" }).status).toBe(0);
            const list = (d: string): string[] =>
                fs
                    .readdirSync(d, { withFileTypes: true })
                    .flatMap((e) => (e.isDirectory() ? list(path.join(d, e.name)) : [path.relative(dir, path.join(d, e.name))]));
            expect(list(dir).sort()).toEqual([
                "dashboards/switchyard-release-mon.json",
                "provisioning/dashboards/switchyard-mon.yaml",
                "provisioning/datasources/switchyard-mon.yaml",
            ]);
            const ds = parseYaml(fs.readFileSync(path.join(dir, "provisioning/datasources/switchyard-mon.yaml"), "utf8"));
            expect(ds.datasources[0].url).toBe("http://mon-prometheus:9090");
            const provider = parseYaml(fs.readFileSync(path.join(dir, "provisioning/dashboards/switchyard-mon.yaml"), "utf8"));
            expect(provider.providers[0].options.path).toBe("/var/lib/grafana/dashboards/switchyard");
            expect(JSON.parse(fs.readFileSync(path.join(dir, "dashboards/switchyard-release-mon.json"), "utf8")).panels).toHaveLength(
                PANEL_TITLES.length,
            );
            expect(spawnSync("bash", ["-c", cmd.delete], { env, encoding: "utf8" }).status).toBe(0);
            expect(list(dir)).toEqual([]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        expect(cmd.environment.SY_DIR).toBe("/srv/grafana/mon");
        expect(cmd.environment.SY_FILES_B64.length).toBeLessThan(120_000); // one env var (Linux limit 128 KiB)
    });
});

describe("Prometheus bind address", () => {
    test.each([
        ["127.0.0.1", 0],
        ["127.0.0.2", 0],
        ["0.0.0.0", 1],
        ["10.0.0.5", 1],
    ])("bound to %s: %i warning(s) that it is reachable beyond the host", async (bindAddress, n) => {
        const warnings: string[] = [];
        await build({ ...ARGS, prometheus: { ...ARGS.prometheus, bindAddress } }, false, warnings);
        const exposed = warnings.filter((w) => w.includes("not loopback"));
        expect(exposed).toHaveLength(n);
        for (const w of exposed) {
            expect(w).toContain(`Prometheus is published on ${bindAddress}:18090`);
            expect(w).toContain("monitoring.prometheus.bindAddress");
        }
    });
});

describe("external mode", () => {
    test("no Docker resource: the config and rules are written to configDir, Grafana points at the given URL", async () => {
        const { res, comp } = await build({
            ...ARGS,
            prometheus: { ...ARGS.prometheus, mode: "external", configDir: "/etc/prometheus/switchyard" },
            grafana: { ...ARGS.grafana, prometheusUrl: "http://prometheus.internal:9090" },
        });
        expect(counts(res)).toEqual({
            "switchyard:observability:MonitoringStack": 1,
            "switchyard:observability:PrometheusFiles": 1,
            "switchyard:observability:GrafanaDashboard": 1,
            "command:local:Command": 2,
        });
        const files = one(res, "monitoring-prometheus-files").inputs;
        expect(files.environment.SY_DIR).toBe("/etc/prometheus/switchyard");
        expect(parseYaml(decode(files.environment.SY_PROM_B64)).rule_files).toEqual(["/etc/prometheus/switchyard/switchyard-rules.yml"]);
        expect(comp.prometheusUrl).toBe("http://prometheus.internal:9090");
        // the real script, into a temp dir
        const dir = tempDir("mon-ext");
        try {
            expect(
                spawnSync("bash", ["-c", files.create], { env: { ...process.env, ...files.environment, SY_DIR: dir }, encoding: "utf8" })
                    .status,
            ).toBe(0);
            expect(fs.readdirSync(dir).sort()).toEqual(["prometheus.yml", "switchyard-rules.yml"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test.each([
        [
            "external without configDir",
            { prometheus: { ...ARGS.prometheus, mode: "external" as const }, grafana: { ...ARGS.grafana, prometheusUrl: "http://p:9090" } },
            /PrometheusFiles: configDir must be an absolute directory .* \(got undefined\); set monitoring.prometheus.configDir/,
        ],
        [
            "external without a Prometheus URL for Grafana",
            { prometheus: { ...ARGS.prometheus, mode: "external" as const, configDir: "/etc/p" } },
            /grafana.prometheusUrl is unset/,
        ],
        [
            "a relative provisioning dir",
            { grafana: { ...ARGS.grafana, provisioningDir: "grafana" } },
            /GrafanaDashboard: provisioningDir must be an absolute directory .* \(got "grafana"\)/,
        ],
        [
            "a port out of range",
            { prometheus: { ...ARGS.prometheus, port: 70000 } },
            /PrometheusServer: port must be 1..65535 \(got 70000\)/,
        ],
        [
            "a Grafana push without a Prometheus URL for that Grafana",
            { grafana: { ...ARGS.grafana, push: { url: "https://g.example.com", overwrite: true, token: "t" } } },
            /grafana.push is set but grafana.prometheusUrl is unset/,
        ],
        [
            "a Grafana push URL with credentials",
            {
                grafana: {
                    ...ARGS.grafana,
                    prometheusUrl: "http://p:9090",
                    push: { url: "https://a:b@g.example.com", overwrite: true, token: "t" },
                },
            },
            /GrafanaDashboard: push.url must be Grafana's base URL/,
        ],
    ])("rejects %s with a message that says what to fix", async (_what, patch, message) => {
        await expect(build({ ...ARGS, ...patch } as MonitoringStackArgs)).rejects.toThrow(message);
    });
});

describe("preview", () => {
    test("the same resources are planned while container addresses are unknown", async () => {
        const { res } = await build(ARGS, true);
        expect(counts(res)["docker:index/container:Container"]).toBe(1);
        expect(counts(res)["command:local:Command"]).toBe(2);
    });
});

describe("identity in stacks deployed with MonitoringStack's resources as its own children", () => {
    // Their URNs there: every resource was a direct child of MonitoringStack "monitoring".
    const OLD = (type: string, name: string) => `urn:pulumi:mon::switchyard::switchyard:observability:MonitoringStack$${type}::${name}`;
    const EXTERNAL: MonitoringStackArgs = {
        ...ARGS,
        prometheus: { ...ARGS.prometheus, mode: "external", configDir: "/etc/prometheus/switchyard" },
        grafana: { ...ARGS.grafana, prometheusUrl: "http://p:9090", push: { url: "https://g.example.com", overwrite: true, token: "t" } },
    };
    test.each([
        [
            "container",
            ARGS,
            [
                OLD("docker:index/remoteImage:RemoteImage", "monitoring-prometheus-image"),
                OLD("docker:index/volume:Volume", "monitoring-prometheus-config"),
                OLD("docker:index/volume:Volume", "monitoring-prometheus-data"),
                OLD("docker:index/container:Container", "monitoring-prometheus"),
                OLD("command:local:Command", "monitoring-prometheus-apply"),
                OLD("command:local:Command", "monitoring-grafana-files"),
            ],
        ],
        [
            "external, with a Grafana push",
            EXTERNAL,
            [
                OLD("command:local:Command", "monitoring-prometheus-files"),
                OLD("command:local:Command", "monitoring-grafana-files"),
                OLD("command:local:Command", "monitoring-grafana-push"),
            ],
        ],
    ])("%s mode: every resource answers to its old URN (same name and type, aliased to the old parent)", async (_mode, args, old) => {
        const { res } = await build(args);
        const resources = res.filter((r) => !r.type.startsWith("switchyard:"));
        expect(resources.map((r) => `${r.type}::${r.name}`).sort()).toEqual(old.map((u) => u.split("$").pop()).sort());
        for (const r of resources) {
            expect([r.urn, ...r.aliasUrns!]).toContain(OLD(r.type, r.name));
        }
    });
});

describe("the program with switchyard:monitoring", () => {
    const T = {
        container: "docker:index/container:Container",
        command: "command:local:Command",
        volume: "docker:index/volume:Volume",
        image: "docker:index/remoteImage:RemoteImage",
    };
    const count = (r: { resources: { type: string }[] }, t: string) => r.resources.filter((x) => x.type === t).length;

    test("enabled: a MonitoringStack over both colours' containers and the router; outputs the URL and the dir", async () => {
        const off = await runProgram(baseConfig());
        const on = await runProgram({
            ...baseConfig(),
            monitoring: {
                enabled: true,
                prometheus: { image: "switchyard/prometheus:local", port: 18090 },
                grafana: { provisioningDir: "/tmp/sy-grafana" },
            },
        });
        expect(count(on, "switchyard:observability:MonitoringStack")).toBe(1);
        expect(count(on, T.container) - count(off, T.container)).toBe(1);
        expect(count(on, T.command) - count(off, T.command)).toBe(2);
        expect(count(on, T.volume) - count(off, T.volume)).toBe(2);
        expect(count(on, T.image) - count(off, T.image)).toBe(1);
        expect(on.outputs.prometheusUrl).toBe("http://127.0.0.1:18090");
        expect(on.outputs.grafanaProvisioningDir).toBe("/tmp/sy-grafana");
        const apply = on.one(T.command, "monitoring-prometheus-apply");
        const cfg = parseYaml(decode(String((apply.inputs.environment as Record<string, string>).SY_PROM_B64)));
        expect(
            cfg.scrape_configs[0].static_configs.map((s: { targets: string[]; labels: Record<string, string> }) => [
                s.targets[0],
                s.labels.color,
                s.labels.version,
            ]),
        ).toEqual([
            ["local-app-blue-1:8080", "blue", "1.0.0"],
            ["local-app-blue-2:8080", "blue", "1.0.0"],
            ["local-app-green-1:8080", "green", "1.1.0"],
            ["local-app-green-2:8080", "green", "1.1.0"],
        ]);
        expect(cfg.scrape_configs[1].static_configs[0].targets).toEqual(["local-router:3903"]);
    });

    test("disabled (the default): no monitoring resource, no monitoring output", async () => {
        const r = await runProgram(baseConfig());
        expect(r.resources.filter((x) => x.type.startsWith("switchyard:observability") || x.name.startsWith("monitoring"))).toEqual([]);
        expect(r.outputs.prometheusUrl).toBeNull();
    });

    test("a bad monitoring config fails before any resource, naming the key", async () => {
        await expect(runProgram({ ...baseConfig(), monitoring: { enabled: true, prometheus: { mode: "external" } } })).rejects.toThrow(
            /switchyard:monitoring.prometheus.configDir: is required with prometheus.mode external/,
        );
    });
});
