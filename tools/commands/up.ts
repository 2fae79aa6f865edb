/**
 * `switchyard up [--stack S] [--create] [--policy-pack DIR]... [--no-refresh] [--json]`: the update, with a
 * refresh first (the host is read back, so a container that died or was removed is healed too) and
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

export interface UpOptions extends CommonOptions {
    /** Policy pack directories (relative to the current directory). */
    policyPack: string[];
    refresh: boolean;
    /** Create the stack when it does not exist yet. @default false */
    create?: boolean;
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
        const violations: PolicyViolation[] = [];
        const base = { stack: s.name, resourceChanges: {}, summary: "", outputs: {} };
        let report: UpReport;
        try {
            const result = await s.stack.up({
                refresh: opts.refresh,
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
        io.out(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderUp(report));
        return report.ok ? ExitCode.Ok : ExitCode.Failed;
    });
}
