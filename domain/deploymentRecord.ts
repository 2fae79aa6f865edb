/**
 * A deployment record: one JSON document per release or rollback attempt, folded from the attempt's
 * ReleaseEvents and the facts the command knows (who, commit, snapshot, drift proof). Built from
 * these alone, never from the stack's exported state (which holds secrets). Pure.
 */
import type { Color } from "./color";
import type { AnalysisSample, ReleaseEvent } from "./releaseEvent";

export const RECORD_SCHEMA = 1;

export type RecordKind = "release" | "rollback";
export type Outcome = "promoted" | "rolled-back" | "failed" | "in-progress";

/** One thing the attempt did, with its times. */
export interface RecordStep {
    readonly name: string;
    readonly startedAt: string;
    readonly finishedAt?: string;
    readonly ok?: boolean;
    /** Seconds between start and finish. */
    readonly seconds?: number;
    readonly detail?: string;
    /** Weight of a traffic step, percent. */
    readonly weightPercent?: number;
}

/** `pulumi preview --refresh --expect-no-changes` after the attempt. */
export interface DriftProof {
    readonly checkedAt: string;
    /** true: the engine found nothing to change on the refreshed host. */
    readonly noChanges: boolean;
    /** The preview's change summary (op -> count). */
    readonly changeSummary: Readonly<Record<string, number>>;
    readonly error?: string;
    /** Scale-downs of the idle colour that were due (app.scaleDownDelay passed): planned, not drift. @default - none */
    readonly scaleDownDue?: readonly string[];
}

/** What the command knows that the events do not carry. */
export interface RecordFacts {
    readonly id: string;
    readonly kind: RecordKind;
    /** Rollback level (1-4). */
    readonly level?: number;
    readonly stack: string;
    /** Git user (name <email>) or the CI actor (GITHUB_ACTOR). */
    readonly who: string;
    readonly commit: string | null;
    readonly startedAt: string;
    readonly finishedAt?: string;
    readonly activeColor: { readonly before: Color; readonly after: Color };
    readonly versionsBefore: Readonly<Record<Color, string>>;
    readonly versionsAfter: Readonly<Record<Color, string>>;
    /** The release's pre-deploy snapshot (the one a level-4 rollback restores). */
    readonly snapshotId?: string | null;
    /** A snapshot taken by the attempt itself (level 4: of the data before the restore). */
    readonly freshSnapshotId?: string | null;
    readonly steps?: readonly RecordStep[];
    /** Set by the command when it knows the outcome better than the events (a rollback command). */
    readonly outcome?: Outcome;
    readonly error?: string;
    readonly driftProof?: DriftProof;
    /** File name of the release notes beside the record. */
    readonly notesFile?: string;
    /** The notes' one-line summary. */
    readonly notesSummary?: string;
    /** Previous release's commit (start of the notes' range). */
    readonly previousCommit?: string | null;
}

export interface DeploymentRecord {
    readonly schema: typeof RECORD_SCHEMA;
    readonly id: string;
    readonly kind: RecordKind;
    readonly level?: number;
    readonly stack: string;
    readonly deploymentId: string | null;
    readonly who: string;
    readonly commit: string | null;
    readonly previousCommit: string | null;
    readonly startedAt: string;
    readonly finishedAt: string | null;
    readonly versions: {
        readonly before: Readonly<Record<Color, string>>;
        readonly after: Readonly<Record<Color, string>>;
        readonly from: string | null;
        readonly to: string | null;
    };
    readonly colors: {
        readonly activeBefore: Color;
        readonly activeAfter: Color;
        readonly canary: Color | null;
        readonly stable: Color | null;
    };
    readonly steps: readonly RecordStep[];
    readonly samples: readonly AnalysisSample[];
    readonly decisions: readonly {
        readonly at: string;
        readonly kind: string;
        readonly decision: string;
        readonly reason: string | null;
    }[];
    readonly events: readonly { readonly at: string; readonly kind: string }[];
    readonly snapshotId: string | null;
    readonly freshSnapshotId: string | null;
    readonly outcome: Outcome;
    readonly rollbackReason: string | null;
    readonly error: string | null;
    readonly driftProof: DriftProof | null;
    readonly notes: { readonly file: string; readonly summary: string } | null;
}

function secondsBetween(a: string, b: string): number {
    return Math.round((Date.parse(b) - Date.parse(a)) / 10) / 100;
}

/** The outcome the events say: the last promote, rollback or failure wins. */
export function outcomeOf(events: readonly ReleaseEvent[]): Outcome {
    for (let i = events.length - 1; i >= 0; i--) {
        const k = events[i].kind;
        if (k === "promote" || k === "watch-passed") return "promoted";
        if (k === "rollback") return "rolled-back";
        if (k === "failure") return "failed";
    }
    return "in-progress";
}

export function foldRecord(facts: RecordFacts, events: readonly ReleaseEvent[]): DeploymentRecord {
    const sorted = [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const first = sorted[0];
    // Each step event opens a step; it ends when the next event of the release arrives.
    const eventSteps: RecordStep[] = [];
    sorted.forEach((e, i) => {
        if (e.kind !== "step" || !e.step) return;
        const next = sorted[i + 1];
        eventSteps.push({
            name: `step ${e.step.index + 1}/${e.step.count}`,
            startedAt: e.at,
            weightPercent: e.step.weightPercent,
            ...(next ? { finishedAt: next.at, seconds: secondsBetween(e.at, next.at) } : {}),
            ...(e.decision ? { detail: e.decision } : {}),
        });
    });
    const decisions = sorted
        .filter((e) => e.decision !== undefined)
        .map((e) => ({ at: e.at, kind: e.kind, decision: e.decision as string, reason: e.reason ?? null }));
    const rollback = [...sorted].reverse().find((e) => e.kind === "rollback" || e.kind === "failure");
    const outcome = facts.outcome ?? outcomeOf(sorted);
    return {
        schema: RECORD_SCHEMA,
        id: facts.id,
        kind: facts.kind,
        ...(facts.level !== undefined ? { level: facts.level } : {}),
        stack: facts.stack,
        deploymentId: first?.deploymentId ?? null,
        who: facts.who,
        commit: facts.commit,
        previousCommit: facts.previousCommit ?? null,
        startedAt: facts.startedAt,
        finishedAt: facts.finishedAt ?? null,
        versions: {
            before: facts.versionsBefore,
            after: facts.versionsAfter,
            from: first?.versions.from ?? null,
            to: first?.versions.to ?? null,
        },
        colors: {
            activeBefore: facts.activeColor.before,
            activeAfter: facts.activeColor.after,
            canary: first?.canaryColor ?? null,
            stable: first?.stableColor ?? null,
        },
        steps: [...(facts.steps ?? []), ...eventSteps].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt)),
        samples: sorted.flatMap((e) => e.samples ?? []),
        decisions,
        events: sorted.map((e) => ({ at: e.at, kind: e.kind })),
        snapshotId: facts.snapshotId ?? null,
        freshSnapshotId: facts.freshSnapshotId ?? null,
        outcome,
        rollbackReason: outcome === "rolled-back" || outcome === "failed" ? (rollback?.reason ?? null) : null,
        error: facts.error ?? null,
        driftProof: facts.driftProof ?? null,
        notes: facts.notesFile ? { file: facts.notesFile, summary: facts.notesSummary ?? "" } : null,
    };
}

/** A record id names the record file; the stack output latestRecord shows the newest. */
export const RECORD_ID = /^\d{8}T\d{6}Z-[A-Za-z0-9_.-]{1,100}-(release|rollback-[1-4])$/;

/** Record ids sort by time: `<UTC yyyymmddThhmmssZ>-<stack>-<release|rollback-N>`. */
export function recordId(at: Date, stack: string, what: string): string {
    const t = at
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d{3}/, "");
    return `${t}-${stack}-${what}`;
}
