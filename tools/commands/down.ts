/**
 * `switchyard down [--stack S] [--json]`: removes every resource of the stack (containers, router,
 * network, volumes, local commands' files) through `stack.destroy()`; the stack and its history
 * stay in the backend. Exit 0: removed; 1: the destroy failed (what is left is named by the engine).
 */
import type { OpMap } from "@pulumi/pulumi/automation";
import { CommonOptions, errorText, ExitCode, Io, maskedIo } from "../lib/cli";
import { Progress } from "../lib/progress";
import { withStack } from "../lib/stack";

export type DownOptions = CommonOptions;

export interface DownReport {
    stack: string;
    ok: boolean;
    resourceChanges: OpMap;
    error?: string;
}

export function renderDown(r: DownReport): string {
    if (!r.ok) {
        return `switchyard down, stack ${r.stack}: the destroy failed\n`;
    }
    const removed = r.resourceChanges.delete ?? 0;
    return `switchyard down, stack ${r.stack}: ${removed} resource(s) removed; the stack and its history stay in the backend\n`;
}

export async function down(opts: DownOptions, io: Io): Promise<ExitCode> {
    return withStack(opts, async (s) => {
        io = maskedIo(io, s.scrub);
        const progress = new Progress(io.now, io.err);
        progress.say(`stack ${s.name}: destroy`);
        let report: DownReport;
        try {
            const result = await s.stack.destroy({ onEvent: (e) => progress.onEvent(e) });
            report = { stack: s.name, ok: true, resourceChanges: result.summary.resourceChanges ?? {} };
        } catch (e) {
            io.err(`${errorText(e)}\n`);
            report = { stack: s.name, ok: false, resourceChanges: {}, error: errorText(e) };
        }
        io.out(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderDown(report));
        return report.ok ? ExitCode.Ok : ExitCode.Failed;
    });
}
