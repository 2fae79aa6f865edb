/**
 * `switchyard drift` put together: the refresh preview's planned steps, state (stripped of its
 * secrets right after reading), the live container and router checks, and the lines printed.
 * Everything outside (engine, docker, the state edit) comes in through `DriftDeps`, so the whole
 * path from an export to the printed report is unit-tested.
 */
import {
    containerDrift,
    expectedContainers,
    InspectedContainer,
    plannedChanges,
    PreviewStep,
    routerDrift,
    splitDueScaleDown,
    StateResource,
} from "./drift";
import { ROUTER_IMAGE } from "../../domain/routerImage";
import { dueScaleDowns } from "../../domain/scaleDown";
import { stripSecrets } from "../lib/secrets";
import { hostOf } from "../lib/urn";

export interface DriftDeps {
    /** `stack.exportStack()`: holds secrets in plain text; only ever passed through stripSecrets. */
    exportState(): Promise<unknown>;
    /** The running container of that name (`docker inspect`), under the stack's Docker host. */
    inspect(dockerHost: string, name: string): InspectedContainer | undefined;
    /** The routing config file the router holds, and the config sha it serves at the status path. */
    routerFile(dockerHost: string, router: string): string | undefined;
    routerServedSha(dockerHost: string, router: string, statusPath: string): string | undefined;
    /** Marks the routing apply step for re-apply; an error text when that failed. */
    markForReapply(urn: string): Promise<string | undefined>;
}

export interface DriftReport {
    stack: string;
    drift: boolean;
    /** One line per drift found (empty without drift). */
    items: string[];
    resources: number;
    containers: number;
    routerConfigSha256: string;
    /**
     * Scale-downs of the idle colour that time made due (app.scaleDownDelay passed): not drift; the
     * next update does them. One line each, with the preview steps they explain.
     */
    scaleDownDue: string[];
}

export async function checkDrift(
    stack: string,
    steps: PreviewStep[],
    fallbackDockerHost: string,
    deps: DriftDeps,
    now: number = Date.now(),
): Promise<DriftReport> {
    const state = stripSecrets(await deps.exportState()) as { deployment?: { resources?: StateResource[] } };
    const resources = state.deployment?.resources ?? [];
    const provider = resources.find((r) => r.type === "pulumi:providers:docker");
    const dockerHost = String(provider?.inputs?.host ?? fallbackDockerHost);
    const stackOut = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs ?? {};
    const due = dueScaleDowns(stackOut.colorScale, now);
    const { explained, rest } = splitDueScaleDown(steps, due);
    const drift = plannedChanges(rest).map((c) => `refresh: ${c}`);
    const explainedLines = [...new Set(plannedChanges(explained))];
    const scaleDownDue = due.map(
        (d) =>
            `${d.color} (idle since ${d.idleSince}; app.scaleDownDelay passed at ${d.scaleDownAt}) still runs ${d.replicas} replica(s): ` +
            `the next update (switchyard up) scales it to app.idleReplicas${explainedLines.length > 0 ? `; the preview's ${explainedLines.join("; ")}` : ""}`,
    );
    const expectedSha = String(stackOut.routerConfigSha256 ?? "");
    const router = String(stackOut.routerContainer ?? "");
    // The configured status path (router.statusPath), as the stack published it.
    const statusPath = stackOut.routerStatusUrl ? new URL(String(stackOut.routerStatusUrl)).pathname : ROUTER_IMAGE.defaultStatusPath;

    // Several hosts: each resource's host from its provider, each host's router from the outputs.
    const hostList = Array.isArray(stackOut.hosts)
        ? (stackOut.hosts as { name: string; host: string; routerContainer: string; routerConfigSha256: string }[])
        : undefined;
    const providerHost = new Map(
        resources.filter((r) => r.type === "pulumi:providers:docker").map((r) => [`${r.urn}::${r.id}`, String(r.inputs?.host ?? "")]),
    );
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const hostNameOf = (endpoint: string) => hostList?.find((h) => h.host === endpoint)?.name;
    const on = (endpoint: string) => (hostList ? `host ${hostNameOf(endpoint) ?? endpoint}: ` : "");
    if (hostList) {
        const names = hostList.map((h) => h.name);
        for (const [i, line] of drift.entries()) {
            const name = /^refresh: (\S+) \[/.exec(line)?.[1];
            const host = name ? hostOf(name, names) : undefined;
            if (host) {
                drift[i] = `host ${host}: ${line}`;
            }
        }
    }

    const containers = expectedContainers(resources);
    for (const c of containers) {
        const provider = byUrn.get(c.urn)?.provider;
        const host = (provider && providerHost.get(provider)) || dockerHost;
        drift.push(...containerDrift(c, deps.inspect(host, c.name)).map((line) => `${on(host)}${line}`));
    }
    const routers = hostList
        ? hostList.map((h, i) => ({
              name: h.name,
              host: h.host,
              container: h.routerContainer,
              sha: h.routerConfigSha256,
              apply: i === 0 ? "routing-apply" : `routing@${h.name}-apply`,
          }))
        : router
          ? [{ name: "", host: dockerHost, container: router, sha: expectedSha, apply: "routing-apply" }]
          : [];
    for (const r of routers) {
        const prefix = r.name ? `host ${r.name}: ` : "";
        const routing = routerDrift(
            r.container,
            r.sha,
            deps.routerFile(r.host, r.container),
            deps.routerServedSha(r.host, r.container, statusPath),
        );
        drift.push(...routing.map((line) => `${prefix}${line}`));
        if (routing.length > 0) {
            const apply = resources.find((x) => x.type === "command:local:Command" && x.urn.endsWith(`::${r.apply}`));
            if (apply) {
                const err = await deps.markForReapply(apply.urn);
                drift.push(
                    prefix +
                        (err === undefined
                            ? "router: marked the routing apply step for re-apply; `pulumi up` restores the config in state"
                            : `router: could not mark the routing apply step (${err}); heal with pulumi up --replace '${apply.urn}'`),
                );
            }
        }
    }
    // A replacement is several engine steps (create-replacement, replace) with the same line: once is enough.
    const items = [...new Set(drift)];
    return {
        stack,
        drift: items.length > 0,
        items,
        resources: resources.length,
        containers: containers.length,
        routerConfigSha256: expectedSha,
        scaleDownDue,
    };
}

/** The lines `switchyard drift` prints (the wording of the former `node scripts/sy.js drift`: CI and tests read it). */
export function renderDrift(r: DriftReport): string {
    const due = r.scaleDownDue.map((l) => `scale-down due, not drift: ${l}\n`).join("");
    if (!r.drift) {
        return (
            `switchyard drift check, stack ${r.stack}: no drift ` +
            `(${r.resources} resources refreshed, ${r.containers} containers and the router config ${r.routerConfigSha256.slice(0, 12)} checked live)\n` +
            due
        );
    }
    return (
        `switchyard drift check, stack ${r.stack}: DRIFT\n  - ${r.items.join("\n  - ")}\n` +
        due +
        `Heal with: pulumi up --refresh --stack ${r.stack}\n`
    );
}
