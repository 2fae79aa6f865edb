/**
 * `node scripts/sy.js drift [--stack S]`: is the host what Pulumi state says it is?
 *  1. `pulumi preview --refresh` (JSON): the providers read every resource back
 *     (a removed or stopped app container, a missing network or volume) and nothing may change;
 *  2. live checks of what refresh cannot see: the routing config the router holds and serves
 *     (its sha against `routerConfigSha256` in state), and each app container's labels and image.
 * Exit 0: no drift. Exit 1: drift, each item named; router drift also marks the routing apply
 * step for re-apply (`pulumi state taint`), so the next `pulumi up` heals everything.
 */
import { sh } from "./shell";
import { configShaOf } from "../../components/routing/nginxConfig";
import { ROUTER_IMAGE } from "../../domain/routerImage";

export interface StateResource {
    urn: string;
    type: string;
    id?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

export interface ExpectedContainer {
    urn: string;
    name: string;
    image: string;
    labels: Record<string, string>;
}

export interface InspectedContainer {
    Id: string;
    Image: string;
    State: { Running: boolean; Status: string };
    Config: { Labels: Record<string, string> | null };
}

/** App containers as state has them (the router's are checked through its config instead). */
export function expectedContainers(resources: StateResource[]): ExpectedContainer[] {
    return resources
        .filter((r) => r.type === "docker:index/container:Container" && r.outputs)
        .map((r) => {
            const o = r.outputs as { name: string; image: string; labels?: { label: string; value: string }[] };
            return {
                urn: r.urn,
                name: o.name,
                image: o.image,
                labels: Object.fromEntries((o.labels ?? []).map((l) => [l.label, l.value])),
            };
        });
}

/** What differs between a container in state and the one running under its name. */
export function containerDrift(expected: ExpectedContainer, live: InspectedContainer | undefined): string[] {
    if (!live) {
        return [`container ${expected.name}: not found on the host`];
    }
    const out: string[] = [];
    if (!live.State.Running) {
        out.push(`container ${expected.name}: not running (${live.State.Status})`);
    }
    if (expected.image.startsWith("sha256:") && live.Image !== expected.image) {
        out.push(`container ${expected.name}: runs image ${live.Image.slice(0, 19)}, state has ${expected.image.slice(0, 19)}`);
    }
    const labels = live.Config.Labels ?? {};
    for (const [k, v] of Object.entries(expected.labels)) {
        if (labels[k] !== v) {
            out.push(`container ${expected.name}: label ${k}=${JSON.stringify(labels[k] ?? null)}, state has ${JSON.stringify(v)}`);
        }
    }
    return out;
}

/** Router drift: the config file it holds and the config it serves, against the sha in state. */
export function routerDrift(router: string, expectedSha: string, fileText: string | undefined, servedSha: string | undefined): string[] {
    const out: string[] = [];
    const fileSha = fileText === undefined ? undefined : configShaOf(fileText);
    if (fileText === undefined) {
        out.push(`router ${router}: no routing config file (${ROUTER_IMAGE.innerConfig})`);
    } else if (fileSha !== expectedSha) {
        const edited = fileSha === undefined || !fileText.includes(`"configSha256":"${fileSha}"`);
        out.push(
            `router ${router}: routing config file ${edited ? "was edited by hand" : "is another config"} ` +
                `(content sha ${fileSha ?? "none"}, state has ${expectedSha})`,
        );
    }
    if (servedSha !== expectedSha) {
        out.push(`router ${router}: serves config sha ${servedSha ?? "(no answer)"}, state has ${expectedSha}`);
    }
    return out;
}

export interface PreviewStep {
    op: string;
    urn: string;
    diffReasons?: string[];
}

/** What a refresh preview plans to change, one line per step (`pulumi preview --json` steps). */
export function plannedChanges(steps: PreviewStep[]): string[] {
    const verbs: Record<string, string> = {
        create: "missing on the host: would be created",
        delete: "would be deleted",
        update: "would be updated",
        replace: "would be replaced",
        "create-replacement": "would be replaced",
    };
    return steps
        .filter((st) => verbs[st.op] !== undefined)
        .map((st) => {
            const parts = st.urn.split("::");
            const type = (parts[2] ?? "").split("$").pop();
            // The docker provider's refresh marks a stopped container `mustRun: false`.
            if (st.diffReasons?.length === 1 && st.diffReasons[0] === "mustRun") {
                return `${parts[3] ?? st.urn} [${type}]: stopped on the host: would be ${st.op === "update" ? "started" : "replaced by a new container"}`;
            }
            const why = st.diffReasons && st.diffReasons.length > 0 ? ` (${st.diffReasons.join(", ")})` : "";
            return `${parts[3] ?? st.urn} [${type}]: ${verbs[st.op]}${why}`;
        });
}

export function stackFromArgs(args: string[]): string | undefined {
    const i = args.indexOf("--stack");
    return i >= 0 ? args[i + 1] : undefined;
}

export async function main(args: string[]): Promise<number> {
    const stack = stackFromArgs(args);
    const sArgs = stack ? ["--stack", stack] : [];
    const name = stack ?? sh("pulumi", ["stack", "--show-name"]).out.trim();
    const drift: string[] = [];

    const preview = sh("pulumi", ["preview", "--refresh", "--json", "--non-interactive", ...sArgs]);
    let steps: PreviewStep[];
    try {
        steps = JSON.parse(preview.out).steps ?? [];
    } catch {
        process.stderr.write(preview.out + preview.err);
        throw new Error("pulumi preview --refresh failed (output above)");
    }
    drift.push(...plannedChanges(steps).map((c) => `refresh: ${c}`));

    const exported = sh("pulumi", ["stack", "export", ...sArgs]);
    if (exported.code !== 0) {
        throw new Error(`pulumi stack export failed: ${exported.err}`);
    }
    const resources: StateResource[] = JSON.parse(exported.out).deployment?.resources ?? [];
    const provider = resources.find((r) => r.type === "pulumi:providers:docker");
    const env = { ...process.env, DOCKER_HOST: String(provider?.inputs?.host ?? process.env.DOCKER_HOST ?? "") };
    const stackOut = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs ?? {};
    const expectedSha = String(stackOut.routerConfigSha256 ?? "");
    const router = String(stackOut.routerContainer ?? "");

    const containers = expectedContainers(resources);
    for (const c of containers) {
        const ins = sh("docker", ["inspect", c.name], env);
        const live = ins.code === 0 ? (JSON.parse(ins.out)[0] as InspectedContainer) : undefined;
        drift.push(...containerDrift(c, live));
    }

    if (router) {
        const file = sh("docker", ["exec", router, "cat", ROUTER_IMAGE.innerConfig], env);
        const status = sh(
            "docker",
            ["exec", router, "curl", "-fsS", "--max-time", "5", `http://127.0.0.1:${ROUTER_IMAGE.frontPort}/_switchyard/status`],
            env,
        );
        let served: string | undefined;
        try {
            served = JSON.parse(status.out).configSha256;
        } catch {
            served = undefined;
        }
        const routing = routerDrift(router, expectedSha, file.code === 0 ? file.out : undefined, served);
        drift.push(...routing);
        if (routing.length > 0) {
            const apply = resources.find((r) => r.type === "command:local:Command" && r.urn.endsWith("::routing-apply"));
            if (apply) {
                const t = sh("pulumi", ["state", "taint", apply.urn, "--yes", ...sArgs]);
                drift.push(
                    t.code === 0
                        ? "router: marked the routing apply step for re-apply; `pulumi up` restores the config in state"
                        : `router: could not mark the routing apply step (${t.err.trim()}); heal with pulumi up --replace '${apply.urn}'`,
                );
            }
        }
    }

    if (drift.length === 0) {
        process.stdout.write(
            `switchyard drift check, stack ${name}: no drift ` +
                `(${resources.length} resources refreshed, ${containers.length} containers and the router config ${expectedSha.slice(0, 12)} checked live)\n`,
        );
        return 0;
    }
    process.stdout.write(
        `switchyard drift check, stack ${name}: DRIFT\n  - ${drift.join("\n  - ")}\n` + `Heal with: pulumi up --refresh --stack ${name}\n`,
    );
    return 1;
}
