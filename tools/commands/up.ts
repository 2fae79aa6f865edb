/**
 * `switchyard up [--stack S] [--create] [--policy-pack DIR]... [--no-refresh] [--exclude-host NAME]... [--json]`:
 * every Docker host of the stack is probed first (a few seconds each): one that does not answer is
 * refused, named, before anything changes, unless `--exclude-host` leaves it out of this update (its
 * resources stay as they are, recorded in the output excludedHosts). Then the update, with a refresh first (the host is read back, so a container that died or was removed is healed too) and
 * the policy packs given. Prints the summary from the engine's typed result ("up to date: nothing
 * changed" when every resource is `same`), each policy violation (name, level, message) and the
 * router's addresses. Exit 0: updated (advisory violations do not block); 1: the update failed
 * (a mandatory violation among the reasons); 2: usage or environment.
 */
import * as path from "path";
import type { OpMap, OutputMap } from "@pulumi/pulumi/automation";
import { CommonOptions, errorText, ExitCode, Io, maskedIo } from "../lib/cli";
import { Progress } from "../lib/progress";
import { formatChanges, formatPolicy, PolicyViolation, policyViolation, uniqueViolations } from "../lib/summary";
import { withStack } from "../lib/stack";
import { stackConfigOf } from "../lib/stackConfig";
import { docker } from "../lib/docker";
import { hostOf, resourceName } from "../lib/urn";
import { CliError } from "../lib/cli";

export interface UpOptions extends CommonOptions {
    /** Policy pack directories (relative to the current directory). */
    policyPack: string[];
    refresh: boolean;
    /** Create the stack when it does not exist yet. @default false */
    create?: boolean;
    /** Hosts of docker.hosts this update leaves as they are (the first cannot be). @default [] */
    excludeHost?: string[];
}

/** How long a host has to answer the probe: the docker CLI's own ssh connect timeout (30 s) is too long. */
export const PROBE_TIMEOUT_MS = 5_000;

export interface HostProbe {
    name: string;
    host: string;
    ok: boolean;
    /** Why it is taken as down. */
    error?: string;
}

/**
 * Whether the update may go on: every host answers or is left out. @returns the refusal (naming the
 * hosts and the fix), or undefined.
 */
export function hostRefusal(stack: string, probes: readonly HostProbe[]): string | undefined {
    const down = probes.filter((p) => !p.ok);
    if (down.length === 0) {
        return undefined;
    }
    const names = down.map((p) => p.name);
    return (
        `stack ${stack}: ${down.map((p) => `host ${p.name} (${p.host}) does not answer: ${p.error}`).join("; ")}. Nothing was changed. ` +
        `Fix: bring it back, or release on the other hosts with ${names.map((n) => `--exclude-host ${n}`).join(" ")} (recorded in the output excludedHosts)`
    );
}

/** Which hosts `--exclude-host` may name: listed in docker.hosts, not the first. @returns the refusal, or undefined. */
export function excludeRefusal(hosts: readonly string[], excluded: readonly string[]): string | undefined {
    for (const name of excluded) {
        if (!hosts.includes(name)) {
            return `--exclude-host ${name}: not a host of docker.hosts (${hosts.join(", ")})`;
        }
        if (name === hosts[0]) {
            return `--exclude-host ${name}: the first host runs the once-per-stack steps (snapshot, migration, backup runner, monitoring) and cannot be left out`;
        }
    }
    if (excluded.length > 0 && hosts.length < 2) {
        return "--exclude-host needs a stack with several docker.hosts";
    }
    return undefined;
}

export interface UpReport {
    stack: string;
    ok: boolean;
    resourceChanges: OpMap;
    summary: string;
    policyViolations: PolicyViolation[];
    /** Stack outputs that are not secret. */
    outputs: Record<string, unknown>;
    error?: string;
}

/** The lines `switchyard up` prints for a report. */
export function renderUp(r: UpReport): string {
    const lines = r.policyViolations.map(formatPolicy);
    const advisory = r.policyViolations.filter((v) => v.level === "advisory").length;
    if (r.ok && advisory > 0) {
        lines.push(`${advisory} advisory policy violation(s) on stack ${r.stack}: reported, they did not block the update`);
    }
    if (!r.ok) {
        lines.push(`switchyard up, stack ${r.stack}: the update failed`);
        return `${lines.join("\n")}\n`;
    }
    lines.push(`switchyard up, stack ${r.stack}: ${r.summary}`);
    const o = r.outputs;
    if (o.routerUrl !== undefined) {
        // An internal status URL is read from inside the router container.
        const status = String(o.routerStatusUrl ?? "").startsWith(String(o.routerUrl))
            ? o.routerStatusUrl
            : `docker exec ${o.routerContainer} curl -fsS ${o.routerStatusUrl}`;
        lines.push(`router: ${o.routerUrl}   status: ${status}`);
    }
    for (const h of Array.isArray(o.hosts) ? (o.hosts as { name: string; routerUrl: string }[]) : []) {
        lines.push(`  host ${h.name}: router ${h.routerUrl}`);
    }
    if (Array.isArray(o.excludedHosts) && o.excludedHosts.length > 0) {
        lines.push(`left out of this update, as they were: ${o.excludedHosts.join(", ")}`);
    }
    if (o.activeColor !== undefined) {
        lines.push(`active colour: ${o.activeColor}, deployment: ${o.deploymentId}`);
    }
    return `${lines.join("\n")}\n`;
}

/** Outputs without their secret ones (the update does not ask for secrets: they read "[secret]"). */
export function plainOutputs(outputs: OutputMap): Record<string, unknown> {
    return Object.fromEntries(
        Object.entries(outputs)
            .filter(([, v]) => !v.secret)
            .map(([k, v]) => [k, v.value]),
    );
}

export async function up(opts: UpOptions, io: Io): Promise<ExitCode> {
    return withStack(opts, async (s) => {
        io = maskedIo(io, s.scrub);
        const progress = new Progress(io.now, io.err);
        const policyPacks = opts.policyPack.map((p) => path.resolve(p));
        progress.say(`stack ${s.name}: up${opts.refresh ? " --refresh" : ""}${policyPacks.map((p) => ` --policy-pack ${p}`).join("")}`);
        const excluded = [...new Set(opts.excludeHost ?? [])];
        const all = await s.stack.getAllConfig();
        const { config } = stackConfigOf(s.name, all);
        const hosts = config.docker.hosts ?? [{ name: "default", host: config.docker.host, labels: {} }];
        const refusedExclude = excludeRefusal(
            hosts.map((h) => h.name),
            excluded,
        );
        if (refusedExclude) {
            throw new CliError(`${refusedExclude}. Nothing was changed`, ExitCode.Usage);
        }
        const probes = hosts.filter((h) => !excluded.includes(h.name)).map((h) => probeHost(h.name, h.host, s.dockerTls));
        const refused = hostRefusal(s.name, probes);
        if (refused) {
            throw new CliError(refused, ExitCode.Usage);
        }
        // Left out: the program keeps the host out of the routers' wait (and records it), and the
        // engine leaves every resource on it as it is.
        const exclude: string[] = [];
        if (excluded.length > 0) {
            const state = await s.stack.exportStack();
            const resources = (state.deployment?.resources ?? []) as { urn: string }[];
            const names = hosts.map((h) => h.name);
            exclude.push(...resources.map((r) => r.urn).filter((u) => excluded.includes(hostOf(resourceName(u), names) ?? "")));
            progress.say(`stack ${s.name}: leaving ${excluded.join(", ")} as they are (${exclude.length} resources)`);
            for (const [i, name] of excluded.entries()) {
                await s.stack.setConfig(`docker.excludeHosts[${i}]`, { value: name }, true);
            }
        }
        const violations: PolicyViolation[] = [];
        const base = { stack: s.name, resourceChanges: {}, summary: "", outputs: {} };
        let report: UpReport;
        try {
            if (exclude.length > 0 && opts.refresh) {
                // The refresh leaves the same resources alone (up --refresh would read them too).
                await s.stack.refresh({ exclude, onEvent: (e) => progress.onEvent(e) });
            }
            const result = await s.stack.up({
                refresh: opts.refresh && exclude.length === 0,
                ...(exclude.length > 0 ? { exclude } : {}),
                policyPacks,
                onEvent: (e) => {
                    progress.onEvent(e);
                    if (e.policyEvent) {
                        violations.push(policyViolation(e.policyEvent));
                    }
                },
            });
            const changes = result.summary.resourceChanges ?? {};
            report = {
                ...base,
                ok: true,
                resourceChanges: changes,
                summary: formatChanges(changes),
                policyViolations: uniqueViolations(violations),
                outputs: plainOutputs(result.outputs),
            };
        } catch (e) {
            io.err(`${errorText(e)}\n`);
            report = { ...base, ok: false, policyViolations: uniqueViolations(violations), error: errorText(e) };
        }
        if (excluded.length > 0) {
            // For this update only: the next one reaches every host again (or is refused while one is down).
            await s.stack.removeConfig("docker.excludeHosts", true);
        }
        io.out(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderUp(report));
        return report.ok ? ExitCode.Ok : ExitCode.Failed;
    });
}

/** A short `docker version` against the host: it answers within PROBE_TIMEOUT_MS or is taken as down. */
function probeHost(name: string, host: string, tls: Readonly<Record<string, string>>): HostProbe {
    const r = docker(host, ["version", "--format", "{{.Server.Version}}"], tls, { timeoutMs: PROBE_TIMEOUT_MS });
    if (r.code === 0 && r.out.trim() !== "") {
        return { name, host, ok: true };
    }
    const why = r.err.includes("ETIMEDOUT")
        ? `no answer in ${PROBE_TIMEOUT_MS / 1000} s`
        : (r.err || r.out).trim().split("\n")[0] || `exit ${r.code}`;
    return { name, host, ok: false, error: why };
}
