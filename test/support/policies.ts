/**
 * Runs switchyard's policies the way @pulumi/policy's analyzer server does, without an engine: props
 * go through the same unknown-checking proxy, `notApplicable` throws, an unknown value that escapes a
 * policy becomes the engine's "can't run during preview" note, and stack resources are linked by
 * parent and dependencies. `goodStack()` is the program's resource graph (with the policy facts of
 * policies/README.md#contract) in a compliant state; tests break one field at a time.
 */
import {
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    unknownCheckingProxy,
    UnknownValueError,
} from "@pulumi/policy";
import { TYPES } from "../../policies/lib";

/** The engine's marker for a value that is unknown at preview. */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const urnOf = (typeChain: string[], name: string, stack = "production") =>
    `urn:pulumi:${stack}::switchyard::${typeChain.join("$")}::${name}`;

class NotApplicable extends Error {}

export interface Outcome {
    violations: { message: string; urn?: string }[];
    notApplicable?: string;
    /** Set when an unknown value escaped the policy (the server reports it as advisory). */
    cannotRunInPreview?: string;
}

const opts = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

async function capture(
    run: (report: (m: string, urn?: string) => void, notApplicable: (r?: string) => never) => Promise<void> | void,
): Promise<Outcome> {
    const out: Outcome = { violations: [] };
    try {
        await run(
            (message, urn) => out.violations.push({ message, urn }),
            (r) => {
                throw new NotApplicable(r ?? "");
            },
        );
    } catch (e) {
        if (e instanceof NotApplicable) {
            out.notApplicable = (e as Error).message;
        } else if (e instanceof UnknownValueError) {
            out.cannotRunInPreview = (e as Error).message;
        } else {
            throw e;
        }
    }
    return out;
}

export interface ResourceInput {
    type: string;
    name: string;
    props: Record<string, unknown>;
    /** Types of the component ancestors, outermost first (the URN's type chain). */
    parents?: string[];
    config?: object;
}

/** Runs a resource policy on one resource's inputs. */
export function runResource(policy: ResourceValidationPolicy, r: ResourceInput): Promise<Outcome> {
    const urn = urnOf([...(r.parents ?? []), r.type], r.name);
    return capture(async (report, notApplicable) => {
        const props = unknownCheckingProxy(JSON.parse(JSON.stringify(r.props)));
        const args: ResourceValidationArgs = {
            type: r.type,
            props,
            urn,
            name: r.name,
            opts,
            stackTags: new Map(),
            isType: () => false,
            asType: () => undefined,
            getConfig: <T extends object>() => (r.config ?? {}) as T,
            notApplicable,
        };
        const validations =
            policy.validateResource === undefined
                ? []
                : Array.isArray(policy.validateResource)
                  ? policy.validateResource
                  : [policy.validateResource];
        for (const v of validations) {
            await v(args, report);
        }
    });
}

export const messages = (o: Outcome) => o.violations.map((v) => v.message);

// ---- stack graphs -------------------------------------------------------------------------------

export interface Node {
    type: string;
    name: string;
    props: Record<string, unknown>;
    parent?: string;
    dependsOn?: string[];
    propertyDependencies?: Record<string, string[]>;
}

/** A mutable description of a stack: resources by name. */
export type Graph = Map<string, Node>;

function urnFor(g: Graph, n: Node): string {
    const chain: string[] = [];
    for (let p = n.parent ? g.get(n.parent) : undefined; p; p = p.parent ? g.get(p.parent) : undefined) {
        chain.unshift(p.type);
    }
    return urnOf([...chain, n.type], n.name);
}

/** Runs a stack policy over a graph (props are the resources' outputs). */
export function runStack(policy: StackValidationPolicy, g: Graph, config: object = {}): Promise<Outcome> {
    return capture(async (report, notApplicable) => {
        const byName = new Map<string, PolicyResource>();
        for (const n of g.values()) {
            const props = unknownCheckingProxy(JSON.parse(JSON.stringify(n.props)));
            byName.set(n.name, {
                type: n.type,
                name: n.name,
                urn: urnFor(g, n),
                props,
                opts,
                dependencies: [],
                propertyDependencies: {},
                isType: () => false,
                asType: () => undefined,
            });
        }
        const get = (name: string) => {
            const r = byName.get(name);
            if (!r) {
                throw new Error(`test graph: no resource named ${name}`);
            }
            return r;
        };
        for (const n of g.values()) {
            const r = get(n.name);
            if (n.parent) {
                r.parent = get(n.parent);
            }
            r.dependencies = (n.dependsOn ?? []).map(get);
            for (const [k, v] of Object.entries(n.propertyDependencies ?? {})) {
                r.propertyDependencies[k] = v.map(get);
            }
        }
        const args: StackValidationArgs = {
            resources: [...byName.values()],
            stackTags: new Map(),
            getConfig: <T extends object>() => config as T,
            notApplicable,
        };
        await policy.validateStack(args, report);
    });
}

export function add(g: Graph, n: Node): Graph {
    g.set(n.name, n);
    return g;
}

export const GOOD_VERSIONS = { blue: "1.0.0", green: "1.1.0" } as const;

const healthcheck = {
    tests: ["CMD-SHELL", "curl -fsS http://127.0.0.1:8080/health || exit 1"],
    interval: "5s",
    timeout: "3s",
    retries: 5,
    startPeriod: "5s",
};

/** A compliant container of colour c (props as the program sets them). */
export function appContainerProps(c: "blue" | "green", replica: number): Record<string, unknown> {
    return {
        name: `production-app-${c}-${replica}`,
        image: `sha256:${"a".repeat(64)}`,
        envs: [
            "LOG_LEVEL=info",
            `SWITCHYARD_COLOR=${c}`,
            `SWITCHYARD_VERSION=${GOOD_VERSIONS[c]}`,
            "SWITCHYARD_DEPLOYMENT_ID=production-x",
            "DB_PASSWORD=s3cret",
        ],
        labels: [{ label: "switchyard.color", value: c }],
        healthcheck: { ...healthcheck },
        memory: 256,
        cpus: "0.5",
        restart: "unless-stopped",
    };
}

/**
 * The program's graph in a compliant state: green (idle) is being released from 1.0.0 to 1.1.0 with a
 * 10% canary, backups taken for it, gates in front of the router, a hardened snapshot bucket.
 */
export function goodStack(): Graph {
    const g: Graph = new Map();
    add(g, { type: TYPES.stack, name: "switchyard-production", props: { activeColor: "blue" } });
    const root = "switchyard-production";
    for (const c of ["blue", "green"] as const) {
        const v = GOOD_VERSIONS[c];
        add(g, {
            type: TYPES.releaseStamp,
            name: `release-${c}`,
            parent: root,
            props: { color: c, version: v, previousVersion: c === "green" ? "1.0.0" : v, versionChanged: c === "green" },
        });
        add(g, {
            type: TYPES.command,
            name: `release-${c}-clock`,
            parent: `release-${c}`,
            props: { create: "date -u +%Y%m%d_%H%M%S", triggers: [v] },
        });
        add(g, { type: TYPES.backupSnapshot, name: `backup-${c}`, parent: root, props: { color: c, version: v } });
        add(g, { type: TYPES.command, name: `backup-${c}-snapshot`, parent: `backup-${c}`, props: { create: "node tool snapshot" } });
        add(g, {
            type: TYPES.colorStack,
            name: `app-${c}`,
            parent: root,
            props: {
                color: c,
                version: v,
                plainEnvNames: ["LOG_LEVEL", "SWITCHYARD_COLOR", "SWITCHYARD_VERSION", "SWITCHYARD_DEPLOYMENT_ID"],
                secretEnvNames: ["DB_PASSWORD"],
            },
        });
        add(g, {
            type: TYPES.remoteImage,
            name: `app-${c}-image`,
            parent: `app-${c}`,
            props: { name: `registry.example.com/team/app:v${v}`, imageId: `sha256:${"a".repeat(64)}` },
        });
        for (const i of [1, 2]) {
            add(g, {
                type: TYPES.container,
                name: `app-${c}-${i}`,
                parent: `app-${c}`,
                props: appContainerProps(c, i),
                dependsOn: [`app-${c}-image`, `backup-${c}-snapshot`],
            });
        }
        add(g, { type: TYPES.healthGate, name: `gate-${c}`, parent: root, props: {} });
        add(g, {
            type: TYPES.command,
            name: `gate-${c}-check`,
            parent: `gate-${c}`,
            dependsOn: [`app-${c}-1`, `app-${c}-2`],
            props: {
                create: "node runtime/gate.js",
                environment: { SY_GATE: JSON.stringify({ color: c, version: v, trafficPermille: c === "green" ? 100 : 900, targets: [] }) },
                stdout: JSON.stringify({ color: c, version: v, ok: true, checks: 4 }) + "\n",
            },
        });
    }
    add(g, {
        type: TYPES.canaryRouter,
        name: "routing",
        parent: root,
        props: { activeColor: "blue", canaryPermille: 100, weights: { blue: 90, green: 10 } },
    });
    add(g, {
        type: TYPES.command,
        name: "routing-apply",
        parent: "routing",
        dependsOn: ["gate-blue-check", "gate-green-check"],
        props: { environment: { SY_CONFIG_SHA256: "f".repeat(64) } },
    });
    add(g, {
        type: "aws:s3/bucket:Bucket",
        name: "snapshots",
        parent: root,
        props: { bucket: "switchyard-snapshots-1234", id: "switchyard-snapshots-1234" },
    });
    const setting = (type: string, name: string, props: Record<string, unknown>) =>
        add(g, {
            type,
            name,
            parent: root,
            props: { bucket: "switchyard-snapshots-1234", ...props },
            propertyDependencies: { bucket: ["snapshots"] },
            dependsOn: ["snapshots"],
        });
    setting("aws:s3/bucketVersioning:BucketVersioning", "snapshots-versioning", { versioningConfiguration: { status: "Enabled" } });
    setting("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "snapshots-sse", {
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
    });
    setting("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "snapshots-private", {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
    });
    setting("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "snapshots-lifecycle", {
        rules: [{ id: "expire", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 30 }, expiration: { days: 90 } }],
    });
    return g;
}

/** Sets a (dotted) prop of a node of the graph: `set(g, "app-green-1", "memory", 0)`. */
export function set(g: Graph, name: string, path: string, value: unknown): Graph {
    const n = g.get(name);
    if (!n) {
        throw new Error(`test graph: no resource named ${name}`);
    }
    const keys = path.split(".");
    let cur = n.props as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) {
        cur = cur[k] as Record<string, unknown>;
    }
    if (value === undefined) {
        delete cur[keys[keys.length - 1]];
    } else {
        cur[keys[keys.length - 1]] = value;
    }
    return g;
}
