import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { allPolicies, CONFIG_DIR, currentStack, stackPolicyConfig } from "./index";

const NAMES = [
    "pinned-image-versions",
    "app-healthcheck-required",
    "app-resource-limits",
    "canary-weight-bounds",
    "backup-before-release",
    "snapshot-bucket-hardened",
    "deployment-window",
    "no-plaintext-secrets",
];
const STACK_POLICIES = ["backup-before-release", "snapshot-bucket-hardened", "deployment-window"];

describe("the pack", () => {
    test("has exactly the eight kebab-case policies, each described", () => {
        expect(allPolicies.map((p) => p.name)).toEqual(NAMES);
        for (const p of allPolicies) {
            expect(p.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
            expect(p.description.length).toBeGreaterThan(30);
            expect(p.remediationSteps?.length ?? 0).toBeGreaterThan(20);
        }
    });
    test("stack policies validate the stack; the others validate resources (some also the stack)", () => {
        for (const p of allPolicies) {
            const v = p as { validateResource?: unknown; validateStack?: unknown };
            if (STACK_POLICIES.includes(p.name)) {
                expect(typeof v.validateStack).toBe("function");
                expect(v.validateResource).toBeUndefined();
            } else {
                expect(typeof v.validateResource).toBe("function");
            }
        }
    });
});

describe("enforcement per stack", () => {
    test.each([
        ["local", "advisory"],
        ["staging", "advisory"],
        ["production", "mandatory"],
    ])("%s: every policy %s", (stack, level) => {
        const cfg = stackPolicyConfig(stack) as Record<string, { enforcementLevel: string }>;
        expect(Object.keys(cfg).sort()).toEqual([...NAMES].sort());
        for (const name of NAMES) {
            expect(cfg[name].enforcementLevel).toBe(level);
        }
    });
    test("config files only hold settings the policies declare in their schema", () => {
        for (const file of fs.readdirSync(CONFIG_DIR)) {
            const cfg = JSON.parse(fs.readFileSync(path.join(CONFIG_DIR, file), "utf8")) as Record<string, Record<string, unknown>>;
            for (const [name, v] of Object.entries(cfg)) {
                const policy = allPolicies.find((p) => p.name === name);
                expect(policy).toBeDefined();
                const allowed = Object.keys(policy?.configSchema?.properties ?? {});
                for (const k of Object.keys(v)) {
                    expect(k === "enforcementLevel" || allowed.includes(k)).toBe(true);
                }
            }
        }
    });
    test("unknown stack or no stack: no initial config (pack default advisory)", () => {
        expect(stackPolicyConfig("policytest")).toBeUndefined();
        expect(stackPolicyConfig(undefined)).toBeUndefined();
        expect(stackPolicyConfig("../etc/passwd")).toBeUndefined();
    });
    test("a fully qualified stack name (org/project/stack) uses its last part", () => {
        expect(stackPolicyConfig("acme/switchyard/production")).toEqual(stackPolicyConfig("production"));
        expect(stackPolicyConfig("acme/switchyard/..")).toBeUndefined();
    });
    test("a bad level in a config file fails loudly", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sy-policy-"));
        fs.writeFileSync(path.join(dir, "x.json"), JSON.stringify({ "deployment-window": { enforcementLevel: "strict" } }));
        expect(() => stackPolicyConfig("x", dir)).toThrow(
            "policy 'deployment-window' has enforcement level \"strict\"; use one of advisory, mandatory, remediate, disabled",
        );
    });
    test("currentStack reads the engine's stack name", () => {
        expect(currentStack({ PULUMI_NODEJS_STACK: "production" })).toBe("production");
        expect(currentStack({})).toBeUndefined();
    });
});
