/**
 * Notification texts: one template per event kind with `{{field}}` placeholders, overridable in
 * config (notifications.templates). Values are escaped for the sink's format (Telegram HTML,
 * Slack mrkdwn, plain text for the JSON webhook) before they are put in, so a version string or a
 * reason can never inject markup; the template's own markup stays.
 */
import type { BackupFailureEvent, ReleaseEvent, ReleaseEventKind } from "./releaseEvent";

export type TextFormat = "html" | "slack" | "plain";

export const DEFAULT_TEMPLATES: Readonly<Record<ReleaseEventKind, string>> = {
    "release-start": "{{stack}}: release {{from}} → {{to}} started on {{canaryColor}} ({{deploymentId}})",
    step: "{{stack}}: step {{step}} at {{weight}}% on {{canaryColor}}: {{decision}} {{reason}}",
    inconclusive: "{{stack}}: step {{step}} inconclusive: {{reason}}. Promote: {{promoteCommand}} Abort: {{abortCommand}}",
    paused: "{{stack}}: release {{to}} paused: {{reason}}",
    promote: "{{stack}}: {{to}} promoted on {{canaryColor}} ({{deploymentId}}) {{notes}}",
    rollback: "{{stack}}: rollback {{from}} → {{to}}: {{decision}}. {{reason}} {{notes}}",
    failure: "{{stack}}: {{from}} → {{to}} FAILED: {{reason}}",
    "watch-passed": "{{stack}}: {{to}} passed its watch window",
};

/**
 * Text of a failed scheduled backup run. Built in: `templates.failure` is written for releases
 * (versions, deployment id), which a backup run has none of.
 */
export const BACKUP_FAILURE_TEMPLATE =
    "{{stack}}: scheduled backup FAILED after {{durationSeconds}} s: {{reason}} (nothing was published; earlier snapshots are kept)";

/** The values the backup failure text can name. */
export function backupFailureFields(e: BackupFailureEvent): Record<string, string> {
    return { kind: e.kind, subject: e.subject, at: e.at, stack: e.stack, reason: e.reason, durationSeconds: e.durationSeconds.toFixed(1) };
}

export function escapeFor(format: TextFormat, value: string): string {
    if (format === "html") {
        return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    }
    if (format === "slack") {
        return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    }
    return value;
}

/** The values a template can name. */
export function templateFields(e: ReleaseEvent, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    const commands = e.commands ?? [];
    return {
        kind: e.kind,
        at: e.at,
        stack: e.stack,
        deploymentId: e.deploymentId,
        canaryColor: e.canaryColor,
        stableColor: e.stableColor,
        from: e.versions.from,
        to: e.versions.to,
        step: e.step ? `${e.step.index + 1}/${e.step.count}` : "",
        weight: e.step ? String(e.step.weightPercent) : "",
        decision: e.decision ?? "",
        reason: e.reason ?? "",
        commands: commands.join(" ; "),
        promoteCommand: commands.find((c) => /\bpromote\b/.test(c)) ?? commands[0] ?? "",
        abortCommand: commands.find((c) => /\babort\b/.test(c)) ?? commands[1] ?? "",
        links: Object.entries(e.links ?? {})
            .map(([k, v]) => `${k}: ${v}`)
            .join(" "),
        ...extra,
    };
}

/** Fills `{{name}}` placeholders; an unknown name is left as written so a typo shows. Whitespace is tidied. */
export function renderTemplate(template: string, fields: Readonly<Record<string, string>>, format: TextFormat): string {
    return template
        .replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (whole, name: string) =>
            Object.prototype.hasOwnProperty.call(fields, name) ? escapeFor(format, fields[name]) : whole,
        )
        .replace(/[ \t]+/g, " ")
        .trim();
}
