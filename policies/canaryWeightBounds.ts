import { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { COLORS } from "../domain/color";
import { PERMILLE } from "../domain/weights";
import { RouterFacts, routerFacts, withFacts } from "./facts";
import { childrenOf, colorOf, known, ofType, peek, show, TYPES, UNKNOWN } from "./lib";

/** Problems with the weights a router is about to apply (bounds and consistency). */
export function weightProblems(f: RouterFacts): string[] {
    const fix = "set canary.weight to a percentage from 0 to 100 (pulumi config set --path canary.weight 10)";
    const problems: string[] = [];
    if (!Number.isInteger(f.canaryPermille) || f.canaryPermille < 0 || f.canaryPermille > PERMILLE) {
        problems.push(`canary share ${f.canaryPermille}\u2030 is outside 0..1000\u2030 (0..100%); ${fix}`);
    }
    if (f.weights) {
        for (const c of COLORS) {
            const w = f.weights[c];
            if (typeof w !== "number" || !Number.isFinite(w) || w < 0 || w > 100) {
                problems.push(`weight of ${c} ${show(w)} is outside 0..100; ${fix}`);
            }
        }
        const b = f.weights.blue;
        const g = f.weights.green;
        if (typeof b === "number" && typeof g === "number" && Math.abs(b + g - 100) > 0.05) {
            problems.push(`weights blue ${b} + green ${g} do not add up to 100; ${fix}`);
        }
        const canary = f.weights[f.canaryColor];
        if (typeof canary === "number" && Math.abs(canary * 10 - f.canaryPermille) > 0.5) {
            problems.push(
                `weight of the canary colour ${f.canaryColor} (${canary}%) disagrees with canaryPermille ${f.canaryPermille}; the program must expose the weights it applies`,
            );
        }
    }
    return problems;
}

interface GateSpec {
    color?: unknown;
    version?: unknown;
    trafficPermille?: unknown;
}

/** The health gate Command of a colour: the Command child of HealthGate "gate-<colour>". */
function gateCheck(resources: PolicyResource[], color: string): PolicyResource | undefined {
    const gate = ofType(resources, TYPES.healthGate).find((g) => colorOf(g, "gate") === color);
    return gate ? childrenOf(resources, gate, TYPES.command)[0] : undefined;
}

/**
 * Why a non-zero canary may not get traffic yet, or undefined when its gate is bound to this share: the
 * router's apply step depends on the canary colour's gate, and the gate checks exactly this colour at
 * exactly this share (so a change of share, version or containers re-runs the gate in this update
 * before the router changes), and the gate did not report a failure.
 */
export function gateProblem(resources: PolicyResource[], router: PolicyResource, f: RouterFacts): string | undefined {
    const c = f.canaryColor;
    const fix = `set canary.weight to 0 until the ${c} health gate passes, or restore the gate (HealthGate 'gate-${c}') in front of the router`;
    const check = gateCheck(resources, c);
    if (!check) {
        return `canary ${c} gets ${f.canaryPermille / 10}% but the stack has no health gate for ${c}; ${fix}`;
    }
    const applies = childrenOf(resources, router, TYPES.command);
    const ungated = applies.filter((a) => !a.dependencies.some((d) => d.urn === check.urn || d.urn === check.parent?.urn));
    if (applies.length === 0 || ungated.length > 0) {
        return `canary ${c} gets ${f.canaryPermille / 10}% but the router's apply step does not wait for the ${c} health gate (${check.name}); ${fix}`;
    }
    const env = known(() => (check.props.environment as Record<string, unknown> | undefined)?.SY_GATE);
    if (env !== UNKNOWN) {
        // Known: the gate's inputs did not change, or the program computed them without unknowns.
        let spec: GateSpec;
        try {
            spec = JSON.parse(String(env)) as GateSpec;
        } catch {
            return `the ${c} health gate's SY_GATE is not JSON (${show(env)}); the gate cannot be proven to cover the canary; ${fix}`;
        }
        if (spec.color !== c || spec.trafficPermille !== f.canaryPermille) {
            return (
                `canary ${c} gets ${f.canaryPermille}\u2030 but its health gate checks colour ${show(spec.color)} at ${show(spec.trafficPermille)}\u2030; ` +
                `the gate must check the share the router applies; ${fix}`
            );
        }
    }
    const stdout = peek(() => check.props.stdout as unknown);
    if (typeof stdout === "string" && stdout.trim() !== "") {
        const last = stdout.trim().split("\n").pop() ?? "";
        try {
            const summary = JSON.parse(last) as { ok?: unknown };
            if (summary.ok !== true) {
                return `the ${c} health gate did not pass (${last}); ${fix}`;
            }
        } catch {
            // not a summary line: the gate script's contract is checked by its own tests
        }
    }
    return undefined;
}

export const canaryWeightBounds: ResourceValidationPolicy & StackValidationPolicy = {
    name: "canary-weight-bounds",
    description:
        "Canary weights are between 0 and 100 and add up to 100; a non-zero canary only when the idle colour's health gate runs for that share in this update, before the router changes.",
    remediationSteps:
        "Set canary.weight (0..100). Keep HealthGate gate-<colour> in front of the router; set canary.weight to 0 while the idle colour is unhealthy.",
    severity: "high",
    validateResource: (args, report) => {
        if (args.type !== TYPES.canaryRouter) {
            return;
        }
        const f = routerFacts(args.props, `CanaryRouter '${args.name}'`);
        if (!f.ok) {
            report(f.problem);
            return;
        }
        weightProblems(f.facts).forEach((p) => report(p));
    },
    validateStack: (args, report: ReportViolation) => {
        for (const { resource: router, facts } of withFacts(args.resources, TYPES.canaryRouter, routerFacts, report)) {
            if (facts.canaryPermille > 0) {
                const p = gateProblem(args.resources, router, facts);
                if (p) {
                    report(p, router.urn);
                }
            }
        }
    },
};
