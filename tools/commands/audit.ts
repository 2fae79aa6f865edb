/**
 * `switchyard audit [--since DATE] [--stack S] [--json]`: a readable history of releases, rollbacks,
 * emergencies and drift checks, from the deployment records and the stack's update history
 * (`stack.history()`, which keeps each update's kind, result, time and config). `pulumi stack
 * export` stays the raw record; this reads neither it nor any secret.
 */
import type { UpdateSummary } from "@pulumi/pulumi/automation";
import type { DeploymentRecord } from "../../domain/deploymentRecord";
import { stackConfigOf } from "../lib/stackConfig";
import { CliError, CommonOptions, ExitCode, Io } from "../lib/cli";
import { Progress } from "../lib/progress";
import { recordStore } from "../lib/records";
import { withStack } from "../lib/stack";

export interface AuditOptions extends CommonOptions {
    /** Only entries at or after this time (ISO date or date-time). */
    since?: string;
}

export type AuditKind = "release" | "rollback" | "emergency" | "drift-check" | "update" | "refresh" | "destroy";

export interface AuditEntry {
    at: string;
    kind: AuditKind;
    /** succeeded | failed | rolled-back | promoted | in-progress | no drift | DRIFT ... */
    result: string;
    who: string | null;
    summary: string;
    /** The record id, or the history's update version. */
    ref: string;
}

export function parseSince(v: string | undefined): Date | undefined {
    if (v === undefined) return undefined;
    const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
    if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(d.getTime())) {
        throw new CliError(`--since must be a date such as 2026-11-30 or 2026-11-30T10:00:00Z (got ${JSON.stringify(v)})`, ExitCode.Usage);
    }
    return d;
}

/** The part of an update summary the audit reads. */
export type HistoryItem = Pick<
    UpdateSummary,
    "kind" | "startTime" | "result" | "message" | "config" | "environment" | "resourceChanges"
> & {
    version?: number;
};

/** Entries from records and history, oldest first, from `since` on. Pure. */
export function auditEntries(records: readonly DeploymentRecord[], history: readonly HistoryItem[], since?: Date): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (const r of records) {
        const v = r.versions;
        out.push({
            at: r.startedAt,
            kind: r.kind,
            result: r.outcome,
            who: r.who,
            summary:
                r.kind === "rollback"
                    ? `level ${r.level}: ${r.colors.activeBefore} ${v.from} -> ${r.colors.activeAfter} ${v.to}${r.rollbackReason ? ` (${r.rollbackReason})` : ""}${r.error ? `; ${r.error}` : ""}`
                    : `${v.from} -> ${v.to} on ${r.colors.canary}${r.rollbackReason ? ` (${r.rollbackReason})` : ""}`,
            ref: r.id,
        });
        if (r.driftProof) {
            out.push({
                at: r.driftProof.checkedAt,
                kind: "drift-check",
                result: r.driftProof.noChanges ? "no drift" : "DRIFT",
                who: r.who,
                summary: `after ${r.id}${r.driftProof.error ? `: ${r.driftProof.error}` : ""}`,
                ref: r.id,
            });
        }
    }
    for (const h of history) {
        const override = h.config?.["switchyard:deploymentWindow"]?.value;
        let reason: string | undefined;
        try {
            reason = override ? (JSON.parse(override) as { override?: { reason?: string } }).override?.reason : undefined;
        } catch {
            reason = undefined;
        }
        const changes = Object.entries(h.resourceChanges ?? {})
            .filter(([op, n]) => op !== "same" && (n ?? 0) > 0)
            .map(([op, n]) => `${n} ${op}`)
            .join(", ");
        const kind: AuditKind = reason ? "emergency" : h.kind === "refresh" ? "refresh" : h.kind === "destroy" ? "destroy" : "update";
        const actor = h.environment?.["github.actor"] ?? h.environment?.["git.author"] ?? null;
        out.push({
            at: new Date(h.startTime).toISOString(),
            kind,
            result: h.result,
            who: actor,
            summary: `${h.kind}${changes ? `: ${changes}` : ": no changes"}${reason ? `; deployment window overridden: ${reason}` : ""}${h.message ? ` — ${h.message.split("\n")[0]}` : ""}`,
            ref: h.version !== undefined ? `update ${h.version}` : h.kind,
        });
    }
    return out.filter((e) => !since || Date.parse(e.at) >= since.getTime()).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

export function renderAudit(stack: string, entries: readonly AuditEntry[]): string {
    if (entries.length === 0) return `stack ${stack}: nothing in the audit trail for that period\n`;
    return `${entries.map((e) => `${e.at}  ${e.kind.padEnd(11)}  ${e.result.padEnd(11)}  ${e.summary}${e.who ? `  [${e.who}]` : ""}  (${e.ref})`).join("\n")}\n`;
}

export async function audit(opts: AuditOptions, io: Io): Promise<ExitCode> {
    const since = parseSince(opts.since);
    return withStack(opts, async (s) => {
        const progress = new Progress(io.now, io.err);
        progress.say(`stack ${s.name}: reading records and update history`);
        const parsed = stackConfigOf(s.name, await s.stack.getAllConfig(), { DOCKER_CONTEXT: io.env.DOCKER_CONTEXT });
        const store = recordStore(parsed.config, io.env);
        const records = store ? await store.list() : [];
        // Secrets stay hidden (showSecrets false): the history's config shows them as [secret].
        const history = await s.stack.history(undefined, undefined, false);
        const entries = auditEntries(records, history, since);
        io.out(
            opts.json
                ? `${JSON.stringify({ stack: s.name, since: since?.toISOString() ?? null, records: records.length, entries }, null, 2)}\n`
                : renderAudit(s.name, entries),
        );
        return ExitCode.Ok;
    });
}
