import { baseConfig, Config, runProgram, RunResult, SECRET_SIG, UNKNOWN } from "./test/support/program";

const T = {
    provider: "pulumi:providers:docker",
    network: "docker:index/network:Network",
    image: "docker:index/remoteImage:RemoteImage",
    container: "docker:index/container:Container",
    volume: "docker:index/volume:Volume",
    command: "command:local:Command",
    colorStack: "switchyard:app:ColorStack",
    router: "switchyard:routing:RouterContainer",
    routing: "switchyard:routing:CanaryRouter",
    gate: "switchyard:release:HealthGate",
    stamp: "switchyard:release:ReleaseStamp",
    release: "switchyard:release:Release",
    hostRelease: "switchyard:release:HostRelease",
    host: "switchyard:host:DockerHost",
    fence: "switchyard:routing:RouteFence",
};

function withConfig(patch: (c: Config) => void): Config {
    const c = baseConfig();
    patch(c);
    return c;
}

function counts(r: RunResult): Record<string, number> {
    const out: Record<string, number> = {};
    for (const x of r.resources) {
        out[x.type] = (out[x.type] ?? 0) + 1;
    }
    return out;
}

describe("the program under mocks", () => {
    let r: RunResult;
    beforeAll(async () => {
        r = await runProgram(baseConfig());
    });

    test("registers exactly the expected resources per type", () => {
        expect(counts(r)).toEqual({
            [T.host]: 1,
            [T.provider]: 1,
            [T.network]: 1,
            [T.router]: 1,
            [T.image]: 3, // router + one per colour
            [T.volume]: 1,
            [T.container]: 5, // router + 2 replicas x 2 colours
            [T.release]: 1,
            [T.stamp]: 2,
            [T.colorStack]: 2,
            [T.gate]: 2,
            [T.routing]: 1,
            [T.fence]: 2,
            [T.command]: 7, // 2 release clocks, 2 gate checks, 2 route fences, 1 routing apply
        });
    });

    test("both colours run, with their own version, image tag and labels", () => {
        for (const [color, version] of [
            ["blue", "1.0.0"],
            ["green", "1.1.0"],
        ] as const) {
            for (const replica of [1, 2]) {
                const c = r.one(T.container, `app-${color}-${replica}`);
                expect(c.inputs.name).toBe(`local-app-${color}-${replica}`);
                expect(c.inputs.labels).toEqual([
                    { label: "switchyard.app", value: "app" },
                    { label: "switchyard.color", value: color },
                    { label: "switchyard.deployment-id", value: `local-${version}-20261124_101500` },
                    { label: "switchyard.replica", value: String(replica) },
                    { label: "switchyard.stack", value: "local" },
                    { label: "switchyard.version", value: version },
                ]);
                expect(c.inputs.restart).toBe("unless-stopped");
                expect(c.inputs.memory).toBe(256);
                expect(c.inputs.cpus).toBe("0.5");
                expect(c.inputs.wait).toBe(false);
                expect(c.deleteBeforeReplace).toBe(true);
                expect(c.inputs.healthcheck).toEqual({
                    tests: [
                        "CMD-SHELL",
                        "curl -fsS -o /dev/null 'http://127.0.0.1:8080/health' || wget -q -O /dev/null 'http://127.0.0.1:8080/health' || exit 1",
                    ],
                    interval: "5s",
                    timeout: "3s",
                    retries: 5,
                    startPeriod: "5s",
                });
            }
            expect(r.one(T.image, `app-${color}-image`).inputs).toEqual({ name: `switchyard/demo-app:${version}`, keepLocally: true });
        }
        expect(r.outputs.images).toEqual({ blue: "switchyard/demo-app:1.0.0", green: "switchyard/demo-app:1.1.0" });
        expect(r.outputs.versions).toEqual({ blue: "1.0.0", green: "1.1.0" });
    });

    test("secret env reaches the containers only as a Pulumi secret", () => {
        for (const c of r.byType(T.container).filter((x) => x.name.startsWith("app-"))) {
            expect((c.rawInputs.envs as Record<string, unknown>)[SECRET_SIG]).toBe("1b47061264138c4ac30d75fd1eb44270");
            expect(c.inputs.envs).toContain("DB_PASSWORD=hunter2-not-in-state");
            expect(c.inputs.envs).toContain("LOG_LEVEL=info");
        }
        // The values each colour was released with are kept (for the live colour's pinned spec) only as a secret output.
        const { colorSecretEnv, ...plainOutputs } = r.outputs;
        expect(colorSecretEnv).toEqual({ blue: { DB_PASSWORD: "hunter2-not-in-state" }, green: { DB_PASSWORD: "hunter2-not-in-state" } });
        expect(r.secretOutputs).toContain("colorSecretEnv");
        expect(JSON.stringify(plainOutputs)).not.toContain("hunter2");
        for (const x of r.resources.filter((y) => !y.name.startsWith("app-") || y.type !== T.container)) {
            expect(JSON.stringify(x.inputs)).not.toContain("hunter2");
        }
    });

    test("the gate runs before the router applies a config, and the router container waits for neither", () => {
        const apply = r.one(T.command, "routing-apply");
        const gateBlue = r.one(T.command, "gate-blue-check");
        const gateGreen = r.one(T.command, "gate-green-check");
        expect(apply.dependencies).toEqual(expect.arrayContaining([gateBlue.urn, gateGreen.urn]));
        const routerContainer = r.one(T.container, "router-container");
        // It reads the previous outputs (the router image it ran), nothing of this release.
        expect(
            routerContainer.dependencies
                .filter((d) => !d.includes("pulumi:pulumi:StackReference"))
                .some((d) => d.includes("gate") || d.includes("release")),
        ).toBe(false);
        expect(routerContainer.inputs.ports).toEqual([{ internal: 80, external: 18080, ip: "127.0.0.1", protocol: "tcp" }]);
    });

    test("every Docker resource uses the explicit provider, never the ambient default", () => {
        const provider = r.byType(T.provider)[0];
        expect(provider.inputs.host).toBe("unix:///var/run/docker.sock");
        const docker = r.resources.filter((x) => x.type.startsWith("docker:"));
        expect(docker.length).toBe(10);
        for (const d of docker) {
            expect(d.provider.startsWith(`${provider.urn}::`)).toBe(true);
        }
    });

    test("outputs: active colour, weights, router URL, config sha, deployment id", () => {
        expect(r.outputs.activeColor).toBe("blue");
        expect(r.outputs.weights).toEqual({ blue: 100, green: 0 });
        expect(r.outputs.routerUrl).toBe("http://127.0.0.1:18080");
        expect(r.outputs.routerConfigSha256).toMatch(/^[0-9a-f]{64}$/);
        expect(r.outputs.deploymentId).toBe("local-1.1.0-20261124_101500");
        expect(r.outputs.deploymentIds).toEqual({ blue: "local-1.0.0-20261124_101500", green: "local-1.1.0-20261124_101500" });
    });
});

describe("routing changes never touch containers", () => {
    const containerView = (r: RunResult) =>
        r
            .byType("docker:index/container:Container")
            .map((c) => ({ name: c.name, inputs: c.inputs }))
            .sort((a, b) => a.name.localeCompare(b.name));

    test.each([
        [
            "a flip",
            (c: Config) => {
                c.activeColor = "green";
            },
        ],
        [
            "a canary weight",
            (c: Config) => {
                c.canary = { ...(c.canary as object), weight: 25.5 };
            },
        ],
        [
            "maintenance mode",
            (c: Config) => {
                c.router = { ...(c.router as object), maintenance: { enabled: true, message: "back soon" } };
            },
        ],
        [
            "sticky users",
            (c: Config) => {
                c.canary = { ...(c.canary as object), weight: 10, sticky: { enabled: true } };
            },
        ],
    ])("%s leaves every container's name and inputs as they were; only the routing apply changes", async (_what, patch) => {
        const before = await runProgram(baseConfig());
        const after = await runProgram(withConfig(patch));
        expect(containerView(after)).toEqual(containerView(before));
        expect(after.resources.map((x) => `${x.type}/${x.name}`).sort()).toEqual(before.resources.map((x) => `${x.type}/${x.name}`).sort());
        const applyBefore = before.one("command:local:Command", "routing-apply").inputs.environment as Record<string, string>;
        const applyAfter = after.one("command:local:Command", "routing-apply").inputs.environment as Record<string, string>;
        expect(applyAfter.SY_CONFIG_SHA256).not.toBe(applyBefore.SY_CONFIG_SHA256);
        expect(after.outputs.routerConfigSha256).toBe(applyAfter.SY_CONFIG_SHA256);
    });

    test("a flip re-runs the gate of the colour that gains traffic", async () => {
        const before = await runProgram(baseConfig());
        const after = await runProgram(
            withConfig((c) => {
                c.activeColor = "green";
            }),
        );
        const env = (r: RunResult, color: string) =>
            JSON.parse((r.one("command:local:Command", `gate-${color}-check`).inputs.environment as Record<string, string>).SY_GATE);
        expect(env(before, "green").trafficPermille).toBe(0);
        expect(env(after, "green").trafficPermille).toBe(1000);
        expect(env(after, "green").targets.map((t: { name: string }) => t.name)).toEqual(["local-app-green-1", "local-app-green-2"]);
    });

    test("a new version of one colour changes only that colour's containers and release clock", async () => {
        const before = await runProgram(baseConfig());
        const after = await runProgram(
            withConfig((c) => {
                c.colors = { blue: { version: "1.0.0" }, green: { version: "1.2.0" } };
            }),
        );
        const view = (r: RunResult, color: string) =>
            r
                .byType("docker:index/container:Container")
                .filter((x) => x.name.startsWith(`app-${color}`))
                .map((x) => x.inputs);
        expect(view(after, "blue")).toEqual(view(before, "blue"));
        expect(view(after, "green")).not.toEqual(view(before, "green"));
        expect(after.one("command:local:Command", "release-green-clock").inputs.triggers).toEqual(["1.2.0"]);
        expect(after.one("command:local:Command", "release-blue-clock").inputs.triggers).toEqual(["1.0.0"]);
    });
});

describe("the canary header", () => {
    const applied = (r: RunResult) => {
        const env = r.one(T.command, "routing-apply").inputs.environment as Record<string, string>;
        return Buffer.from(env.SY_CONFIG_B64, "base64").toString("utf8");
    };

    test("without a value: a random 32-character secret, in the router config and the canaryHeader output only", async () => {
        const r = await runProgram(withConfig((c) => ((c.canary as Config).header = { name: "X-Switchyard-Canary" })));
        const passwords = r.byType("random:index/randomPassword:RandomPassword");
        expect(passwords.map((p) => [p.name, p.inputs.length, p.inputs.special])).toEqual([["routing-header-value", 32, false]]);
        expect(passwords[0].parent).toBe(r.one(T.routing, "routing").urn);
        const { value } = r.outputs.canaryHeader as { name: string; value: string };
        expect(value).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(r.outputs.canaryHeader).toEqual({ name: "X-Switchyard-Canary", value });
        expect(applied(r)).toContain(value);
        expect(applied(r)).not.toContain('"always"');
        // The config carries the key, so it travels as a secret; its hash stays a plain output.
        const raw = r.one(T.command, "routing-apply").rawInputs.environment as Record<string, unknown>;
        expect(Object.keys(raw.SY_CONFIG_B64 as object)).toEqual([SECRET_SIG, "value"]);
        expect(r.outputs.routerConfigSha256).toMatch(/^[0-9a-f]{64}$/);
    });

    test("a configured value is used as it is, and nothing random is made", async () => {
        const r = await runProgram(baseConfig());
        expect(r.byType("random:index/randomPassword:RandomPassword")).toHaveLength(0);
        expect(r.outputs.canaryHeader).toEqual({ name: "X-Switchyard-Canary", value: "always" });
        expect(applied(r)).toContain("always");
    });

    test("no header: no header routing and a null output", async () => {
        const r = await runProgram(withConfig((c) => delete (c.canary as Config).header));
        expect(r.outputs.canaryHeader).toBeNull();
        expect(r.byType("random:index/randomPassword:RandomPassword")).toHaveLength(0);
    });
});

describe("preview (dry run)", () => {
    test("registers the same graph; values only known after apply are unknown, config values are known", async () => {
        const up = await runProgram(baseConfig());
        const preview = await runProgram(baseConfig(), { dryRun: true });
        expect(preview.resources.map((x) => `${x.type}/${x.name}`).sort()).toEqual(up.resources.map((x) => `${x.type}/${x.name}`).sort());
        expect(preview.outputs.activeColor).toBe("blue");
        expect(preview.outputs.versions).toEqual({ blue: "1.0.0", green: "1.1.0" });
        expect(preview.outputs.routerUrl).toBe("http://127.0.0.1:18080");
        // The mocks answer with state even in preview, so the sha is computed from mocked IPs.
        expect(preview.outputs.routerConfigSha256 === UNKNOWN || /^[0-9a-f]{64}$/.test(String(preview.outputs.routerConfigSha256))).toBe(
            true,
        );
    });
});

describe("invalid config", () => {
    test("fails before any resource is registered, listing every problem", async () => {
        const bad = withConfig((c) => {
            c.activeColor = "purple";
            c.canary = { weight: 150 };
            c.colors = { blue: { version: "latest" }, green: { version: "1.1.0" } };
        });
        let registered = -1;
        await expect(
            runProgram(bad).then((r) => {
                registered = r.resources.length;
            }),
        ).rejects.toThrow(
            /switchyard:activeColor: must be 'blue' or 'green' \(got "purple"\)[\s\S]*switchyard:colors\.blue\.version: 'latest' is a floating tag[\s\S]*switchyard:canary\.weight: must be from 0 to 100/,
        );
        expect(registered).toBe(-1);
    });

    test("a secret env set in plain text is refused, without echoing its value", async () => {
        await expect(runProgram(baseConfig(), { secretKeys: [] })).rejects.toThrow(
            /switchyard:secretEnv: is stored in plain text; secret env values must be Pulumi secrets/,
        );
        await expect(runProgram(baseConfig(), { secretKeys: [] })).rejects.not.toThrow(/hunter2/);
    });
});

describe("docker.hosts", () => {
    const ssh = "ssh://deploy@10.0.0.5";

    test("a list of one deploys exactly as docker.host with that endpoint: same resources, names and provider", async () => {
        const single = await runProgram(withConfig((c) => (c.docker = { host: ssh })));
        const listed = await runProgram(withConfig((c) => (c.docker = { hosts: [{ name: "web-1", host: ssh, labels: { rack: "a" } }] })));
        expect(listed.resources.map((x) => `${x.type}::${x.name}`).sort()).toEqual(
            single.resources.map((x) => `${x.type}::${x.name}`).sort(),
        );
        expect(listed.one(T.provider, "host-provider").inputs.host).toBe(ssh);
        expect(single.one(T.provider, "host-provider").inputs.host).toBe(ssh);
    });

    describe("three hosts", () => {
        const three = [
            { name: "web-1", host: ssh },
            { name: "web-2", host: "ssh://deploy@10.0.0.6" },
            { name: "web-3", host: "ssh://deploy@10.0.0.7", labels: { rack: "b" } },
        ];
        let single: RunResult;
        let r: RunResult;
        beforeAll(async () => {
            // One program at a time: the mocks are the process's.
            single = await runProgram(withConfig((c) => (c.docker = { host: ssh })));
            r = await runProgram(
                withConfig((c) => {
                    c.docker = { hosts: three };
                    c.canary = { weight: 0, header: { name: "X-Switchyard-Canary" } };
                }),
            );
        });

        test("every host runs both colours and its own router; the first keeps the single-host names", () => {
            expect(counts(r)).toEqual({
                [T.host]: 3,
                [T.provider]: 3,
                [T.network]: 3,
                [T.router]: 3,
                [T.image]: 9,
                [T.volume]: 3,
                [T.container]: 15,
                [T.release]: 1,
                [T.hostRelease]: 2,
                [T.stamp]: 2,
                [T.colorStack]: 6,
                [T.gate]: 6,
                [T.routing]: 3,
                [T.fence]: 6,
                [T.command]: 17, // 2 release clocks (once per stack), and per host 2 gates, 2 fences, 1 routing apply
                "random:index/randomPassword:RandomPassword": 1,
            });
            const firstHost = r.resources.filter((x) => !x.name.includes("@")).map((x) => `${x.type}::${x.name}`);
            expect(firstHost.filter((n) => !n.startsWith("random:")).sort()).toEqual(
                single.resources.map((x) => `${x.type}::${x.name}`).sort(),
            );
            for (const h of three.slice(1)) {
                expect(r.one(T.provider, `host@${h.name}-provider`).inputs.host).toBe(h.host);
                expect(r.one(T.container, `router@${h.name}-container`).inputs.name).toBe("local-router");
                for (const c of ["blue", "green"]) {
                    for (const replica of [1, 2]) {
                        expect(r.one(T.container, `release@${h.name}-app-${c}-${replica}`).inputs.name).toBe(`local-app-${c}-${replica}`);
                    }
                }
            }
        });

        test("every router gets the same routing, the canary header's value included; the outputs list the hosts", () => {
            const applies = r.byType(T.command).filter((x) => x.name.endsWith("-apply"));
            expect(applies.map((x) => x.name).sort()).toEqual(["routing-apply", "routing@web-2-apply", "routing@web-3-apply"]);
            const env = (x: (typeof applies)[number]) => x.inputs.environment as Record<string, string>;
            const hashes = new Set(applies.map((x) => env(x).SY_CONFIG_SHA256));
            expect(hashes.size).toBe(3); // each router's upstreams are its own host's containers
            const { value } = r.outputs.canaryHeader as { value: string };
            expect(value).toMatch(/^[A-Za-z0-9]{32}$/);
            for (const x of applies) {
                expect(Buffer.from(env(x).SY_CONFIG_B64, "base64").toString("utf8")).toContain(`"${value}"`);
            }
            expect(r.outputs.excludedHosts).toEqual([]);
            expect((r.outputs.hosts as { name: string; routerUrl: string }[]).map((h) => [h.name, h.routerUrl])).toEqual([
                ["web-1", "http://127.0.0.1:18080"],
                ["web-2", "http://127.0.0.1:18080"],
                ["web-3", "http://127.0.0.1:18080"],
            ]);
            expect(single.outputs.hosts).toBeUndefined();
        });
    });
});

describe("a Docker host over tcp", () => {
    const CA = "-----BEGIN CERTIFICATE-----\nMIIBca-tls-material\n-----END CERTIFICATE-----\n";
    const CERT = "-----BEGIN CERTIFICATE-----\nMIIBcert-tls-material\n-----END CERTIFICATE-----\n";
    const KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcCkey-tls-material\n-----END EC PRIVATE KEY-----\n";
    const tcp = (c: Config) => {
        c.docker = { host: "tcp://10.0.0.5:2376" };
    };

    test("the provider gets the TLS material (dockerTls) only as Pulumi secrets", async () => {
        const r = await runProgram(
            withConfig((c) => {
                tcp(c);
                c.dockerTls = { caCert: CA, cert: CERT, key: KEY };
                // Every kind of host-side step: gates, router apply, Prometheus apply, backup, migration.
                c.monitoring = { enabled: true };
                c.backup = { target: { type: "local", root: "/var/backups/shop" }, volumes: [{ name: "data", volume: "shop-data" }] };
                c.migration = { command: ["npm", "run", "migrate"] };
            }),
            { secretKeys: ["secretEnv", "dockerTls"] },
        );
        const provider = r.byType(T.provider)[0];
        expect(provider.inputs.host).toBe("tcp://10.0.0.5:2376");
        expect(provider.rawInputs.caMaterial).toEqual({ [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value: CA });
        expect(provider.rawInputs.certMaterial).toEqual({ [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value: CERT });
        expect(provider.rawInputs.keyMaterial).toEqual({ [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value: KEY });
        expect(JSON.stringify(r.outputs)).not.toContain("tls-material");
        // The host-side steps (local Commands that run `docker`) get it too, in their environment as
        // secrets, run by runtime/docker-tls.js; no other resource carries it.
        const steps = r.resources.filter((y) => y.type === "command:local:Command" && JSON.stringify(y.inputs).includes("DOCKER_HOST"));
        expect(steps.map((x) => x.name).sort()).toEqual([
            "backup-blue-snapshot",
            "backup-green-snapshot",
            "fence-blue-step",
            "fence-green-step",
            "gate-blue-check",
            "gate-green-check",
            "migration-blue-run",
            "migration-green-run",
            "monitoring-prometheus-apply",
            "routing-apply",
        ]);
        for (const x of steps) {
            const env = x.rawInputs.environment as Record<string, unknown>;
            const secretVar = (name: string) => SECRET_SIG in env || (env[name] as Record<string, unknown>)?.[SECRET_SIG] !== undefined;
            expect(["SWITCHYARD_DOCKER_TLS_CA", "SWITCHYARD_DOCKER_TLS_CERT", "SWITCHYARD_DOCKER_TLS_KEY"].every(secretVar)).toBe(true);
            expect((x.inputs.environment as Record<string, string>).SWITCHYARD_DOCKER_TLS_KEY).toBe(KEY);
            for (const c of [x.inputs.create, x.inputs.update]) {
                expect(c).toMatch(/^node runtime\/docker-tls\.js sh -c '/);
                expect(c).not.toContain("tls-material");
            }
        }
        for (const x of r.resources.filter((y) => y.type !== T.provider && !steps.includes(y))) {
            expect(JSON.stringify(x.inputs)).not.toContain("tls-material");
        }
    });

    test("without TLS the steps' commands and environment are as before (no change for existing stacks)", async () => {
        const r = await runProgram(baseConfig());
        const apply = r.one("command:local:Command", "routing-apply");
        expect(apply.inputs.create).toBe("sh runtime/router-apply.sh");
        expect(Object.keys(apply.inputs.environment as object).filter((k) => k.startsWith("SWITCHYARD_DOCKER_TLS"))).toEqual([]);
    });

    test("without a CA the provider gets no caMaterial", async () => {
        const r = await runProgram(
            withConfig((c) => {
                tcp(c);
                c.dockerTls = { cert: CERT, key: KEY };
            }),
            { secretKeys: ["secretEnv", "dockerTls"] },
        );
        const provider = r.byType(T.provider)[0];
        expect(provider.inputs.caMaterial).toBeUndefined();
        expect(provider.rawInputs.keyMaterial).toEqual({ [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value: KEY });
    });

    test("plain tcp is refused unless docker.insecure, and then the provider has no material", async () => {
        await expect(runProgram(withConfig(tcp))).rejects.toThrow(/switchyard:docker\.host: tcp:\/\/10\.0\.0\.5:2376 has no TLS/);
        const r = await runProgram(
            withConfig((c) => {
                c.docker = { host: "tcp://10.0.0.5:2375", insecure: true };
            }),
        );
        const provider = r.byType(T.provider)[0];
        expect(Object.keys(provider.inputs).filter((k) => k.endsWith("Material"))).toEqual([]);
    });

    test("TLS material set in plain text is refused without echoing it", async () => {
        const run = runProgram(
            withConfig((c) => {
                tcp(c);
                c.dockerTls = { cert: CERT, key: KEY };
            }),
        );
        await expect(run).rejects.toThrow(/switchyard:dockerTls: is stored in plain text/);
        await expect(run).rejects.not.toThrow(/tls-material/);
    });
});

describe("policy facts (policies/facts.ts), known at preview", () => {
    test("a release reports the previous version from the stack's last outputs; a re-run reports no change", async () => {
        const first = await runProgram(baseConfig(), { dryRun: true });
        expect(first.outputs.deploymentWindowOverride).toBeNull();
        const cfg = { ...baseConfig(), colors: { blue: { version: "1.0.0" }, green: { version: "1.2.0" } } };
        const r = await runProgram(cfg, { dryRun: true, previousOutputs: { versions: { blue: "1.0.0", green: "1.1.0" } } });
        const stamp = (color: string) => r.one("switchyard:release:ReleaseStamp", `release-${color}`);
        // Inputs hold only stable facts, so a preview after the release shows no change.
        expect(stamp("green").inputs).toEqual({ color: "green", version: "1.2.0" });
        const router = r.one("switchyard:routing:CanaryRouter", "routing");
        expect(router.inputs).toEqual({ activeColor: "blue", canaryPermille: 0, weights: { blue: 100, green: 0 } });
        const app = r.one("switchyard:app:ColorStack", "app-green");
        expect(app.inputs).toEqual({
            color: "green",
            version: "1.2.0",
            plainEnvNames: ["LOG_LEVEL", "SWITCHYARD_COLOR", "SWITCHYARD_DEPLOYMENT_ID", "SWITCHYARD_VERSION"],
            secretEnvNames: ["DB_PASSWORD"],
        });
    });

    test("an emergency override of the deployment window is a stack output with its reason", async () => {
        const r = await runProgram({
            ...baseConfig(),
            deploymentWindow: { override: { reason: "INC-42 payment outage, approved by dana" } },
        });
        expect(r.outputs.deploymentWindowOverride).toEqual({ reason: "INC-42 payment outage, approved by dana" });
        await expect(runProgram({ ...baseConfig(), deploymentWindow: { override: { reason: "  " } } })).rejects.toThrow(
            /switchyard:deploymentWindow\.override\.reason: must say why in at least 8 characters/,
        );
    });
});

describe("the live colour under mocks", () => {
    const released = async () => (await runProgram(baseConfig())).outputs;

    test("a version change on the active colour is refused before any resource is registered", async () => {
        const previousOutputs = await released();
        const cfg = withConfig((c) => (c.colors = { blue: { version: "1.0.1" }, green: { version: "1.1.0" } }));
        await expect(runProgram(cfg, { previousOutputs })).rejects.toThrow(
            /switchyard: colors\.blue\.version: 1\.0\.0 -> 1\.0\.1 on blue, the live colour .*nothing was changed.*set colors\.green\.version 1\.0\.1 instead/,
        );
    });

    test("the emergency override allows it and is recorded in the outputs", async () => {
        const previousOutputs = await released();
        const cfg = withConfig(
            (c) =>
                (c.colors = {
                    blue: { version: "1.0.1", emergencyOverride: { reason: "INC-7 approved by dana" } },
                    green: { version: "1.1.0" },
                }),
        );
        const r = await runProgram(cfg, { previousOutputs });
        expect(r.outputs.liveColor).toMatchObject({ live: "blue", emergencyOverride: { color: "blue", reason: "INC-7 approved by dana" } });
        expect(r.one(T.container, "app-blue-1").inputs.labels).toContainEqual({ label: "switchyard.version", value: "1.0.1" });
    });

    test("a shared env, resources and secret change reaches the idle colour only; the live one keeps its released spec", async () => {
        const previousOutputs = await released();
        const cfg = withConfig((c) => {
            c.app = { ...(c.app as object), env: { LOG_LEVEL: "debug" }, resources: { cpus: 1, memoryMb: 192 } };
            c.secretEnv = { DB_PASSWORD: "rotated-secret" };
        });
        const r = await runProgram(cfg, { previousOutputs });
        const blue = r.one(T.container, "app-blue-1").inputs;
        const green = r.one(T.container, "app-green-1").inputs;
        expect([blue.memory, blue.cpus]).toEqual([256, "0.5"]);
        expect(blue.envs).toEqual(expect.arrayContaining(["LOG_LEVEL=info", "DB_PASSWORD=hunter2-not-in-state"]));
        expect([green.memory, green.cpus]).toEqual([192, "1.0"]);
        expect(green.envs).toEqual(expect.arrayContaining(["LOG_LEVEL=debug", "DB_PASSWORD=rotated-secret"]));
        expect(r.outputs.liveColor).toEqual({
            live: "blue",
            pinned: { blue: true, green: false },
            pending: { blue: ["env.LOG_LEVEL", "resources"], green: [] },
            touched: { blue: [], green: ["env.LOG_LEVEL", "resources"] },
            emergencyOverride: null,
        });
        expect((r.outputs.colorSpecs as Record<string, { env: unknown }>).blue.env).toEqual({ LOG_LEVEL: "info" });
        expect(r.secretOutputs).toContain("colorSecretEnv");

        // Rolled: the live colour takes the config too.
        const rolled = await runProgram(
            withConfig((c) => {
                c.app = { ...(c.app as object), env: { LOG_LEVEL: "debug" } };
                c.colors = { blue: { version: "1.0.0", roll: true }, green: { version: "1.1.0" } };
            }),
            { previousOutputs },
        );
        expect(rolled.one(T.container, "app-blue-1").inputs.envs).toContain("LOG_LEVEL=debug");
    });
});

describe("the route fence under mocks", () => {
    test("each colour's containers wait for its fence; the routing apply takes both fences' stamps", async () => {
        const r = await runProgram(baseConfig());
        for (const c of ["blue", "green"]) {
            const fence = r.one(T.command, `fence-${c}-step`);
            expect(fence.inputs.create).toBe("node runtime/router-fence.js create");
            expect(fence.inputs.update).toBe("node runtime/router-fence.js fence");
            expect((fence.inputs.environment as Record<string, string>).SY_COLOR).toBe(c);
            for (const replica of [1, 2]) {
                expect(r.one(T.container, `app-${c}-${replica}`).dependencies).toContain(fence.urn);
            }
        }
        expect(Object.keys(r.one(T.command, "routing-apply").inputs.environment as object)).toContain("SY_FENCES");
    });
});

describe("the idle colour's scale-down under mocks", () => {
    const longAgo = "2020-01-01T00:00:00.000Z";
    const scaledOutputs = async (cfg: Config) => {
        const out = (await runProgram(cfg)).outputs;
        // As an update long after the previous one left green idle would find it.
        const colorScale = out.colorScale as Record<string, Record<string, unknown>>;
        return { ...out, colorScale: { ...colorScale, green: { ...colorScale.green, idleSince: longAgo } } };
    };
    const containersOf = (r: RunResult, c: string) => r.resources.filter((x) => x.type === T.container && x.name.startsWith(`app-${c}-`));

    test("inside the delay both colours run all replicas, and the output says when the idle one drops", async () => {
        const r = await runProgram(baseConfig());
        expect(containersOf(r, "green")).toHaveLength(2);
        expect(r.outputs.colorScale).toMatchObject({
            blue: { state: "live", replicas: 2, idleSince: null, scaleDownAt: null },
            green: { state: "warm", replicas: 2 },
        });
    });

    test.each([
        [1, ["app-green-1"]],
        [0, []],
    ])("after the delay the idle colour runs app.idleReplicas %i; the live colour keeps all", async (idle, names) => {
        const cfg = withConfig((c) => ((c.app as Record<string, unknown>).idleReplicas = idle));
        const r = await runProgram(cfg, { previousOutputs: await scaledOutputs(cfg) });
        expect(containersOf(r, "green").map((x) => x.name)).toEqual(names);
        expect(containersOf(r, "blue").map((x) => x.name)).toEqual(["app-blue-1", "app-blue-2"]);
        expect(r.outputs.colorScale).toMatchObject({ green: { state: "scaled-down", replicas: idle, idleSince: longAgo } });
        const gate = JSON.parse((r.one(T.command, "gate-green-check").inputs.environment as Record<string, string>).SY_GATE);
        // The gate names its replicas only when there are none (nothing to check).
        expect([gate.replicas, gate.targets.length, gate.trafficPermille]).toEqual([idle === 0 ? 0 : undefined, idle, 0]);
    });

    test("a flip to the scaled-down colour brings it back to all replicas, gated at its new share before the routing apply", async () => {
        const cfg = withConfig((c) => ((c.app as Record<string, unknown>).idleReplicas = 0));
        const previousOutputs = await scaledOutputs(cfg);
        const r = await runProgram(
            withConfig((c) => {
                (c.app as Record<string, unknown>).idleReplicas = 0;
                c.activeColor = "green";
            }),
            { previousOutputs },
        );
        expect(containersOf(r, "green").map((x) => x.name)).toEqual(["app-green-1", "app-green-2"]);
        expect(r.outputs.colorScale).toMatchObject({ green: { state: "live", replicas: 2 }, blue: { state: "warm", replicas: 2 } });
        const gate = r.one(T.command, "gate-green-check");
        const spec = JSON.parse((gate.inputs.environment as Record<string, string>).SY_GATE);
        expect([spec.replicas, spec.targets.length, spec.trafficPermille]).toEqual([undefined, 2, 1000]);
        expect(r.one(T.command, "routing-apply").dependencies).toContain(gate.urn);
    });
});
