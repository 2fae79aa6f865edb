/**
 * `switchyard recover [--stack S] [--json]`: brings a stack back after an interrupted update
 * (Ctrl-C, a killed CI job, a lost SSH session). The router keeps serving throughout: it is only
 * ever changed by a validated reload, and an interrupted release never reached that step.
 *  1. `stack.cancel()`: releases the stack lock an interrupted run left behind;
 *  2. `stack.refresh({ clearPendingCreates: true })`: reads every resource back and drops the
 *     operations that were in flight from state;
 *  3. removes the stack's app containers that Docker has but state does not (created by the
 *     interrupted run, never routed to): their fixed names would block the next create.
 * Then run `switchyard up` to finish the release. Exit 0: recovered; 1: the refresh failed; 2: usage.
 */
import { CommonOptions, errorText, ExitCode, firstLine, Io, maskedIo } from "../lib/cli";
import { docker } from "../lib/docker";
import { Progress } from "../lib/progress";
import { stripSecrets } from "../lib/secrets";
import { withStack } from "../lib/stack";
import type { StateResource } from "../drift/drift";
import { orphans, parsePs } from "../recover/orphans";

export type RecoverOptions = CommonOptions;

export interface RecoverReport {
    stack: string;
    ok: boolean;
    lockReleased: boolean;
    refreshed: boolean;
    removed: string[];
    notRemoved: { name: string; error: string }[];
    /** What was said, line by line (the human output without its prefix). */
    lines: string[];
    error?: string;
}

export async function recover(opts: RecoverOptions, io: Io): Promise<ExitCode> {
    return withStack(opts, async (s) => {
        io = maskedIo(io, s.scrub);
        const progress = new Progress(io.now, io.err);
        const report: RecoverReport = {
            stack: s.name,
            ok: false,
            lockReleased: false,
            refreshed: false,
            removed: [],
            notRemoved: [],
            lines: [],
        };
        const say = (line: string) => {
            report.lines.push(line);
            if (opts.json) {
                progress.say(line);
            } else {
                io.out(`switchyard recover: ${line}\n`);
            }
        };
        const finish = (code: ExitCode) => {
            if (opts.json) {
                io.out(`${JSON.stringify(report, null, 2)}\n`);
            }
            return code;
        };

        try {
            await s.stack.cancel();
            report.lockReleased = true;
            say("released the stack lock");
        } catch (e) {
            say(`no lock to release (${firstLine(e)})`);
        }

        try {
            await s.stack.refresh({ clearPendingCreates: true, onEvent: (e) => progress.onEvent(e) });
        } catch (e) {
            report.error = errorText(e);
            io.err(`${report.error}\n`);
            say("the refresh failed (output above); nothing was removed");
            return finish(ExitCode.Failed);
        }
        report.refreshed = true;
        say("refreshed state from the host and cleared pending operations");

        const state = stripSecrets(await s.stack.exportStack()) as { deployment?: { resources?: StateResource[] } };
        const resources = state.deployment?.resources ?? [];
        const provider = resources.find((r) => r.type === "pulumi:providers:docker");
        const host = String(provider?.inputs?.host ?? io.env.DOCKER_HOST ?? "");
        const ps = docker(
            host,
            ["ps", "-a", "--no-trunc", "--filter", `label=switchyard.stack=${s.name}`, "--format", "{{.ID}} {{.Names}}"],
            s.dockerTls,
        );
        const stray = orphans(parsePs(ps.out), resources);
        for (const c of stray) {
            const rm = docker(host, ["rm", "-f", c.id], s.dockerTls);
            if (rm.code === 0) {
                report.removed.push(c.name);
                say(`removed container ${c.name}, left by the interrupted run (never routed to)`);
            } else {
                report.notRemoved.push({ name: c.name, error: rm.err.trim() });
                say(`could not remove ${c.name}: ${rm.err.trim()}`);
            }
        }
        report.ok = true;
        say(`done: ${report.removed.length} stray container(s) removed; now run \`switchyard up --stack ${s.name}\` to finish the release`);
        return finish(ExitCode.Ok);
    });
}
