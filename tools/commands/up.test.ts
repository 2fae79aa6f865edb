import { hostOf } from "../lib/urn";
import { excludeRefusal, hostRefusal, plainOutputs, renderUp, UpReport } from "./up";

const report = (patch: Partial<UpReport> = {}): UpReport => ({
    stack: "local",
    ok: true,
    resourceChanges: { same: 42 },
    summary: "up to date: nothing changed",
    policyViolations: [],
    outputs: {
        routerUrl: "http://127.0.0.1:18080",
        routerStatusUrl: "http://127.0.0.1:18080/_switchyard/status",
        activeColor: "blue",
        deploymentId: "local-1.1.0-20260101_000000",
    },
    ...patch,
});

describe("switchyard up: what it prints", () => {
    test("a second run: up to date, and the router's addresses", () => {
        expect(renderUp(report())).toBe(
            [
                "switchyard up, stack local: up to date: nothing changed",
                "router: http://127.0.0.1:18080   status: http://127.0.0.1:18080/_switchyard/status",
                "active colour: blue, deployment: local-1.1.0-20260101_000000",
                "",
            ].join("\n"),
        );
    });

    test("an internal status document: the command that reads it inside the router container", () => {
        const internal = report({
            outputs: {
                routerUrl: "http://127.0.0.1:18080",
                routerStatusUrl: "http://127.0.0.1:8081/_switchyard/status",
                routerContainer: "local-router",
                activeColor: "blue",
                deploymentId: "d",
            },
        });
        expect(renderUp(internal)).toContain(
            "router: http://127.0.0.1:18080   status: docker exec local-router curl -fsS http://127.0.0.1:8081/_switchyard/status",
        );
    });

    test("advisory violations are listed and said not to block; a failed update says so", () => {
        const v = {
            pack: "switchyard@0.1.0",
            policy: "app-resource-limits",
            level: "advisory" as const,
            resource: "app-green-1",
            message: "no memory limit",
        };
        expect(
            renderUp(report({ policyViolations: [v], summary: "changes applied: 2 updated, 40 unchanged", outputs: {} })).split("\n"),
        ).toEqual([
            "policy app-resource-limits (advisory) on app-green-1: no memory limit [switchyard@0.1.0]",
            "1 advisory policy violation(s) on stack local: reported, they did not block the update",
            "switchyard up, stack local: changes applied: 2 updated, 40 unchanged",
            "",
        ]);
        const m = { ...v, level: "mandatory" as const };
        expect(renderUp(report({ ok: false, policyViolations: [m] })).split("\n")).toEqual([
            "policy app-resource-limits (mandatory) on app-green-1: no memory limit [switchyard@0.1.0]",
            "switchyard up, stack local: the update failed",
            "",
        ]);
    });

    test("secret outputs are left out", () => {
        expect(plainOutputs({ a: { value: 1, secret: false }, b: { value: "[secret]", secret: true } })).toEqual({ a: 1 });
    });
});

describe("several hosts", () => {
    test.each([
        [["web-1", "web-2", "web-3"], [], undefined],
        [["web-1", "web-2", "web-3"], ["web-3"], undefined],
        [["web-1", "web-2", "web-3"], ["web-9"], "--exclude-host web-9: not a host of docker.hosts (web-1, web-2, web-3)"],
        [
            ["web-1", "web-2", "web-3"],
            ["web-1"],
            "--exclude-host web-1: the first host runs the once-per-stack steps (snapshot, migration, backup runner, monitoring) and cannot be left out",
        ],
        [["default"], ["web-2"], "--exclude-host web-2: not a host of docker.hosts (default)"],
    ])("hosts %j, --exclude-host %j: %s", (hosts, excluded, refusal) => {
        expect(excludeRefusal(hosts, excluded)).toBe(refusal);
    });

    test("a host that does not answer is refused, named, with the fix", () => {
        expect(
            hostRefusal("prod", [
                { name: "web-1", host: "ssh://deploy@10.0.0.5", ok: true },
                { name: "web-3", host: "ssh://deploy@10.0.0.7", ok: false, error: "no answer in 5 s" },
            ]),
        ).toBe(
            "stack prod: host web-3 (ssh://deploy@10.0.0.7) does not answer: no answer in 5 s. Nothing was changed. " +
                "Fix: bring it back, or release on the other hosts with --exclude-host web-3 (recorded in the output excludedHosts)",
        );
        expect(hostRefusal("prod", [{ name: "web-1", host: "ssh://deploy@10.0.0.5", ok: true }])).toBeUndefined();
    });

    test("the routers of every host are listed, and the hosts left out", () => {
        const text = renderUp({
            stack: "prod",
            ok: true,
            resourceChanges: { update: 2 },
            summary: "2 updated",
            policyViolations: [],
            outputs: {
                hosts: [
                    { name: "web-1", routerUrl: "http://10.0.0.5:8080" },
                    { name: "web-2", routerUrl: "http://10.0.0.6:8080" },
                ],
                excludedHosts: ["web-2"],
            },
        });
        expect(text).toContain("  host web-1: router http://10.0.0.5:8080\n  host web-2: router http://10.0.0.6:8080\n");
        expect(text).toContain("left out of this update, as they were: web-2\n");
    });
});

describe("hostOf", () => {
    test.each([
        ["router-container", undefined],
        ["router@web-2-container", "web-2"],
        ["release@web-2-app-blue-1", "web-2"],
        ["routing@web", "web"],
        ["routing@web-apply", "web"],
        ["host@web-22-provider", "web-22"],
        ["fence-blue@web-3-step", "web-3"],
    ])("%s: %s", (name, host) => {
        // Host names may share a prefix: the longest that fits wins.
        expect(hostOf(name, ["web", "web-2", "web-22", "web-3"])).toBe(host);
    });
});
