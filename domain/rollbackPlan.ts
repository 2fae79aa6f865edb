/**
 * What `switchyard rollback --level N` does, decided from the stack's outputs before anything
 * changes. Levels are depths; each includes moving traffic back:
 *   1 flip traffic to the other colour (it must run another version);
 *   2 put the previous version on the idle colour (through the gates) and move traffic to it;
 *   3 as 2, then run the live release's recorded down-migration;
 *   4 as 2, then take a fresh snapshot of the current data and restore the live release's
 *     pre-deploy snapshot.
 * Pure: the command resolves the previous version and the snapshot listing first.
 */
import { Color, otherColor } from "./color";

export type RollbackLevel = 1 | 2 | 3 | 4;

export interface RollbackState {
    readonly stack: string;
    readonly activeColor: Color;
    readonly versions: Readonly<Record<Color, string>>;
    readonly canaryPermille: number;
    readonly deploymentIds: Readonly<Record<Color, string>>;
    /** Stack output `migrations`: what each colour's migration ran and what would undo it. */
    readonly migrations?: Readonly<Record<Color, { image: string; version: string; down: readonly string[] | null; deploymentId: string }>>;
    /** Stack output `backups`: each colour's latest pre-deploy snapshot. */
    readonly backups?: Readonly<Record<Color, { snapshotId: string }>>;
    /**
     * Containers each colour runs (stack output `colorScale`) and how many a serving colour runs
     * (app.replicas): an idle colour scaled down after app.scaleDownDelay is scaled back up, through
     * its gate, before it gets traffic. @default - unknown: both run all
     */
    readonly replicas?: { readonly running: Readonly<Partial<Record<Color, number>>>; readonly full: number };
}

export interface RollbackRequest {
    readonly level: RollbackLevel;
    /** The version to go back to (from --to, the records, or the snapshot manifest); the idle colour's when absent. */
    readonly previousVersion?: string;
    /** Level 4: the snapshot to restore instead of the live release's own. */
    readonly snapshotId?: string;
    /** Level 4: this stack's snapshot ids at its backup target (the tool's stack-scoped listing). */
    readonly ownSnapshots?: readonly string[];
}

export type RollbackAction =
    | {
          readonly kind: "traffic";
          readonly from: Color;
          readonly to: Color;
          readonly version: string;
          readonly redeploy: boolean;
          /** The target colour is scaled down: the update scales it up (through its gate) first. */
          readonly scaleUp: { readonly from: number; readonly to: number } | null;
      }
    | {
          readonly kind: "down-migration";
          readonly color: Color;
          readonly image: string;
          readonly down: readonly string[];
          readonly version: string;
      }
    | { readonly kind: "fresh-snapshot" }
    | { readonly kind: "restore"; readonly snapshotId: string };

export interface RollbackPlan {
    readonly level: RollbackLevel;
    readonly live: Color;
    readonly target: Color;
    readonly versions: { readonly from: string; readonly to: string };
    /** Config to set before the update (path keys under switchyard:). */
    readonly config: Readonly<Record<string, string>>;
    readonly actions: readonly RollbackAction[];
    /** The rolled-back release's deployment id and pre-deploy snapshot. */
    readonly deploymentId: string;
    readonly snapshotId: string | null;
    /** What it will do, one line each (printed before anything changes). */
    readonly lines: readonly string[];
}

/** `<stack>-<version>-<YYYYMMDD_HHMMSS>` -> version, or undefined when the id is not one of this stack's. */
export function versionOfDeploymentId(stack: string, id: string): string | undefined {
    const m = /^(.+)-(\d{8}_\d{6})$/.exec(id);
    if (!m || !m[1].startsWith(`${stack}-`)) return undefined;
    const v = m[1].slice(stack.length + 1);
    return v === "" ? undefined : v;
}

export function planRollback(s: RollbackState, r: RollbackRequest): { ok: true; plan: RollbackPlan } | { ok: false; reason: string } {
    const live = s.activeColor;
    const idle = otherColor(live);
    const from = s.versions[live];
    const to = r.level === 1 ? s.versions[idle] : (r.previousVersion ?? s.versions[idle]);
    if (r.level === 1 && r.previousVersion !== undefined && r.previousVersion !== s.versions[idle]) {
        return {
            ok: false,
            reason: `level 1 only flips to ${idle}, which runs ${s.versions[idle]}, not ${r.previousVersion}; use --level 2 to redeploy ${r.previousVersion} on ${idle}`,
        };
    }
    if (to === from && s.canaryPermille === 0) {
        return {
            ok: false,
            reason: `${idle} runs ${to}, the version ${live} serves; there is nothing to go back to (name one with --to <deployment-id> and --level 2)`,
        };
    }
    const redeploy = to !== s.versions[idle];
    const config: Record<string, string> = { activeColor: idle };
    if (s.canaryPermille !== 0) config["canary.weight"] = "0";
    if (redeploy) config[`colors.${idle}.version`] = to;
    const running = s.replicas?.running[idle];
    const scaleUp = s.replicas && running !== undefined && running < s.replicas.full ? { from: running, to: s.replicas.full } : null;
    const actions: RollbackAction[] = [{ kind: "traffic", from: live, to: idle, version: to, redeploy, scaleUp }];
    const lines = [
        ...(scaleUp && !redeploy
            ? [
                  `scale ${idle} back up from ${scaleUp.from} to ${scaleUp.to} replica(s) (it was idle longer than app.scaleDownDelay) through its health gate, in the update that moves the traffic; the router keeps serving ${live} until the gate passed`,
              ]
            : []),
        redeploy
            ? `deploy ${to} on ${idle} (now ${s.versions[idle]}) through its health gates, then move all traffic from ${live} (${from}) to ${idle}`
            : `move all traffic from ${live} (${from}) to ${idle} (${to})${s.canaryPermille !== 0 ? `, canary weight ${s.canaryPermille / 10}% -> 0` : ""}`,
    ];
    const snapshotId = s.backups?.[live]?.snapshotId ?? null;
    if (r.level === 3) {
        const m = s.migrations?.[live];
        if (!m || !m.down || m.down.length === 0) {
            return {
                ok: false,
                reason: `no down-migration is recorded for ${live}'s release ${from} (stack output migrations.${live}.down); set migration.down before releasing, or use --level 4 to restore its snapshot`,
            };
        }
        actions.push({ kind: "down-migration", color: live, image: m.image, down: m.down, version: m.version });
        lines.push(`run ${live}'s recorded down-migration in ${m.image}: ${JSON.stringify(m.down)}`);
    }
    if (r.level === 4) {
        const id = r.snapshotId ?? snapshotId;
        if (!id) {
            return {
                ok: false,
                reason: `${live}'s release ${from} has no pre-deploy snapshot (stack output backups.${live}); the stack needs switchyard:backup`,
            };
        }
        if (!(r.ownSnapshots ?? []).includes(id)) {
            return {
                ok: false,
                reason: `snapshot '${id}' is not one of stack ${s.stack}'s snapshots at its backup target (another stack's, or gone); refusing to restore it`,
            };
        }
        actions.push({ kind: "fresh-snapshot" }, { kind: "restore", snapshotId: id });
        lines.push(
            "take a fresh snapshot of the current data (kept, so this rollback can be undone)",
            `restore snapshot ${id} (the data before ${live}'s release ${from})`,
        );
    }
    lines.push("check with a refresh preview that config and state show no drift, and write the deployment record");
    return {
        ok: true,
        plan: {
            level: r.level,
            live,
            target: idle,
            versions: { from, to },
            config,
            actions,
            deploymentId: s.deploymentIds[live],
            snapshotId,
            lines,
        },
    };
}
