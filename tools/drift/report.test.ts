import { checkDrift, DriftDeps, renderDrift } from "./report";
import { SIG_KEY } from "../lib/secrets";
import { renderRouterConfig } from "../../components/routing/nginxConfig";

const PASSWORD = "pw-do-not-leak-7f3a";
const secret = (plaintext: string) => ({ [SIG_KEY]: "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(plaintext) });
const prefix = "urn:pulumi:e2e::switchyard::switchyard:app:ColorStack";

const config = renderRouterConfig({
    stack: "e2e",
    activeColor: "blue",
    canaryPermille: 0,
    versions: { blue: "1.0.0", green: "1.1.0" },
    upstreams: { blue: [{ name: "b", address: "10.0.0.2", port: 8080 }], green: [{ name: "g", address: "10.0.0.3", port: 8080 }] },
    statusPath: "/_switchyard/status",
    runtime: { listen: "127.0.0.1:8081", pidFile: "/p", accessLog: "/a", errorLog: "/e", tempDir: "/t", workerProcesses: 1 },
});

/** What `stack.exportStack()` returns: secrets in plain text (in env, a label and a stack output). */
function exported() {
    return {
        version: 3,
        deployment: {
            resources: [
                {
                    urn: "urn:pulumi:e2e::switchyard::pulumi:pulumi:Stack::switchyard-e2e",
                    type: "pulumi:pulumi:Stack",
                    outputs: { routerConfigSha256: config.sha256, routerContainer: "e2e-router", dbPassword: secret(PASSWORD) },
                },
                {
                    urn: "urn:pulumi:e2e::switchyard::pulumi:providers:docker::docker",
                    type: "pulumi:providers:docker",
                    inputs: { host: "unix:///var/run/docker.sock" },
                },
                {
                    urn: `${prefix}$docker:index/container:Container::app-blue-1`,
                    type: "docker:index/container:Container",
                    id: "c1",
                    outputs: {
                        name: "e2e-app-blue-1",
                        image: "sha256:aaaa111122223333",
                        envs: [secret(`DB_PASSWORD=${PASSWORD}`)],
                        labels: [
                            { label: "switchyard.color", value: "blue" },
                            { label: "switchyard.db", value: secret(PASSWORD) },
                        ],
                    },
                },
                {
                    urn: `${prefix}$command:local:Command::routing-apply`,
                    type: "command:local:Command",
                    outputs: { stdout: secret(PASSWORD) },
                },
            ],
        },
    };
}

function deps(patch: Partial<DriftDeps> = {}): DriftDeps & { marked: string[]; hosts: string[] } {
    const marked: string[] = [];
    const hosts: string[] = [];
    return {
        marked,
        hosts,
        exportState: async () => exported(),
        inspect: (host, name) => {
            hosts.push(host);
            return {
                Id: "c1",
                Image: "sha256:aaaa111122223333",
                State: { Running: name !== "e2e-app-blue-1", Status: "exited" },
                Config: { Labels: { "switchyard.color": "blue", "switchyard.db": "something-else" } },
            };
        },
        routerFile: () => config.text,
        routerServedSha: () => config.sha256,
        markForReapply: async (urn) => void marked.push(urn),
        ...patch,
    };
}

describe("drift report", () => {
    test("a secret in the export reaches neither the drift lines nor the JSON report", async () => {
        const d = deps();
        const report = await checkDrift("e2e", [], "", d);
        expect(report.drift).toBe(true);
        // The label in state is a secret: the drift line names it by its placeholder only.
        expect(report.items).toEqual([
            "container e2e-app-blue-1: not running (exited)",
            'container e2e-app-blue-1: label switchyard.db="something-else", state has "[secret]"',
        ]);
        for (const text of [renderDrift(report), JSON.stringify(report)]) {
            expect(text).not.toContain(PASSWORD);
            expect(text).not.toContain("1b47061264138c4ac30d75fd1eb44270");
        }
        expect(d.hosts).toEqual(["unix:///var/run/docker.sock"]);
    });

    test("no drift: the summary line", async () => {
        const report = await checkDrift(
            "e2e",
            [
                { op: "same", urn: "x" },
                { op: "refresh", urn: "y" },
            ],
            "",
            {
                ...deps(),
                exportState: async () => {
                    const e = exported();
                    (e.deployment.resources[2].outputs as { labels: unknown }).labels = [{ label: "switchyard.color", value: "blue" }];
                    return e;
                },
                inspect: () => ({
                    Id: "c1",
                    Image: "sha256:aaaa111122223333",
                    State: { Running: true, Status: "running" },
                    Config: { Labels: { "switchyard.color": "blue" } },
                }),
            },
        );
        expect(renderDrift(report)).toBe(
            `switchyard drift check, stack e2e: no drift (4 resources refreshed, 1 containers and the router config ${config.sha256.slice(0, 12)} checked live)\n`,
        );
    });

    test.each([
        ["the stack's configured status path", { routerStatusUrl: "http://127.0.0.1:18080/ops/status" }, "/ops/status"],
        ["the router image's default when the stack names none", {}, "/_switchyard/status"],
    ])("the served sha is read at %s", async (_what, outputs, expected) => {
        const paths: string[] = [];
        await checkDrift("e2e", [], "", {
            ...deps({ routerServedSha: (_h, _r, statusPath) => (paths.push(statusPath), config.sha256) }),
            exportState: async () => {
                const e = exported();
                Object.assign(e.deployment.resources[0].outputs as object, outputs);
                return e;
            },
        });
        expect(paths).toEqual([expected]);
    });

    test("planned steps and router drift: named, the routing apply step marked, and how to heal", async () => {
        const d = deps({
            routerFile: () => config.text.replace("keepalive_timeout 65s", "keepalive_timeout 5s"),
            inspect: () => undefined,
        });
        const step = { op: "create", urn: `${prefix}$docker:index/container:Container::app-blue-1` };
        const report = await checkDrift("e2e", [step, step], "", d);
        const text = renderDrift(report);
        expect(text.split("\n")).toEqual([
            "switchyard drift check, stack e2e: DRIFT",
            "  - refresh: app-blue-1 [docker:index/container:Container]: missing on the host: would be created",
            "  - container e2e-app-blue-1: not found on the host",
            expect.stringMatching(
                /^ {2}- router e2e-router: routing config file was edited by hand \(content sha [0-9a-f]{64}, state has [0-9a-f]{64}\)$/,
            ),
            "  - router: marked the routing apply step for re-apply; `pulumi up` restores the config in state",
            "Heal with: pulumi up --refresh --stack e2e",
            "",
        ]);
        expect(d.marked).toEqual([`${prefix}$command:local:Command::routing-apply`]);
    });

    test("when the routing apply step cannot be marked, the line says how to replace it", async () => {
        const d = deps({ routerServedSha: () => undefined, markForReapply: async () => "error: the stack is locked" });
        const report = await checkDrift("e2e", [], "", d);
        expect(report.items.slice(-1)).toEqual([
            `router: could not mark the routing apply step (error: the stack is locked); heal with pulumi up --replace '${prefix}$command:local:Command::routing-apply'`,
        ]);
    });

    test("a due scale-down of the idle colour is said plainly and is not drift; anything else still is", async () => {
        const colorScale = {
            blue: { state: "live", replicas: 2, idleSince: null, scaleDownAt: null },
            green: { state: "warm", replicas: 2, idleSince: "2026-01-01T10:00:00.000Z", scaleDownAt: "2026-01-01T10:00:20.000Z" },
        };
        const clean = {
            ...deps(),
            exportState: async () => {
                const e = exported();
                (e.deployment.resources[2].outputs as { labels: unknown }).labels = [{ label: "switchyard.color", value: "blue" }];
                Object.assign(e.deployment.resources[0].outputs as object, { colorScale });
                return e;
            },
            inspect: () => ({
                Id: "c1",
                Image: "sha256:aaaa111122223333",
                State: { Running: true, Status: "running" },
                Config: { Labels: { "switchyard.color": "blue" } },
            }),
        };
        const steps = [
            { op: "delete", urn: `${prefix}$docker:index/container:Container::app-green-2` },
            { op: "update", urn: `${prefix}$command:local:Command::gate-green-check`, diffReasons: ["environment"] },
            { op: "update", urn: `${prefix}$command:local:Command::routing-apply`, diffReasons: ["environment"] },
        ];
        const due = await checkDrift("e2e", steps, "", clean, Date.parse("2026-01-01T10:00:20.000Z"));
        expect(due.drift).toBe(false);
        expect(renderDrift(due).split("\n").slice(1)).toEqual([
            "scale-down due, not drift: green (idle since 2026-01-01T10:00:00.000Z; app.scaleDownDelay passed at 2026-01-01T10:00:20.000Z) still runs 2 replica(s): the next update (switchyard up) scales it to app.idleReplicas; the preview's app-green-2 [docker:index/container:Container]: would be deleted; gate-green-check [command:local:Command]: would be updated (environment); routing-apply [command:local:Command]: would be updated (environment)",
            "",
        ]);
        // Before its time the same steps are drift; and a deleted live container is drift at any time.
        const early = await checkDrift("e2e", steps, "", clean, Date.parse("2026-01-01T10:00:19.999Z"));
        expect([early.drift, early.items.length, early.scaleDownDue]).toEqual([true, 3, []]);
        const live = await checkDrift(
            "e2e",
            [...steps, { op: "delete", urn: `${prefix}$docker:index/container:Container::app-blue-2` }],
            "",
            clean,
            Date.parse("2026-01-01T10:00:20.000Z"),
        );
        expect(live.items).toEqual(["refresh: app-blue-2 [docker:index/container:Container]: would be deleted"]);
        expect(live.scaleDownDue).toHaveLength(1);
    });
});

describe("drift on a stack of several hosts", () => {
    const provider = (name: string) => `urn:pulumi:e2e::switchyard::switchyard:host:DockerHost$pulumi:providers:docker::${name}`;
    const container = (name: string, dockerName: string, providerUrn: string) => ({
        urn: `${prefix}$docker:index/container:Container::${name}`,
        type: "docker:index/container:Container",
        id: name,
        provider: `${providerUrn}::p-${name}`,
        outputs: { name: dockerName, image: "sha256:aaaa111122223333", labels: [{ label: "switchyard.color", value: "blue" }] },
    });
    const state = () => {
        const p1 = provider("host-provider");
        const p2 = provider("host@web-2-provider");
        return {
            deployment: {
                resources: [
                    {
                        urn: "urn:pulumi:e2e::switchyard::pulumi:pulumi:Stack::switchyard-e2e",
                        type: "pulumi:pulumi:Stack",
                        outputs: {
                            routerConfigSha256: config.sha256,
                            routerContainer: "e2e-router",
                            hosts: [
                                { name: "web-1", host: "ssh://root@h1", routerContainer: "e2e-router", routerConfigSha256: config.sha256 },
                                { name: "web-2", host: "ssh://root@h2", routerContainer: "e2e-router", routerConfigSha256: config.sha256 },
                            ],
                        },
                    },
                    { urn: p1, id: "p1", type: "pulumi:providers:docker", inputs: { host: "ssh://root@h1" } },
                    { urn: p2, id: "p2", type: "pulumi:providers:docker", inputs: { host: "ssh://root@h2" } },
                    { ...container("app-blue-1", "e2e-app-blue-1", p1), provider: `${p1}::p1` },
                    { ...container("release@web-2-app-blue-1", "e2e-app-blue-1", p2), provider: `${p2}::p2` },
                    { urn: `${prefix}$command:local:Command::routing-apply`, type: "command:local:Command" },
                    { urn: `${prefix}$command:local:Command::routing@web-2-apply`, type: "command:local:Command" },
                ],
            },
        };
    };

    test("each item names its host: containers by their provider, routers by the hosts output, planned steps by name", async () => {
        const asked: string[] = [];
        const d = deps({
            exportState: async () => state(),
            inspect: (host, name) => {
                asked.push(`${host} ${name}`);
                return host === "ssh://root@h2"
                    ? undefined
                    : {
                          Id: "c1",
                          Image: "sha256:aaaa111122223333",
                          State: { Running: true, Status: "running" },
                          Config: { Labels: { "switchyard.color": "blue" } },
                      };
            },
            routerServedSha: (host) => (host === "ssh://root@h2" ? "0".repeat(64) : config.sha256),
        });
        const report = await checkDrift(
            "e2e",
            [{ op: "create", urn: `${prefix}$docker:index/container:Container::release@web-2-app-blue-1` }],
            "",
            d,
        );
        expect(asked).toEqual(["ssh://root@h1 e2e-app-blue-1", "ssh://root@h2 e2e-app-blue-1"]);
        expect(report.items).toEqual([
            "host web-2: refresh: release@web-2-app-blue-1 [docker:index/container:Container]: missing on the host: would be created",
            "host web-2: container e2e-app-blue-1: not found on the host",
            `host web-2: router e2e-router: serves config sha ${"0".repeat(64)}, state has ${config.sha256}`,
            "host web-2: router: marked the routing apply step for re-apply; `pulumi up` restores the config in state",
        ]);
        expect(d.marked).toEqual([`${prefix}$command:local:Command::routing@web-2-apply`]);
    });
});
