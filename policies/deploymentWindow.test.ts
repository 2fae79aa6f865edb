import { makeDeploymentWindow } from "./deploymentWindow";
import { TYPES } from "./lib";
import { goodStack, Graph, messages, runStack, set, UNKNOWN_VALUE } from "../test/support/policies";

const FRIDAY = new Date("2026-11-27T15:00:00Z");
const WEDNESDAY = new Date("2026-11-25T11:00:00Z");
const run = (g: Graph, now: Date, config: object = {}) =>
    runStack(
        makeDeploymentWindow(() => now),
        g,
        config,
    );
const stackOutputs = (g: Graph) => g.get("switchyard-production")!;

describe("deployment-window (stack policy)", () => {
    test("known-good: a release inside the window passes", async () => {
        expect(await run(goodStack(), WEDNESDAY)).toEqual({ violations: [] });
    });
    test("a release on Friday afternoon without override is refused, with the next opening and the fix", async () => {
        expect(messages(await run(goodStack(), FRIDAY))).toEqual([
            "release green 1.0.0 -> 1.1.0: Fri 2026-11-27 15:00 UTC is outside the deployment window (Tue, Wed, Thu 10:00-14:00 UTC) and " +
                "no emergency override was given. Release when the window next opens, Tue 2026-12-01 10:00 UTC (2026-12-01T10:00:00.000Z), or declare " +
                "an emergency override with a non-empty reason: pulumi config set --path 'deploymentWindow.override.reason' '<incident and approver>' " +
                "(exported as stack output deploymentWindowOverride)",
        ]);
    });
    test("override with a reason in the stack outputs allows it", async () => {
        const g = goodStack();
        stackOutputs(g).props.deploymentWindowOverride = { reason: "INC-4711: data loss fix, approved by @ops-lead" };
        expect(await run(g, FRIDAY)).toEqual({ violations: [] });
    });
    test.each([[{ reason: "" }], [{ reason: "   " }], [{}], ["yes"]])("override %p without a reason is refused", async (override) => {
        const g = goodStack();
        stackOutputs(g).props.deploymentWindowOverride = override;
        expect(messages(await run(g, FRIDAY))[0]).toContain("an emergency override was given without a reason");
    });
    test("an override unknown at preview does not count, and says so", async () => {
        const g = goodStack();
        stackOutputs(g).props.deploymentWindowOverride = UNKNOWN_VALUE;
        expect(messages(await run(g, FRIDAY))[0]).toContain(
            "stack output deploymentWindowOverride is not known at preview; it must be a plain value",
        );
    });
    test("no version changes (a flip, a weight change, a rollback of routing): allowed any time", async () => {
        const g = set(goodStack(), "release-green", "versionChanged", false);
        expect(await run(g, FRIDAY)).toEqual({ violations: [] });
    });
    test("a colour's first deployment (no previous version) is not a release: allowed any time", async () => {
        const g = set(goodStack(), "release-green", "previousVersion", null);
        expect(await run(g, FRIDAY)).toEqual({ violations: [] });
    });
    test("window, time zone and hint come from policy config", async () => {
        const config = {
            days: ["fri"],
            start: "16:00",
            end: "18:00",
            timeZone: "Europe/Paris",
            overrideHint: "sy release --emergency 'why'",
        };
        expect(await run(goodStack(), FRIDAY, config)).toEqual({ violations: [] }); // 16:00 in Paris
        const late = messages(await run(goodStack(), new Date("2026-11-27T17:00:00Z"), config));
        expect(late[0]).toContain("Fri 2026-11-27 18:00 Europe/Paris is outside the deployment window (Fri 16:00-18:00 Europe/Paris)");
        expect(late[0]).toMatch(/: sy release --emergency 'why'$/);
    });
    test("an invalid window config is reported, not ignored", async () => {
        expect(messages(await run(goodStack(), WEDNESDAY, { timeZone: "Nowhere/Land" }))).toEqual([
            'the deployment-window policy config is invalid: timeZone must be an IANA time zone such as UTC or Europe/Paris (got "Nowhere/Land"). Fix policies/config/<stack>.json',
        ]);
    });
    test("a ReleaseStamp without facts makes the policy say what it cannot tell", async () => {
        const g = set(goodStack(), "release-green", "previousVersion", 7);
        expect(messages(await run(g, WEDNESDAY))).toEqual([
            "ReleaseStamp 'release-green' must expose the policy fact 'previousVersion' (the version before this update, or null on the first deployment) " +
                "as a plain value known at preview; got 7; without it the deployment window cannot tell whether this update is a release",
        ]);
    });
    test("the stack resource type is the root Stack", () => {
        expect(stackOutputs(goodStack()).type).toBe(TYPES.stack);
    });
});
