import { canaryWeightBounds } from "./canaryWeightBounds";
import { TYPES } from "./lib";
import { goodStack, Graph, messages, runResource, runStack, set, UNKNOWN_VALUE } from "../test/support/policies";

const router = (props: Record<string, unknown>) =>
    runResource(canaryWeightBounds, {
        type: TYPES.canaryRouter,
        name: "routing",
        parents: [TYPES.stack],
        props,
    });
const GOOD = { activeColor: "blue", canaryPermille: 100, weights: { blue: 90, green: 10 } };

describe("canary-weight-bounds: router inputs", () => {
    test("known-good weights pass (0%, 10%, 100%)", async () => {
        expect(messages(await router(GOOD))).toEqual([]);
        expect(messages(await router({ activeColor: "green", canaryPermille: 0, weights: { blue: 0, green: 100 } }))).toEqual([]);
        expect(messages(await router({ activeColor: "green", canaryPermille: 1000, weights: { blue: 100, green: 0 } }))).toEqual([]);
    });
    test.each([
        [
            { canaryPermille: 1200, weights: { blue: -20, green: 120 } },
            [
                "canary share 1200\u2030 is outside 0..1000\u2030 (0..100%); set canary.weight to a percentage from 0 to 100 (pulumi config set --path canary.weight 10)",
                "weight of blue -20 is outside 0..100; set canary.weight to a percentage from 0 to 100 (pulumi config set --path canary.weight 10)",
                "weight of green 120 is outside 0..100; set canary.weight to a percentage from 0 to 100 (pulumi config set --path canary.weight 10)",
            ],
        ],
        [
            { canaryPermille: -1 },
            [
                "canary share -1\u2030 is outside 0..1000\u2030 (0..100%); set canary.weight to a percentage from 0 to 100 (pulumi config set --path canary.weight 10)",
                "weight of the canary colour green (10%) disagrees with canaryPermille -1; the program must expose the weights it applies",
            ],
        ],
        [
            { weights: { blue: 90, green: 20 } },
            [
                "weights blue 90 + green 20 do not add up to 100; set canary.weight to a percentage from 0 to 100 (pulumi config set --path canary.weight 10)",
                "weight of the canary colour green (20%) disagrees with canaryPermille 100; the program must expose the weights it applies",
            ],
        ],
        [
            { activeColor: "purple" },
            [
                "CanaryRouter 'routing' must expose the policy fact 'activeColor' ('blue' or 'green') as a plain value known at preview; got \"purple\"",
            ],
        ],
        [
            { canaryPermille: undefined },
            [
                "CanaryRouter 'routing' must expose the policy fact 'canaryPermille' (a number 0..1000) as a plain value known at preview; got nothing",
            ],
        ],
        [
            { canaryPermille: UNKNOWN_VALUE },
            [
                "CanaryRouter 'routing' must expose the policy fact 'canaryPermille' (a number 0..1000) as a plain value known at preview; got (unknown until the update runs)",
            ],
        ],
    ])("breaking %p", async (patch, want) => {
        const props = Object.fromEntries(Object.entries({ ...GOOD, ...patch }).filter(([, v]) => v !== undefined));
        expect(messages(await router(props))).toEqual(want);
    });
});

describe("canary-weight-bounds: stack (gate of the idle colour before a non-zero canary)", () => {
    const run = (g: Graph) => runStack(canaryWeightBounds, g);
    test("known-good stack passes", async () => {
        expect(messages(await run(goodStack()))).toEqual([]);
    });
    test("gate spec unknown at preview (containers change): the gate runs in this update, passes", async () => {
        const g = set(goodStack(), "gate-green-check", "environment.SY_GATE", UNKNOWN_VALUE);
        set(g, "gate-green-check", "stdout", UNKNOWN_VALUE);
        expect(await run(g)).toEqual({ violations: [] });
    });
    test("router apply step not waiting for the green gate", async () => {
        const g = goodStack();
        g.get("routing-apply")!.dependsOn = ["gate-blue-check"];
        expect(messages(await run(g))).toEqual([
            "canary green gets 10% but the router's apply step does not wait for the green health gate (gate-green-check); " +
                "set canary.weight to 0 until the green health gate passes, or restore the gate (HealthGate 'gate-green') in front of the router",
        ]);
    });
    test("green gate checks another share than the router applies", async () => {
        const g = set(
            goodStack(),
            "gate-green-check",
            "environment.SY_GATE",
            JSON.stringify({ color: "green", version: "1.1.0", trafficPermille: 0 }),
        );
        expect(messages(await run(g))[0]).toContain('canary green gets 100\u2030 but its health gate checks colour "green" at 0\u2030');
    });
    test("green gate reported a failure", async () => {
        const g = set(goodStack(), "gate-green-check", "stdout", '{"color":"green","version":"1.1.0","ok":false,"checks":4}\n');
        expect(messages(await run(g))[0]).toContain("the green health gate did not pass");
    });
    test("no gate for green at all", async () => {
        const g = goodStack();
        g.delete("gate-green-check");
        g.get("routing-apply")!.dependsOn = ["gate-blue-check"];
        expect(messages(await run(g))[0]).toContain("canary green gets 10% but the stack has no health gate for green");
    });
    test("a zero canary needs no gate", async () => {
        const g = set(goodStack(), "routing", "canaryPermille", 0);
        set(g, "routing", "weights", { blue: 100, green: 0 });
        g.get("routing-apply")!.dependsOn = [];
        expect(messages(await run(g))).toEqual([]);
    });
});
