/**
 * Progress on stderr from the engine's events: one line per finished step with the time since
 * the command started and the step's own duration. `same` steps (nothing to do) are not shown.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { changeCounts, formatPolicy, policyViolation } from "./summary";
import { resourceName, resourceType } from "./urn";

/** "[switchyard   12.3s]", as scripts/lib.sh's sy_log stamps its lines. */
export function stamp(elapsedMs: number): string {
    return `[switchyard ${(elapsedMs / 1000).toFixed(1).padStart(6)}s]`;
}

export class Progress {
    private readonly started = new Map<string, number>();
    private readonly t0: number;

    constructor(
        private readonly now: () => number,
        private readonly write: (line: string) => void,
    ) {
        this.t0 = now();
    }

    /** A line of the command's own (not an engine step), stamped like the others. */
    say(text: string): void {
        this.write(`${stamp(this.now() - this.t0)} ${text}\n`);
    }

    /** The lines an event adds (also written). */
    onEvent(e: EngineEvent): string[] {
        const lines = this.lines(e);
        for (const l of lines) {
            this.say(l);
        }
        return lines;
    }

    private lines(e: EngineEvent): string[] {
        const t = this.now();
        const key = (m: { op: string; urn: string }) => `${m.op} ${m.urn}`;
        const what = (m: { op: string; urn: string }) => `${m.op} ${resourceName(m.urn)} [${resourceType(m.urn)}]`;
        if (e.resourcePreEvent && e.resourcePreEvent.metadata.op !== "same") {
            this.started.set(key(e.resourcePreEvent.metadata), t);
            return [];
        }
        const done = e.resOutputsEvent?.metadata;
        if (done && done.op !== "same") {
            return [`${what(done)}: done in ${this.took(key(done), t)}`];
        }
        const failed = e.resOpFailedEvent?.metadata;
        if (failed) {
            return [`${what(failed)}: FAILED after ${this.took(key(failed), t)}`];
        }
        if (e.policyEvent) {
            return [formatPolicy(policyViolation(e.policyEvent))];
        }
        const diag = e.diagnosticEvent;
        if (diag && (diag.severity === "error" || diag.severity === "warning") && !diag.ephemeral) {
            const on = diag.urn ? ` ${resourceName(diag.urn)}` : "";
            return diag.message
                .trim()
                .split("\n")
                .filter((l) => l.trim())
                .map((l, i) => (i === 0 ? `${diag.severity}${on}: ${l.trim()}` : `    ${l.trimEnd()}`));
        }
        if (e.summaryEvent) {
            // A preview's summary counts what the update would do; an update's what it did.
            const counts = changeCounts(e.summaryEvent.resourceChanges) ?? "nothing to change";
            return [`engine summary: ${counts} (${e.summaryEvent.durationSeconds}s)`];
        }
        return [];
    }

    private took(key: string, t: number): string {
        const start = this.started.get(key);
        this.started.delete(key);
        return start === undefined ? "?" : `${((t - start) / 1000).toFixed(1)}s`;
    }
}
