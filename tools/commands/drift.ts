/**
 * `switchyard drift [--stack S] [--json]`: is the host what Pulumi state says it is?
 *  1. a refresh preview (`stack.preview({ refresh: true })`): the providers read every resource
 *     back (a removed or stopped app container, a missing network or volume) and nothing may change.
 *     Not `stack.previewRefresh()`: that shows how a refresh would rewrite state (a removed
 *     container is a `delete` of its state entry), while drift is what the next update would do
 *     about it (create it again, replace a stopped one), which is what the lines name;
 *  2. live checks of what refresh cannot see: the routing config the router holds and serves
 *     (its sha against `routerConfigSha256` in state), and each app container's labels and image.
 * Exit 0: no drift. Exit 1: drift, each item named; router drift also marks the routing apply
 * step for re-apply, so the next `switchyard up` heals everything. Exit 2: the check could not run.
 */
import { execFile } from "child_process";
import { promisify } from "util";
import type { PreviewStep } from "../drift/drift";
import { checkDrift, DriftDeps, renderDrift } from "../drift/report";
import { ROUTER_IMAGE } from "../../domain/routerImage";
import { CliError, CommonOptions, errorText, ExitCode, Io, maskedIo } from "../lib/cli";
import { docker } from "../lib/docker";
import { readRouterStatus } from "../lib/routerStatus";
import { Progress } from "../lib/progress";
import { OpenStack, withStack } from "../lib/stack";

export type DriftOptions = CommonOptions;

export async function drift(opts: DriftOptions, io: Io): Promise<ExitCode> {
    return withStack(opts, async (s) => {
        io = maskedIo(io, s.scrub);
        const progress = new Progress(io.now, io.err);
        progress.say(`stack ${s.name}: refresh preview`);
        const steps: PreviewStep[] = [];
        try {
            await s.stack.preview({
                refresh: true,
                expectNoChanges: false,
                onEvent: (e) => {
                    progress.onEvent(e);
                    const m = e.resourcePreEvent?.metadata;
                    if (m) {
                        steps.push({ op: m.op, urn: m.urn, diffReasons: m.diffs });
                    }
                },
            });
        } catch (e) {
            throw new CliError(`the refresh preview failed:\n${errorText(e)}`, ExitCode.Usage);
        }
        progress.say(`stack ${s.name}: live container and router checks`);
        const report = await checkDrift(s.name, steps, io.env.DOCKER_HOST ?? "", liveDeps(s));
        io.out(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderDrift(report));
        return report.drift ? ExitCode.Failed : ExitCode.Ok;
    });
}

/** The drift checks' live reads (Docker, the router) and the state edit, for a stack. */
export function liveDeps(s: OpenStack): DriftDeps {
    return {
        exportState: () => s.stack.exportStack(),
        inspect: (host, name) => {
            const r = docker(host, ["inspect", name], s.dockerTls);
            return r.code === 0 ? JSON.parse(r.out)[0] : undefined;
        },
        routerFile: (host, router) => {
            const r = docker(host, ["exec", router, "cat", `${ROUTER_IMAGE.configDir}/inner.conf`], s.dockerTls);
            return r.code === 0 ? r.out : undefined;
        },
        routerServedSha: (host, router, statusPath) => {
            const sha = readRouterStatus(host, router, statusPath, s.dockerTls)?.configSha256;
            return typeof sha === "string" ? sha : undefined;
        },
        markForReapply: (urn) => taint(s, urn),
    };
}

/**
 * `pulumi state taint`: the Automation API of @pulumi/pulumi 3.259 has no state operations (no
 * taint, neither on Stack nor on Workspace), and the other way it offers, exportStack + edit +
 * importStack, would write back an export that holds every secret in plain text (or, stripped,
 * would lose them). So this one state edit runs the same CLI binary the Automation API resolved
 * (`workspace.pulumiCommand`), with the workspace's environment; only its exit status is read.
 */
async function taint(s: OpenStack, urn: string): Promise<string | undefined> {
    try {
        await promisify(execFile)(
            s.workspace.pulumiCommand.command,
            ["state", "taint", urn, "--yes", "--non-interactive", "--stack", s.name],
            {
                cwd: s.workspace.workDir,
                env: { ...process.env, ...s.workspace.envVars },
            },
        );
        return undefined;
    } catch (e) {
        return String((e as { stderr?: string }).stderr ?? e).trim() || "exit status non-zero";
    }
}
