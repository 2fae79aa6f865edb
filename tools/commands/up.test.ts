import { plainOutputs, renderUp, UpReport } from "./up";

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
