import type { PolicyEvent } from "@pulumi/pulumi/automation";
import { formatChanges, formatPolicy, policyViolation, uniqueViolations } from "./summary";

describe("update summary from summary.resourceChanges", () => {
    test.each([
        [{ same: 42 }, "up to date: nothing changed"],
        [{}, "up to date: nothing changed"],
        [{ same: 40, create: 0 }, "up to date: nothing changed"],
        [{ same: 38, update: 2 }, "changes applied: 2 updated, 38 unchanged"],
        [
            { same: 30, delete: 1, replace: 2, create: 3, update: 4 },
            "changes applied: 3 created, 4 updated, 2 replaced, 1 deleted, 30 unchanged",
        ],
        [{ create: 41 }, "changes applied: 41 created"],
        [{ same: 1, "discard-replaced": 1 }, "changes applied: 1 discard-replaced, 1 unchanged"],
    ])("%j: %s", (changes, line) => {
        expect(formatChanges(changes)).toBe(line);
    });
});

describe("policy violations from policyEvent", () => {
    const event = (patch: Partial<PolicyEvent> = {}): PolicyEvent => ({
        resourceUrn: "urn:pulumi:local::switchyard::switchyard:app:ColorStack$docker:index/container:Container::app-green-1",
        message: "app-resource-limits: the container has no memory limit.\nSet app.resources.memoryMb.",
        color: "never",
        policyName: "app-resource-limits",
        policyPackName: "switchyard",
        policyPackVersion: "0.1.0",
        policyPackVersionTag: "0.1.0",
        enforcementLevel: "warning",
        ...patch,
    });

    test("name, level, resource and message on one line", () => {
        expect(formatPolicy(policyViolation(event()))).toBe(
            "policy app-resource-limits (advisory) on app-green-1: app-resource-limits: the container has no memory limit. Set app.resources.memoryMb. [switchyard@0.1.0]",
        );
        expect(
            formatPolicy(policyViolation(event({ enforcementLevel: "mandatory", resourceUrn: undefined, message: "outside the window" }))),
        ).toBe("policy app-resource-limits (mandatory): outside the window [switchyard@0.1.0]");
    });

    test("the same violation reported twice counts once", () => {
        const v = policyViolation(event());
        expect(uniqueViolations([v, { ...v }, { ...v, level: "mandatory" }, { ...v, resource: "app-green-2" }])).toEqual([
            v,
            { ...v, resource: "app-green-2" },
        ]);
    });
});
