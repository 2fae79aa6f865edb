/**
 * Reads the policy facts (domain/policyFacts.ts) back from resource props and stack outputs, each
 * unknown-aware, with a message naming the missing fact. See README.md#contract.
 */
import { Color, isColor, otherColor } from "../domain/color";
import { BackupFacts, CanaryRouterFacts, ColorStackFacts, OVERRIDE_OUTPUT, ReleaseFacts } from "../domain/policyFacts";
import { PolicyResource, ReportViolation } from "@pulumi/policy";
import { known, Maybe, ofType, show, UNKNOWN } from "./lib";

export type { BackupFacts, ColorStackFacts, ReleaseFacts } from "../domain/policyFacts";
export { OVERRIDE_OUTPUT } from "../domain/policyFacts";

type Props = Record<string, unknown>;
export type FactsResult<T> = { ok: true; facts: T } | { ok: false; problem: string };

function plain<T>(props: Props, key: string): Maybe<T> | undefined {
    if (!(key in props)) {
        return undefined;
    }
    return known(() => props[key] as T);
}

function missing(what: string, key: string, expected: string, got: unknown): string {
    return `${what} must expose the policy fact '${key}' (${expected}) as a plain value known at preview; got ${show(got)}`;
}

/** How one fact is checked: what the message says it should be, and the test of a plain value. */
type FactRule<T> = readonly [expected: string, accept: (v: unknown) => v is T];
type FactRules<T> = { readonly [K in keyof T]-?: FactRule<T[K]> };

/** Reads the facts `rules` names, in order; the first one missing or malformed is the problem. */
function readFacts<T>(props: Props, what: string, rules: FactRules<T>): FactsResult<T> {
    const facts: Partial<Record<keyof T, unknown>> = {};
    for (const key of Object.keys(rules) as (keyof T & string)[]) {
        const [expected, accept] = rules[key];
        const v = plain<unknown>(props, key);
        if (!accept(v)) {
            return { ok: false, problem: missing(what, key, expected, v) };
        }
        facts[key] = v;
    }
    return { ok: true, facts: facts as T };
}

const COLOR: FactRule<Color> = ["'blue' or 'green'", isColor];
const isVersion = (v: unknown): v is string => typeof v === "string" && v !== "";
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/** CanaryRouterFacts as read back: with the canary colour, and weights as found (undefined if not exposed). */
export interface RouterFacts extends Omit<CanaryRouterFacts, "weights"> {
    readonly canaryColor: Color;
    readonly weights?: Record<Color, unknown>;
}

export function routerFacts(props: Props, what = "CanaryRouter"): FactsResult<RouterFacts> {
    const f = readFacts<Omit<CanaryRouterFacts, "weights">>(props, what, {
        activeColor: COLOR,
        canaryPermille: ["a number 0..1000", (v): v is number => typeof v === "number"],
    });
    if (!f.ok) {
        return f;
    }
    // Weights are judged by canary-weight-bounds itself, so any object is read back as it is.
    const weights = plain<unknown>(props, "weights");
    const w =
        weights !== undefined && weights !== UNKNOWN && weights !== null && typeof weights === "object"
            ? (weights as Record<Color, unknown>)
            : undefined;
    return { ok: true, facts: { ...f.facts, canaryColor: otherColor(f.facts.activeColor), weights: w } };
}

export function releaseFacts(props: Props, what = "ReleaseStamp"): FactsResult<ReleaseFacts> {
    return readFacts<ReleaseFacts>(props, what, {
        color: COLOR,
        version: ["the colour's semver after this update", isVersion],
        previousVersion: [
            "the version before this update, or null on the first deployment",
            (v): v is string | null => v === null || typeof v === "string",
        ],
        versionChanged: ["true when this update changes the colour's version", (v): v is boolean => typeof v === "boolean"],
    });
}

export function colorStackFacts(props: Props, what = "ColorStack"): FactsResult<ColorStackFacts> {
    return readFacts<ColorStackFacts>(props, what, {
        color: COLOR,
        version: ["the colour's semver", isVersion],
        plainEnvNames: ["list of env var names passed in plain text", isStringList],
        secretEnvNames: ["list of env var names passed as Pulumi secrets", isStringList],
    });
}

export function backupFacts(props: Props, what = "BackupSnapshot"): FactsResult<BackupFacts> {
    return readFacts<BackupFacts>(props, what, {
        color: COLOR,
        version: ["the release version the snapshot is taken for", isVersion],
    });
}

/**
 * The resources of `type` (a switchyard component) with their facts. One whose facts cannot be read is
 * reported against itself, with `consequence` (what the policy cannot decide without them), and left out.
 */
export function withFacts<T>(
    resources: PolicyResource[],
    type: string,
    read: (props: Props, what: string) => FactsResult<T>,
    report: ReportViolation,
    consequence?: string,
): { resource: PolicyResource; facts: T }[] {
    const out: { resource: PolicyResource; facts: T }[] = [];
    for (const r of ofType(resources, type)) {
        const f = read(r.props, `${type.split(":").pop()} '${r.name}'`);
        if (f.ok) {
            out.push({ resource: r, facts: f.facts });
        } else {
            report(consequence ? `${f.problem}; ${consequence}` : f.problem, r.urn);
        }
    }
    return out;
}

/** The override as exported by the stack: `{ reason }`, or undefined when there is none. */
export function stackOverride(stackOutputs: Props): Maybe<{ reason?: unknown } | undefined> {
    const v = plain<unknown>(stackOutputs, OVERRIDE_OUTPUT);
    if (v === undefined || v === null || v === UNKNOWN) {
        return v === UNKNOWN ? UNKNOWN : undefined;
    }
    if (typeof v !== "object" || Array.isArray(v)) {
        return { reason: undefined };
    }
    return v as { reason?: unknown };
}
