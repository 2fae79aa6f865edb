/**
 * Runs index.ts under Pulumi mocks with a given stack config and records every registration:
 * type, name, parent, inputs (plain and raw, with secret markers), dependencies, options.
 * Unmocked invokes throw. Each run loads a fresh copy of the SDK and the program.
 */
import type * as pulumiType from "@pulumi/pulumi";

export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export interface Registered {
    type: string;
    name: string;
    urn: string;
    custom: boolean;
    parent: string;
    inputs: Record<string, unknown>;
    /** Inputs as sent on the wire: secret values carry the secret signature. */
    rawInputs: Record<string, unknown>;
    dependencies: string[];
    deleteBeforeReplace: boolean;
    provider: string;
}

export interface RunResult {
    resources: Registered[];
    outputs: Record<string, unknown>;
    /** Names of the stack outputs that are Pulumi secrets (encrypted in state). */
    secretOutputs: string[];
    /** Raw (wire) value of each stack output: tells whether an output is secret. */
    byType(type: string): Registered[];
    one(type: string, name: string): Registered;
}

export type Config = Record<string, unknown>;

/** A complete, valid local-like config (switchyard namespace, without prefix). */
export function baseConfig(): Config {
    return {
        activeColor: "blue",
        colors: { blue: { version: "1.0.0" }, green: { version: "v1.1.0" } },
        app: { image: "switchyard/demo-app", replicas: 2, port: 8080, env: { LOG_LEVEL: "info" } },
        secretEnv: { DB_PASSWORD: "hunter2-not-in-state" },
        canary: { weight: 0, header: { name: "X-Switchyard-Canary", value: "always" } },
        router: { port: 18080, bindAddress: "127.0.0.1" },
        gates: { retries: 3, intervalSeconds: 0.5, timeoutSeconds: 1 },
    };
}

const CONTAINER_IPS = new Map<string, string>();

function mockState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (type) {
        case "docker:index/container:Container": {
            if (!CONTAINER_IPS.has(name)) {
                CONTAINER_IPS.set(name, `172.30.0.${CONTAINER_IPS.size + 2}`);
            }
            const nets = (inputs.networksAdvanced as { name: string }[] | undefined) ?? [];
            return { ...inputs, networkDatas: nets.map((n) => ({ networkName: n.name, ipAddress: CONTAINER_IPS.get(name) })) };
        }
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: `random-${name}`.replace(/[^A-Za-z0-9]/g, "").padEnd(Number(inputs.length), "x") };
        case "docker:index/remoteImage:RemoteImage":
            return { ...inputs, imageId: `sha256:${Buffer.from(String(inputs.name)).toString("hex").padEnd(64, "0").slice(0, 64)}` };
        case "command:local:Command": {
            // Backup wiring: the release ledger, the backup tool and the migration hook
            // print what their real scripts print.
            const create = String(inputs.create);
            const env = (inputs.environment ?? {}) as Record<string, string>;
            if (name.startsWith("ledger-")) {
                return {
                    ...inputs,
                    stdout: JSON.stringify({ before: null, after: env.SWITCHYARD_LEDGER_VERSION, commit: null }),
                    stderr: "",
                };
            }
            if (create.includes("runtime/backup.js") && create.includes(" snapshot")) {
                const id = `20261124T101500000Z-${name}`;
                return {
                    ...inputs,
                    stdout: JSON.stringify({
                        snapshotId: id,
                        location: `/var/backups/sy/${id}`,
                        totalBytes: 4096,
                        manifestSha256: "a".repeat(64),
                    }),
                    stderr: "",
                };
            }
            if (create.includes("runtime/migration.js")) {
                return { ...inputs, stdout: `switchyard-migration ${env.SWITCHYARD_DEPLOYMENT_ID}\nmigrated`, stderr: "" };
            }
            // The release clock prints a stamp; other commands print a JSON summary.
            return { ...inputs, stdout: create.startsWith("date ") ? "20261124_101500" : '{"ok":true}', stderr: "" };
        }
        default:
            return { ...inputs };
    }
}

/** Runs the program with `config` (switchyard namespace) and returns what was registered. */
export async function runProgram(
    config: Config,
    opts: {
        dryRun?: boolean;
        stack?: string;
        secretKeys?: string[];
        /** The stack's outputs from its last update, as the self StackReference reads them. @default none (first deployment) */
        previousOutputs?: Record<string, unknown>;
    } = {},
): Promise<RunResult> {
    const resources: Registered[] = [];
    let pulumi!: typeof pulumiType;
    let program!: (() => Promise<Record<string, unknown>>) | Record<string, unknown>;
    const stack = opts.stack ?? "local";
    const allConfig: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) {
        allConfig[`switchyard:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    }
    const secretKeys = (opts.secretKeys ?? ("secretEnv" in config ? ["secretEnv"] : [])).map((k) => `switchyard:${k}`);
    // One module registry per run: a fresh SDK, fresh mocks, a fresh program. setMocks does its
    // work synchronously, so the program is loaded after the mocks are in place.
    jest.isolateModules(() => {
        pulumi = require("@pulumi/pulumi");
        pulumi.runtime.setAllConfig(allConfig, secretKeys);
        void pulumi.runtime.setMocks(
            {
                newResource: (args: pulumiType.runtime.MockResourceArgs) => ({
                    id: args.custom ? `${args.name}-id` : undefined,
                    state:
                        args.type === "pulumi:pulumi:StackReference"
                            ? { name: args.inputs.name, outputs: opts.previousOutputs ?? {}, secretOutputNames: [] }
                            : mockState(args.type, args.name, args.inputs),
                }),
                call: (args: pulumiType.runtime.MockCallArgs) => {
                    throw new Error(`unexpected invoke ${args.token}`);
                },
            },
            "switchyard",
            stack,
            opts.dryRun ?? false,
            "organization",
        );

        // Record what the SDK sends: dependencies, options and raw (secret-marked) inputs.
        const monitor = pulumi.runtime.getMonitor() as unknown as {
            registerResource(req: RegisterRequest, cb: (err: unknown, resp: unknown) => void): Promise<void>;
        };
        const original = monitor.registerResource.bind(monitor);
        monitor.registerResource = async (req, cb) => {
            const raw = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
            const rec: Registered = {
                type: req.getType(),
                name: req.getName(),
                urn: "",
                custom: req.getCustom(),
                parent: req.getParent(),
                inputs: unwrapSecrets(raw) as Record<string, unknown>,
                rawInputs: raw,
                dependencies: req.getDependenciesList(),
                deleteBeforeReplace: req.getDeletebeforereplace(),
                provider: req.getProvider(),
            };
            resources.push(rec);
            return original(req, (err, resp) => {
                if (resp && typeof (resp as { getUrn?: () => string }).getUrn === "function") {
                    rec.urn = (resp as { getUrn: () => string }).getUrn();
                }
                cb(err, resp);
            });
        };
        program = require("../../index");
    });

    // The program is an async function returning its outputs (index.ts).
    const exported = typeof program === "function" ? await program() : program;
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [k, v] of Object.entries(exported)) {
        outputs[k] = await resolveValue(pulumi, v);
        if (pulumi.Output.isInstance(v) && (await (v as unknown as { isSecret: Promise<boolean> }).isSecret)) {
            secretOutputs.push(k);
        }
    }
    // Let every registration finish.
    await new Promise((r) => setTimeout(r, 50));
    return {
        resources,
        outputs,
        secretOutputs,
        byType: (t) => resources.filter((r) => r.type === t),
        one: (t, n) => {
            const found = resources.filter((r) => r.type === t && r.name === n);
            if (found.length !== 1) {
                throw new Error(`expected one ${t} named ${n}, found ${found.length}`);
            }
            return found[0];
        },
    };
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProvider(): string;
    getObject(): { toJavaScript(): unknown } | undefined;
    getDependenciesList(): string[];
    getDeletebeforereplace(): boolean;
}

export function unwrapSecrets(v: unknown): unknown {
    if (Array.isArray(v)) {
        return v.map(unwrapSecrets);
    }
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270") {
            return unwrapSecrets(o.value);
        }
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

/** What an output that is unknown during preview resolves to. */
export const UNKNOWN = "<unknown during preview>";

/** Resolves Outputs (and objects of Outputs) to `{ value, secret, known }`-free plain values. */
async function resolveValue(pulumi: typeof pulumiType, v: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(v)) {
        const o = v as unknown as { promise(withUnknowns: boolean): Promise<unknown>; isKnown: Promise<boolean> };
        const value = await o.promise(true);
        return (await o.isKnown) ? resolveValue(pulumi, value) : UNKNOWN;
    }
    if (Array.isArray(v)) {
        return Promise.all(v.map((x) => resolveValue(pulumi, x)));
    }
    if (v && typeof v === "object" && !pulumi.Resource.isInstance(v)) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
            out[k] = await resolveValue(pulumi, x);
        }
        return out;
    }
    return v;
}

/** The value of an Output (undefined when unknown during preview). */
export function promiseOf<T>(o: pulumiType.Output<T>): Promise<T> {
    return new Promise((resolve) =>
        o.apply((x) => {
            resolve(x);
            return x;
        }),
    );
}

/** Whether an Output is secret. */
export async function isSecretOutput(o: pulumiType.Output<unknown>): Promise<boolean> {
    return (o as unknown as { isSecret: Promise<boolean> }).isSecret;
}

/** Runs the program as a preview (dryRun) and as an update, and requires both to register the same resources. */
export async function previewLikeUpdate(config: Config, secretKeys: string[]): Promise<RunResult> {
    const names = (x: RunResult) => x.resources.map((y) => `${y.type}/${y.name}`).sort();
    const preview = await runProgram(config, { secretKeys, dryRun: true });
    const update = await runProgram(config, { secretKeys });
    expect(names(preview)).toEqual(names(update));
    return preview;
}
