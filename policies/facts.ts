/**
 * Reads the policy facts (domain/policyFacts.ts) back from resource props and stack outputs, each
 * unknown-aware, with a message naming the missing fact. See README.md#contract.
 */
import { Color, isColor, otherColor } from "../domain/color";
import { BackupFacts, CanaryRouterFacts, ColorStackFacts, OVERRIDE_OUTPUT, ReleaseFacts } from "../domain/policyFacts";
import { known, Maybe, show, UNKNOWN } from "./lib";

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

/** CanaryRouterFacts as read back: with the canary colour, and weights as found (undefined if not exposed). */
export interface RouterFacts extends Omit<CanaryRouterFacts, "weights"> {
    readonly canaryColor: Color;
    readonly weights?: Record<Color, unknown>;
}

export function routerFacts(props: Props, what = "CanaryRouter"): FactsResult<RouterFacts> {
    const active = plain<unknown>(props, "activeColor");
    if (!isColor(active)) {
        return { ok: false, problem: missing(what, "activeColor", "'blue' or 'green'", active) };
    }
    const permille = plain<unknown>(props, "canaryPermille");
    if (typeof permille !== "number") {
        return { ok: false, problem: missing(what, "canaryPermille", "a number 0..1000", permille) };
    }
    const weights = plain<unknown>(props, "weights");
    const w =
        weights !== undefined && weights !== UNKNOWN && weights !== null && typeof weights === "object"
            ? (weights as Record<Color, unknown>)
            : undefined;
    return {
        ok: true,
        facts: { activeColor: active, canaryColor: otherColor(active), canaryPermille: permille, weights: w },
    };
}

export function releaseFacts(props: Props, what = "ReleaseStamp"): FactsResult<ReleaseFacts> {
    const color = plain<unknown>(props, "color");
    if (!isColor(color)) {
        return { ok: false, problem: missing(what, "color", "'blue' or 'green'", color) };
    }
    const version = plain<unknown>(props, "version");
    if (typeof version !== "string" || version === "") {
        return { ok: false, problem: missing(what, "version", "the colour's semver after this update", version) };
    }
    const previous = plain<unknown>(props, "previousVersion");
    if (previous !== null && typeof previous !== "string") {
        return {
            ok: false,
            problem: missing(what, "previousVersion", "the version before this update, or null on the first deployment", previous),
        };
    }
    const changed = plain<unknown>(props, "versionChanged");
    if (typeof changed !== "boolean") {
        return { ok: false, problem: missing(what, "versionChanged", "true when this update changes the colour's version", changed) };
    }
    return { ok: true, facts: { color, version, previousVersion: previous, versionChanged: changed } };
}

const stringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

export function colorStackFacts(props: Props, what = "ColorStack"): FactsResult<ColorStackFacts> {
    const color = plain<unknown>(props, "color");
    if (!isColor(color)) {
        return { ok: false, problem: missing(what, "color", "'blue' or 'green'", color) };
    }
    const version = plain<unknown>(props, "version");
    if (typeof version !== "string" || version === "") {
        return { ok: false, problem: missing(what, "version", "the colour's semver", version) };
    }
    const plainNames = plain<unknown>(props, "plainEnvNames");
    if (!stringList(plainNames)) {
        return { ok: false, problem: missing(what, "plainEnvNames", "list of env var names passed in plain text", plainNames) };
    }
    const secretNames = plain<unknown>(props, "secretEnvNames");
    if (!stringList(secretNames)) {
        return { ok: false, problem: missing(what, "secretEnvNames", "list of env var names passed as Pulumi secrets", secretNames) };
    }
    return { ok: true, facts: { color, version, plainEnvNames: plainNames, secretEnvNames: secretNames } };
}

export function backupFacts(props: Props, what = "BackupSnapshot"): FactsResult<BackupFacts> {
    const color = plain<unknown>(props, "color");
    if (!isColor(color)) {
        return { ok: false, problem: missing(what, "color", "'blue' or 'green'", color) };
    }
    const version = plain<unknown>(props, "version");
    if (typeof version !== "string" || version === "") {
        return { ok: false, problem: missing(what, "version", "the release version the snapshot is taken for", version) };
    }
    return { ok: true, facts: { color, version } };
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
