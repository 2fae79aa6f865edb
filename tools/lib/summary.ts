/** Lines from the engine's typed results: an update's resource changes and policy violations. */
import type { OpMap, PolicyEvent } from "@pulumi/pulumi/automation";
import { resourceName } from "./urn";

const PAST: Record<string, string> = {
    create: "created",
    update: "updated",
    replace: "replaced",
    delete: "deleted",
    import: "imported",
    same: "unchanged",
};
const ORDER = ["create", "update", "replace", "delete", "import"];

/** `summary.resourceChanges` as one line: "up to date: nothing changed" when only `same`. */
export function formatChanges(changes: OpMap): string {
    const counts = changeCounts(changes);
    return counts === undefined ? "up to date: nothing changed" : `changes applied: ${counts}`;
}

/** "3 created, 38 unchanged"; undefined when there is nothing but `same`. */
export function changeCounts(changes: OpMap): string | undefined {
    const counts = Object.entries(changes).filter(([, n]) => (n ?? 0) > 0) as [string, number][];
    if (counts.every(([op]) => op === "same")) {
        return undefined;
    }
    const rank = (op: string) => (op === "same" ? ORDER.length + 1 : ORDER.includes(op) ? ORDER.indexOf(op) : ORDER.length);
    return counts
        .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
        .map(([op, n]) => `${n} ${PAST[op] ?? op}`)
        .join(", ");
}

/** A typed policy violation, as the command reports it. */
export interface PolicyViolation {
    pack: string;
    policy: string;
    /** `advisory` (reported, never blocking) or `mandatory` (stops the update). */
    level: "advisory" | "mandatory";
    resource?: string;
    message: string;
}

export function policyViolation(e: PolicyEvent): PolicyViolation {
    return {
        pack: `${e.policyPackName}@${e.policyPackVersion}`,
        policy: e.policyName,
        level: e.enforcementLevel === "mandatory" ? "mandatory" : "advisory",
        ...(e.resourceUrn ? { resource: resourceName(e.resourceUrn) } : {}),
        message: e.message
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean)
            .join(" "),
    };
}

/** "policy <name> (<level>) on <resource>: <message> [<pack>]". */
export function formatPolicy(v: PolicyViolation): string {
    return `policy ${v.policy} (${v.level})${v.resource ? ` on ${v.resource}` : ""}: ${v.message} [${v.pack}]`;
}

/** The same violation reported twice (program registration and final stack check) counts once. */
export function uniqueViolations(vs: PolicyViolation[]): PolicyViolation[] {
    const seen = new Set<string>();
    return vs.filter((v) => {
        const k = JSON.stringify([v.pack, v.policy, v.resource, v.message]);
        return seen.has(k) ? false : (seen.add(k), true);
    });
}
