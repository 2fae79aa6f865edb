import { Color, otherColor } from "../../domain/color";

/**
 * What the bench must do to put a stack's config back after setting some paths: the stack file is
 * the truth, not `pulumi config get` (which also answers with the project's defaults, so a key the
 * stack file never held, such as `release` with its `default: {}`, would look present and only its
 * array elements would be removed, leaving `release: {steps: []}` behind).
 */

/** Raw stack-file config: `switchyard:key` -> a string, number, boolean, {secure}, object or list. */
export type StackFileConfig = Readonly<Record<string, unknown>>;

export type RestoreStep =
    /** The path did not exist before: remove it (the outermost missing part, so no empty object or list stays). */
    | { readonly kind: "remove"; readonly key: string }
    /** The path held a scalar: set it back (the caller reads the value, decrypted, before changing anything). */
    | { readonly kind: "set"; readonly key: string };

const SEGMENT = /[^.[\]]+|\[\d+\]/g;

/** Every path a key's value hangs under, outermost first: "a.b[0].c" -> a, a.b, a.b[0], a.b[0].c. */
export function configPathPrefixes(key: string): string[] {
    if (!/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*|\[\d+\])*$/.test(key)) {
        throw new Error(`config path '${key}' is not of the form name(.name|[index])*`);
    }
    const parts = key.match(SEGMENT) ?? [];
    const out: string[] = [];
    let acc = "";
    for (const p of parts) {
        acc = p.startsWith("[") ? `${acc}${p}` : acc === "" ? p : `${acc}.${p}`;
        out.push(acc);
    }
    return out;
}

/** The stack file's value at `path` under `namespace`, or undefined when any part of it is missing. */
export function stackFileValue(config: StackFileConfig, namespace: string, path: string): unknown {
    configPathPrefixes(path);
    const [top, ...rest] = path.match(SEGMENT) ?? [];
    let v: unknown = config[`${namespace}:${top}`];
    for (const p of rest) {
        if (v === undefined || v === null || typeof v !== "object") return undefined;
        if (p.startsWith("[")) {
            if (!Array.isArray(v)) return undefined;
            v = v[Number(p.slice(1, -1))];
        } else {
            if (Array.isArray(v) || isSecure(v)) return undefined;
            v = (v as Record<string, unknown>)[p];
        }
    }
    return v;
}

function isSecure(v: unknown): boolean {
    return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;
}

/**
 * One restore step per key, in the order to run them (the reverse of setting). A key whose path
 * holds an object or a list in the stack file is refused before anything changes: setting a path
 * replaces it with a string, and it could not be put back as it was.
 */
export function restorePlan(config: StackFileConfig, namespace: string, keys: readonly string[]): RestoreStep[] {
    const steps: RestoreStep[] = keys.map((key) => {
        const absent = configPathPrefixes(key).find((p) => stackFileValue(config, namespace, p) === undefined);
        if (absent !== undefined) return { kind: "remove", key: absent };
        const v = stackFileValue(config, namespace, key);
        if (typeof v === "object" && v !== null && !isSecure(v)) {
            throw new Error(
                `${namespace}:${key} holds ${Array.isArray(v) ? "a list" : "an object"} in the stack file; the bench sets it to a single value and could not put it back. Nothing was changed: run the bench on a stack without it (e.g. the local stack after scripts/up.sh).`,
            );
        }
        return { kind: "set", key };
    });
    const seen = new Set<string>();
    return steps.reverse().filter((s) => !seen.has(`${s.kind} ${s.key}`) && seen.add(`${s.kind} ${s.key}`));
}

/** Which colour serves and the version each colour runs. */
export interface ColorState {
    readonly active: Color;
    readonly versions: Readonly<Record<Color, string>>;
}

export type PutBackStep =
    { readonly kind: "version"; readonly color: Color; readonly version: string } | { readonly kind: "flip"; readonly to: Color };

/**
 * The next update that brings the colours back to `before` the way an operator would, each one an
 * update the live-colour plan allows (a version changes only on the idle colour): the idle colour's
 * version, else a flip to reach the colour still to change or the colour that served before; null
 * when nothing is left. At most four steps: version, flip, version, flip.
 */
export function nextPutBackStep(now: ColorState, before: ColorState): PutBackStep | null {
    const idle = otherColor(now.active);
    if (now.versions[idle] !== before.versions[idle]) return { kind: "version", color: idle, version: before.versions[idle] };
    if (now.versions[now.active] !== before.versions[now.active] || now.active !== before.active) return { kind: "flip", to: idle };
    return null;
}

/**
 * The version a bench release ships: the first of `candidates` the live colour does not run (the
 * release command refuses the live version). Releases alternate between two candidates however
 * many runs there are and whatever the last one left live.
 */
export function versionToRelease(candidates: readonly string[], now: ColorState): string {
    const live = now.versions[now.active];
    const v = candidates.find((c) => c !== live);
    if (v === undefined) {
        throw new Error(`every bench release version (${candidates.join(", ")}) is the live version ${live}; nothing was changed`);
    }
    return v;
}

/** A value the bench writes to the stack file: YAML scalars keep their type. */
export type ConfigScalar = string | number | boolean;

/**
 * The `pulumi config set --type` that writes `v` as the stack file holds it. `--plaintext` writes a
 * string, and a node once quoted (`weight: "0.1"`) stays quoted for later values, so a bench that
 * sets 0.1 and puts back 0 must write both as numbers to leave `weight: 0` as it was.
 */
export function configType(v: ConfigScalar): "int" | "float" | "bool" | "string" {
    if (typeof v === "boolean") return "bool";
    if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
    return "string";
}
