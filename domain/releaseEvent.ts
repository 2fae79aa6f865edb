import { Color } from "./color";

/**
 * What happens during a release, as the release driver reports it and the notification sinks and
 * deployment records receive it. One shape for every consumer, so a sink never needs the driver's
 * internals (and a record is never built from the stack's state, which holds secrets).
 */
export const RELEASE_EVENT_KINDS = [
    "release-start",
    "step",
    "inconclusive",
    "paused",
    "promote",
    "rollback",
    "failure",
    "watch-passed",
] as const;
export type ReleaseEventKind = (typeof RELEASE_EVENT_KINDS)[number];

/** One analysis reading of one metric against its threshold. */
export interface AnalysisSample {
    /** ISO-8601 time of the reading. */
    readonly at: string;
    /** e.g. `errorRatio`, `p95Seconds`, `requests`. */
    readonly metric: string;
    /** The canary's value; absent when Prometheus gave none. */
    readonly canary?: number;
    /** The stable colour's value, when compared against it. */
    readonly stable?: number;
    readonly threshold: number;
    /** pass | fail | inconclusive (too few requests) | error (Prometheus unreachable or no answer). */
    readonly result: "pass" | "fail" | "inconclusive" | "error";
}

export interface ReleaseEvent {
    readonly kind: ReleaseEventKind;
    /** ISO-8601 time the driver emitted it. */
    readonly at: string;
    readonly stack: string;
    /** The release's deployment id (domain/deploymentId.ts). */
    readonly deploymentId: string;
    /** The colour taking the new version (the idle colour when the release started). */
    readonly canaryColor: Color;
    /** The colour serving before the release. */
    readonly stableColor: Color;
    readonly versions: { readonly from: string; readonly to: string };
    /** Current step, when the event belongs to one (index from 0, weight in percent). */
    readonly step?: { readonly index: number; readonly count: number; readonly weightPercent: number };
    /** What the driver decided: continue | promote | pause | rollback | abort. */
    readonly decision?: string;
    /** Why, in one sentence (the breached metric and its value, the failed gate...). */
    readonly reason?: string;
    /** Exact commands an operator can run next (for an inconclusive step: promote and abort). */
    readonly commands?: readonly string[];
    readonly samples?: readonly AnalysisSample[];
    /** Links (dashboard, record) to show with the event. */
    readonly links?: Readonly<Record<string, string>>;
}

/**
 * A failed scheduled backup run, as the backup runner sends it to the stack's sinks. It belongs to
 * no release (no deployment, colour or version); `subject` tells it from a release's `failure`.
 */
export interface BackupFailureEvent {
    readonly kind: "failure";
    readonly subject: "scheduled-backup";
    /** ISO-8601 time the run ended. */
    readonly at: string;
    readonly stack: string;
    /** The backup tool's error, one line (the tool scrubs URLs and passwords from it). */
    readonly reason: string;
    readonly durationSeconds: number;
}

/** Everything the notification sinks receive. */
export type NotificationEvent = ReleaseEvent | BackupFailureEvent;
