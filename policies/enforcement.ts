/**
 * Enforcement per stack. Each stack has a policy config file `policies/config/<stack>.json` (enforcement
 * level per policy, plus policy settings such as the deployment window). The pack reads the stack name
 * the engine gives it and uses that file as its initial config, so a plain
 * `pulumi preview --policy-pack policies` gets the right levels; `--policy-pack-config <file>` still
 * overrides it (the engine applies the file over the initial config). A stack without a file gets the
 * pack default: advisory.
 */
import * as fs from "fs";
import * as path from "path";
import { EnforcementLevel, PolicyPackConfig } from "@pulumi/policy";

export const CONFIG_DIR = path.join(__dirname, "config");
const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** The stack the engine runs the pack for (PULUMI_NODEJS_STACK, set by the language host), if any. */
export function currentStack(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const s = env.PULUMI_NODEJS_STACK?.trim();
    return s ? s : undefined;
}

/** Reads and checks `config/<stack>.json`; undefined when the stack has no file. Throws on a bad file. */
export function stackPolicyConfig(stack: string | undefined, dir = CONFIG_DIR): PolicyPackConfig | undefined {
    // The engine passes the bare stack name; should it pass a fully qualified one (org/project/stack),
    // the stack is its last part. Each part must be a plain name, so no path leaves `dir`.
    const parts = stack?.split("/") ?? [];
    if (parts.length < 1 || parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9_.-]+$/.test(p) || p === "." || p === "..")) {
        return undefined;
    }
    const file = path.join(dir, `${parts[parts.length - 1]}.json`);
    if (!fs.existsSync(file)) {
        return undefined;
    }
    const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new Error(`${file}: must be a JSON object of policy name -> enforcement level or {enforcementLevel, ...settings}`);
    }
    for (const [name, v] of Object.entries(parsed as Record<string, unknown>)) {
        const level = typeof v === "string" ? v : (v as { enforcementLevel?: unknown } | null)?.enforcementLevel;
        if (level !== undefined && !LEVELS.includes(level as EnforcementLevel)) {
            throw new Error(`${file}: policy '${name}' has enforcement level ${JSON.stringify(level)}; use one of ${LEVELS.join(", ")}`);
        }
    }
    return parsed as PolicyPackConfig;
}
