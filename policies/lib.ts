/**
 * Shared helpers of the switchyard policy pack: resource types, reading props that may be unknown at
 * preview, finding resources by their place in the component tree. Colours, versions and the policy
 * facts contract come from domain/, shared with the program.
 */
import { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, UnknownValueError } from "@pulumi/policy";
import { Color, isColor } from "../domain/color";

export const TYPES = {
    stack: "pulumi:pulumi:Stack",
    colorStack: "switchyard:app:ColorStack",
    releaseStamp: "switchyard:release:ReleaseStamp",
    healthGate: "switchyard:release:HealthGate",
    canaryRouter: "switchyard:routing:CanaryRouter",
    backupSnapshot: "switchyard:backup:BackupSnapshot",
    container: "docker:index/container:Container",
    remoteImage: "docker:index/remoteImage:RemoteImage",
    command: "command:local:Command",
    bucket: "aws:s3/bucket:Bucket",
    bucketVersioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
    bucketEncryption: [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ],
    bucketPublicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    bucketLifecycle: [
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
    ],
    bucketAcl: ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"],
} as const;

/** Marks a value the engine does not know yet (preview of a resource that changes). */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Maybe<T> = T | typeof UNKNOWN;

/** The engine's sentinels for unknown values (as @pulumi/policy's proxy knows them). */
const UNKNOWN_SENTINELS = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/**
 * Reads a value that may be unknown at preview. Props come wrapped in @pulumi/policy's proxy, which
 * throws on unknowns; here an unknown becomes UNKNOWN so a policy can decide what it means instead of
 * the whole policy being skipped with "can't run during preview".
 */
export function peek<T>(read: () => T): Maybe<T> {
    try {
        const v = read();
        return typeof v === "string" && UNKNOWN_SENTINELS.has(v) ? UNKNOWN : v;
    } catch (e) {
        if (e instanceof UnknownValueError) {
            return UNKNOWN;
        }
        throw e;
    }
}

/**
 * A fully known plain copy of a value (arrays and objects walked), or UNKNOWN if any part is unknown.
 * Use on small values only (env lists, facts objects).
 */
export function known<T>(read: () => T): Maybe<T> {
    const v = peek(read);
    if (v === UNKNOWN) {
        return UNKNOWN;
    }
    const walk = (x: unknown): unknown => {
        if (typeof x === "string" && UNKNOWN_SENTINELS.has(x)) {
            throw new UnknownValueError(x, []);
        }
        if (Array.isArray(x)) {
            const out: unknown[] = [];
            for (let i = 0; i < x.length; i++) {
                out.push(walk(x[i]));
            }
            return out;
        }
        if (x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
            const out: Record<string, unknown> = {};
            for (const k of Object.keys(x as object)) {
                out[k] = walk((x as Record<string, unknown>)[k]);
            }
            return out;
        }
        return x;
    };
    return peek(() => walk(v) as T);
}

/** The chain of types in a URN (`parentType$childType`), outermost first. */
export function urnTypeChain(urn: string): string[] {
    const parts = urn.split("::");
    return parts.length >= 4 ? parts[2].split("$") : [];
}

/** True when `urn` is of a resource under a component of `componentType` (at any depth). */
export function isUnder(urn: string, componentType: string): boolean {
    const chain = urnTypeChain(urn);
    return chain.slice(0, -1).includes(componentType);
}

/**
 * A policy on each app container (a Container under a ColorStack): `problems` judges one, and each
 * problem is reported with the container's name. Medium: a container that is unhealthy or unbounded
 * hurts its colour, and the health gate still stands between it and traffic.
 */
export function appContainerPolicy(
    policy: Omit<ResourceValidationPolicy, "validateResource" | "severity">,
    problems: (args: ResourceValidationArgs) => string[],
): ResourceValidationPolicy {
    return {
        ...policy,
        severity: "medium",
        validateResource: (args, report) => {
            if (args.type === TYPES.container && isUnder(args.urn, TYPES.colorStack)) {
                problems(args).forEach((p) => report(`${args.name}: ${p}`));
            }
        },
    };
}

/** The resource's ancestors, nearest first. */
export function ancestors(r: PolicyResource): PolicyResource[] {
    const out: PolicyResource[] = [];
    for (let p = r.parent; p && out.length < 50; p = p.parent) {
        out.push(p);
    }
    return out;
}

export function nearestAncestor(r: PolicyResource, type: string): PolicyResource | undefined {
    return ancestors(r).find((a) => a.type === type);
}

export function childrenOf(resources: PolicyResource[], parent: PolicyResource, type?: string): PolicyResource[] {
    return resources.filter((r) => r.parent?.urn === parent.urn && (type === undefined || r.type === type));
}

export function ofType(resources: PolicyResource[], types: string | readonly string[]): PolicyResource[] {
    const set = typeof types === "string" ? [types] : types;
    return resources.filter((r) => set.includes(r.type));
}

/** The stack's resources of `types`; with none, the policy ends as not applicable (`why`), not as passed. */
export function ofTypeOrNotApplicable(args: StackValidationArgs, types: string | readonly string[], why: string): PolicyResource[] {
    const found = ofType(args.resources, types);
    return found.length > 0 ? found : args.notApplicable(why);
}

/** Colour of a per-colour component: its `color` fact, else its fixed name `<prefix>-<colour>`. */
export function colorOf(r: PolicyResource, prefix: string): Color | undefined {
    const fact = peek(() => r.props.color);
    if (isColor(fact)) {
        return fact;
    }
    const m = new RegExp(`^${prefix}-(blue|green)$`).exec(r.name);
    return m ? (m[1] as Color) : undefined;
}

// ---- secrets -----------------------------------------------------------------------------------

/** Words that make an env var name look like it holds a secret (matched per word of the name). */
export const SECRET_WORDS = [
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "TOKENS",
    "KEY",
    "APIKEY",
    "ACCESSKEY",
    "PRIVATEKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "DSN",
] as const;

/** Words of an env name: `DB_PASSWORD` -> DB, PASSWORD; `apiToken` -> API, TOKEN. */
export function nameWords(name: string): string[] {
    return name
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .split(/[^A-Za-z0-9]+/)
        .filter((w) => w !== "")
        .map((w) => w.toUpperCase());
}

/** True when an env var name looks like it holds a secret (extra words from policy config). */
export function looksSecret(name: string, extraWords: readonly string[] = [], allow: readonly string[] = []): boolean {
    if (allow.map((a) => a.toUpperCase()).includes(name.toUpperCase())) {
        return false;
    }
    const words = new Set([...SECRET_WORDS, ...extraWords.map((w) => w.toUpperCase())]);
    return nameWords(name).some((w) => words.has(w));
}

/** True when a value carries credentials in a URL (`scheme://user:password@host`). */
export function valueHasUrlCredentials(value: string): boolean {
    return /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i.test(value);
}

// ---- images ------------------------------------------------------------------------------------

export interface ImageRef {
    readonly repository: string;
    readonly tag?: string;
    readonly digest?: string;
}

/** Splits `registry:5000/team/app:1.2.3@sha256:...` into repository, tag and digest. */
export function parseImageRef(ref: string): ImageRef {
    let rest = ref.trim();
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    const slash = rest.lastIndexOf("/");
    const colon = rest.lastIndexOf(":");
    if (colon > slash) {
        return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
    }
    return { repository: rest, digest };
}

// ---- misc --------------------------------------------------------------------------------------

/** Go duration (`5s`, `500ms`, `1m30s`) in seconds, or undefined. */
export function goDurationSeconds(d: string): number | undefined {
    if (typeof d !== "string" || !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(d)) {
        return undefined;
    }
    const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
    let total = 0;
    for (const m of d.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
        total += Number(m[1]) * unit[m[2]];
    }
    return total;
}

export function show(v: unknown): string {
    if (v === UNKNOWN) {
        return "(unknown until the update runs)";
    }
    if (v === undefined) {
        return "nothing";
    }
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
