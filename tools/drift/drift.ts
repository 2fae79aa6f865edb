/**
 * Pure parts of `switchyard drift`: what a refresh preview plans, and what differs between the
 * containers and router config in state and what runs on the host. The command
 * (tools/commands/drift.ts) gathers the inputs; tools/drift/report.ts puts them together.
 */
import { configShaOf } from "../../components/routing/nginxConfig";
import { ROUTER_IMAGE } from "../../domain/routerImage";
import type { DueScaleDown } from "../../domain/scaleDown";

export interface StateResource {
    urn: string;
    type: string;
    id?: string;
    /** `<provider urn>::<provider id>`: which Docker host a resource is on. */
    provider?: string;
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

/** What a refresh preview plans to change, one line per step (the engine's resourcePreEvent steps). */
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

/**
 * The preview steps a due scale-down of the idle colour explains (domain/scaleDown.ts): its
 * surplus containers deleted, its gate re-run on the remaining ones, the routing apply without
 * them. Everything else is left for the drift lines. A due scale-down never creates anything.
 */
export function splitDueScaleDown(steps: PreviewStep[], due: readonly DueScaleDown[]): { explained: PreviewStep[]; rest: PreviewStep[] } {
    const explained: PreviewStep[] = [];
    const rest: PreviewStep[] = [];
    for (const st of steps) {
        const name = st.urn.split("::")[3] ?? "";
        const byScaleDown =
            due.length > 0 &&
            ((st.op === "update" && name === "routing-apply") ||
                due.some(
                    (d) =>
                        (st.op === "delete" && new RegExp(`^app-${d.color}-\\d+$`).test(name)) ||
                        (st.op === "update" && name === `gate-${d.color}-check`),
                ));
        (byScaleDown ? explained : rest).push(st);
    }
    return { explained, rest };
}
