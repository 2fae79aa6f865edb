/**
 * The persisted state of a release (`.switchyard/releases/<stack>.json`), so that another process
 * (`switchyard release promote|abort|retry|pause|resume`, `switchyard status`) can read and
 * continue it. Written atomically (temp file + rename), mode 0600: it holds the router's stable
 * config, whose canary header value is a secret.
 */
import * as fs from "fs";
import * as path from "path";
import type { Color } from "../../domain/color";
import type { ReleaseEvent } from "../../domain/releaseEvent";
import type { PlannedStep, PlanState } from "./plan";

export interface RollbackProof {
    /** `preview --expect-no-changes` (with refresh) after the reconcile: clean or not, and when. */
    readonly previewClean: boolean;
    readonly at: string;
    readonly detail: string;
}

export interface ReleaseRecord {
    readonly stack: string;
    /** Normalised semver of the release and of the colour's version before it. */
    readonly version: string;
    readonly canaryColor: Color;
    readonly stableColor: Color;
    readonly versions: { readonly from: string; readonly to: string };
    /** The canary colour's version before the release (what a rollback restores). */
    readonly canaryPreviousVersion: string;
    readonly steps: readonly PlannedStep[];
    plan: PlanState;
    readonly startedAt: string;
    deploymentId: string;
    /** The emergency reason given with --emergency (outside the deployment window). */
    readonly emergency?: string;
    /** When the current step's pause started (ISO) and ends (ISO, absent for indefinite). */
    stepStartedAt?: string;
    stepEndsAt?: string;
    /** Every router's config with the canary at 0% (read after the release's first update), for the fast rollback. */
    stableRouterConfigs?: readonly StableRouterConfig[];
    /** Process running the release (0 when none). */
    pid: number;
    /** A command from another process for the running driver: pause or abort. */
    request?: "pause" | "abort";
    lastDecision?: { readonly decision: string; readonly reason: string; readonly at: string };
    lastSamples?: ReleaseEvent["samples"];
    rollback?: {
        readonly reason: string;
        /** Decision to the router serving the stable config (canary at 0%), ms. */
        readonly canaryZeroMs?: number;
        /** Decision to a clean preview, ms. */
        readonly cleanMs?: number;
        readonly proof?: RollbackProof;
    };
    finishedAt?: string;
    /** The deployment record this attempt writes (also the stack output latestRecord); absent when records are not kept. */
    recordId?: string;
    /** Both colours' versions before the attempt. */
    versionsBefore?: Readonly<Record<Color, string>>;
    /** Every event of the attempt so far, for its deployment record (a later process continues the list). */
    events?: ReleaseEvent[];
}

export function recordPath(projectDir: string, stack: string): string {
    return path.join(projectDir, ".switchyard", "releases", `${stack}.json`);
}

/** A router's config as it was with the canary at 0%: on which host, in which container. */
export interface StableRouterConfig {
    /** The host's name ("" on a single-host stack). */
    readonly host: string;
    readonly dockerHost: string;
    readonly container: string;
    readonly text: string;
    readonly sha256: string;
}

export function loadRecord(projectDir: string, stack: string): ReleaseRecord | undefined {
    try {
        return JSON.parse(fs.readFileSync(recordPath(projectDir, stack), "utf8")) as ReleaseRecord;
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") {
            return undefined;
        }
        throw e;
    }
}

export function saveRecord(projectDir: string, r: ReleaseRecord): void {
    const file = recordPath(projectDir, r.stack);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(r, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
}

/** True when a process of that id runs (a driver that died leaves its pid behind). */
export function isAlive(pid: number): boolean {
    if (!pid) {
        return false;
    }
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}
