import { containerDrift, expectedContainers, plannedChanges, routerDrift } from "./drift";
import { renderRouterConfig } from "../../components/routing/nginxConfig";

const urn = (type: string, name: string) => `urn:pulumi:e2e::switchyard::switchyard:app:ColorStack$${type}::${name}`;

describe("drift check: pure parts", () => {
    test("planned changes of a refresh preview are named by resource and type; refresh/same steps are not drift", () => {
        expect(
            plannedChanges([
                { op: "refresh", urn: urn("docker:index/container:Container", "app-green-2") },
                { op: "same", urn: urn("docker:index/network:Network", "host-network") },
                { op: "create", urn: urn("docker:index/container:Container", "app-green-2") },
                { op: "update", urn: urn("command:local:Command", "gate-green-check"), diffReasons: ["environment"] },
                { op: "replace", urn: urn("docker:index/container:Container", "app-blue-1"), diffReasons: ["image"] },
                { op: "update", urn: urn("docker:index/container:Container", "app-blue-2"), diffReasons: ["mustRun"] },
                { op: "replace", urn: urn("docker:index/container:Container", "app-green-1"), diffReasons: ["mustRun"] },
            ]),
        ).toEqual([
            "app-green-2 [docker:index/container:Container]: missing on the host: would be created",
            "gate-green-check [command:local:Command]: would be updated (environment)",
            "app-blue-1 [docker:index/container:Container]: would be replaced (image)",
            "app-blue-2 [docker:index/container:Container]: stopped on the host: would be started",
            "app-green-1 [docker:index/container:Container]: stopped on the host: would be replaced by a new container",
        ]);
    });

    const expected = {
        urn: "u",
        name: "e2e-app-green-1",
        image: "sha256:aaaa111122223333",
        labels: { "switchyard.color": "green", "switchyard.version": "1.1.0" },
    };
    const live = (patch: object = {}) => ({
        Id: "x",
        Image: "sha256:aaaa111122223333",
        State: { Running: true, Status: "running" },
        Config: { Labels: { "switchyard.color": "green", "switchyard.version": "1.1.0", other: "x" } },
        ...patch,
    });

    test.each([
        ["identical", live(), []],
        ["missing", undefined, ["container e2e-app-green-1: not found on the host"]],
        ["stopped", live({ State: { Running: false, Status: "exited" } }), ["container e2e-app-green-1: not running (exited)"]],
        [
            "other image",
            live({ Image: "sha256:bbbb111122223333" }),
            ["container e2e-app-green-1: runs image sha256:bbbb11112222, state has sha256:aaaa11112222"],
        ],
        [
            "other version label",
            live({ Config: { Labels: { "switchyard.color": "green", "switchyard.version": "9.9.9" } } }),
            ['container e2e-app-green-1: label switchyard.version="9.9.9", state has "1.1.0"'],
        ],
    ])("container %s", (_n, l, want) => {
        expect(containerDrift(expected, l as never)).toEqual(want);
    });

    test("expected containers come from state outputs", () => {
        expect(
            expectedContainers([
                {
                    urn: "a",
                    type: "docker:index/container:Container",
                    outputs: { name: "n", image: "sha256:1", labels: [{ label: "k", value: "v" }] },
                },
                { urn: "b", type: "docker:index/network:Network", outputs: { name: "net" } },
            ]),
        ).toEqual([{ urn: "a", name: "n", image: "sha256:1", labels: { k: "v" } }]);
    });

    test("router: a hand edit, another config, and a stale served config are each named", () => {
        const spec = {
            stack: "e2e",
            activeColor: "blue" as const,
            canaryPermille: 0,
            versions: { blue: "1.0.0", green: "1.1.0" },
            upstreams: { blue: [{ name: "b", address: "10.0.0.2", port: 8080 }], green: [{ name: "g", address: "10.0.0.3", port: 8080 }] },
            statusPath: "/_switchyard/status",
            runtime: {
                listen: "127.0.0.1:8081",
                pidFile: "/p",
                accessLog: "/a",
                errorLog: "/e",
                tempDir: "/t",
                workerProcesses: 1 as const,
            },
        };
        const a = renderRouterConfig(spec);
        const b = renderRouterConfig({ ...spec, canaryPermille: 10 });
        expect(routerDrift("r", a.sha256, a.text, a.sha256)).toEqual([]);
        expect(routerDrift("r", a.sha256, a.text.replace("keepalive_timeout 65s", "keepalive_timeout 5s"), a.sha256)[0]).toMatch(
            /^router r: routing config file was edited by hand \(content sha [0-9a-f]{64}, state has /,
        );
        expect(routerDrift("r", a.sha256, b.text, b.sha256)).toEqual([
            `router r: routing config file is another config (content sha ${b.sha256}, state has ${a.sha256})`,
            `router r: serves config sha ${b.sha256}, state has ${a.sha256}`,
        ]);
        expect(routerDrift("r", a.sha256, undefined, undefined)).toEqual([
            "router r: no routing config file (/etc/switchyard/router/inner.conf)",
            `router r: serves config sha (no answer), state has ${a.sha256}`,
        ]);
    });
});
