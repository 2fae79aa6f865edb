/**
 * What the backup tool's commands share: their I/O, their errors, which snapshots are this
 * stack's, and which snapshot a reference names.
 */
import * as path from "path";
import { SNAPSHOT_ID_PATTERN, SNAPSHOT_ID_RULE, SnapshotManifest } from "../../domain/backup/manifest";
import { sortNewestFirst } from "../../domain/backup/retention";
import type { BackupConfig } from "./config";
import { ListedSnapshot, Target } from "./targets";

export interface Io {
    stdout: (line: string) => void;
    stderr: (line: string) => void;
    /** Reads one line of confirmation; null at end of input. */
    readLine: () => Promise<string | null>;
    env: NodeJS.ProcessEnv;
    now: () => Date;
}

export class UsageError extends Error {}
export class ExitError extends Error {
    constructor(
        message: string,
        readonly code: number,
    ) {
        super(message);
    }
}

type Scope = Pick<BackupConfig, "stack" | "app" | "target">;

/** A snapshot id from the user or a listing; anything else could name a path outside the root or prefix. */
export function checkSnapshotId(id: string, what = "snapshot id"): string {
    if (!SNAPSHOT_ID_PATTERN.test(id)) throw new UsageError(`${what} ${JSON.stringify(id)} is not valid: ${SNAPSHOT_ID_RULE}`);
    return id;
}

/** Whose a manifest is: this stack's when it names this stack, and this app when both record one (older manifests have no app). */
export function foreignOwner(cfg: Scope, m: Pick<SnapshotManifest, "stack" | "app">): string | undefined {
    const otherApp = m.app !== undefined && cfg.app !== undefined && m.app !== cfg.app;
    if (m.stack === cfg.stack && !otherApp) return undefined;
    return `stack '${m.stack}'${m.app !== undefined ? ` (app '${m.app}')` : ""}`;
}

function describeScope(cfg: Scope): string {
    return `stack '${cfg.stack}'${cfg.app !== undefined ? ` (app '${cfg.app}')` : ""}`;
}

/**
 * Whether the root or prefix is this stack's alone (its last segment is the stack name, as the S3
 * default `<stack>/` is): only there can a snapshot without a readable manifest be attributed to it.
 */
export function isStackLocation(cfg: Scope): boolean {
    const where = cfg.target.type === "local" ? path.resolve(cfg.target.root) : cfg.target.prefix.replace(/\/+$/, "");
    return where.split("/").pop() === cfg.stack;
}

export interface StackListing {
    /** This stack's snapshots, plus incomplete ones when the location is this stack's alone. */
    own: ListedSnapshot[];
    /** Complete snapshots of other stacks or apps (never listed, verified, restored or pruned). */
    foreign: number;
    /** Snapshots whose stack cannot be told (no readable manifest at a shared location) or whose name is not an id. */
    unattributed: number;
}

/** The target's listing, cut down to this stack's snapshots. */
export async function listStack(target: Target, cfg: Scope): Promise<StackListing> {
    const out: StackListing = { own: [], foreign: 0, unattributed: 0 };
    const dedicated = isStackLocation(cfg);
    for (const s of await target.list()) {
        if (!SNAPSHOT_ID_PATTERN.test(s.id)) out.unattributed++;
        else if (s.manifest) {
            if (foreignOwner(cfg, s.manifest)) out.foreign++;
            else out.own.push(s);
        } else if (dedicated) out.own.push(s);
        else out.unattributed++;
    }
    return out;
}

/** Refuses a snapshot of another stack or app; nothing has changed when this throws. */
export function assertOwnSnapshot(cfg: Scope, id: string, m: Pick<SnapshotManifest, "stack" | "app">): void {
    const owner = foreignOwner(cfg, m);
    if (owner)
        throw new UsageError(
            `snapshot '${id}' is of ${owner}, not of this ${describeScope(cfg)}: refused, nothing was changed (use that stack's config for it)`,
        );
}

/** The snapshot `ref` names: an id (validated, and refused when another stack's) or `latest` of this stack. */
export async function resolveId(target: Target, cfg: Scope, ref: string): Promise<{ id: string }> {
    if (ref !== "latest") checkSnapshotId(ref);
    const listed = (await target.list()).filter((s) => SNAPSHOT_ID_PATTERN.test(s.id));
    if (ref !== "latest") {
        const m = listed.find((s) => s.id === ref)?.manifest;
        if (m) assertOwnSnapshot(cfg, ref, m);
        return { id: ref };
    }
    const complete = listed
        .filter((s) => s.complete && s.manifest && !foreignOwner(cfg, s.manifest))
        .map((s) => ({ ...s, createdAt: s.manifest!.createdAt }));
    if (complete.length === 0) throw new Error(`no complete snapshot of ${describeScope(cfg)} at the target: nothing to restore`);
    return { id: sortNewestFirst(complete)[0].id };
}
