/**
 * `switchyard rollback [--level 1|2|3|4] [--to <deployment-id>] [--snapshot <id>] [--reason TEXT] [--yes] [--stack S] [--json]`
 *
 * Decides from the stack's outputs what to do (domain/rollbackPlan.ts), prints it, does it through
 * the Automation API (config, then one update: the idle colour's gates run before traffic moves),
 * runs the recorded down-migration (level 3) or takes a fresh snapshot and restores the release's
 * pre-deploy snapshot (level 4, asks first unless --yes), then proves with a refresh preview that
 * config and state show no drift. It sends ReleaseEvents to the notification sinks (each bounded
 * by its budget; a down sink is logged, never waited on beyond it) and writes one deployment
 * record with its release notes. Exit codes: 0 rolled back, 1 failed (the record says where),
 * 2 usage (nothing changed), 3 not confirmed (nothing changed).
 */
import { spawn } from "child_process";
import * as readline from "readline";
import type { ConfigMap } from "@pulumi/pulumi/automation";
import { PROJECT_DIR, runtimeFile } from "../../components/runtimeCommand";
import type { StackConfig } from "../../config/parse";
import { appEnv } from "../../components/app/containerSpec";
import { Color, COLORS } from "../../domain/color";
import { DeploymentRecord, DriftProof, foldRecord, recordId, RecordStep } from "../../domain/deploymentRecord";
import { LABELS, ROLES } from "../../domain/labels";
import { notesSummary, renderReleaseNotes } from "../../domain/releaseNotes";
import type { ReleaseEvent } from "../../domain/releaseEvent";
import { ROUTER_IMAGE } from "../../domain/routerImage";
import { planRollback, RollbackLevel, RollbackPlan, RollbackState, versionOfDeploymentId } from "../../domain/rollbackPlan";
import { previousReplicas } from "../../domain/scaleDown";
import { listStack } from "../../runtime/backup/common";
import { parseConfig } from "../../runtime/backup/config";
import { makeTarget } from "../../runtime/backup/targets";
import { stackConfigOf } from "../lib/stackConfig";
import { CliError, CommonOptions, ExitCode, firstLine, Io } from "../lib/cli";
import { commitsBetween, headCommit, whoAmI } from "../lib/git";
import { createNotifier, Delivery } from "../lib/notify";
import { Progress } from "../lib/progress";
import { driftProofOf, publishRecord, recordStore } from "../lib/records";
import { readRouterStatus, statusPathOf } from "../lib/routerStatus";
import { docker } from "../lib/docker";
import { applyRouterConfig, readRouterConfig } from "../release/live";
import { renderRouterConfig, RouterSpec } from "../../components/routing/nginxConfig";
import { OpenStack, withStack } from "../lib/stack";
import { backupToolConfig, releaseFromOutputs, runTool } from "./backup";

export interface RollbackOptions extends CommonOptions {
    level: RollbackLevel;
    /** Deployment id of the release to go back to (its version). @default - the version before the live release */
    to?: string;
    /** Level 4: restore this snapshot instead of the live release's own. */
    snapshot?: string;
    /** Why (shown in notifications and the record). */
    reason?: string;
    /** Level 4: no confirmation prompt. */
    yes: boolean;
}

export function parseLevel(v: string): RollbackLevel {
    if (!["1", "2", "3", "4"].includes(v)) {
        throw new CliError(`--level must be 1, 2, 3 or 4 (got ${JSON.stringify(v)})`, ExitCode.Usage);
    }
    return Number(v) as RollbackLevel;
}

/** What the stack's outputs say about the live release (outputs of an earlier program may lack some). */
export function rollbackState(
    stack: string,
    outputs: Readonly<Record<string, unknown>>,
    canaryPermille: number,
    fullReplicas?: number,
): RollbackState {
    const active = outputs.activeColor;
    const versions = outputs.versions as Record<Color, string> | undefined;
    if ((active !== "blue" && active !== "green") || !versions || COLORS.some((c) => typeof versions[c] !== "string")) {
        throw new CliError(
            `stack ${stack} has not been deployed (no activeColor and versions outputs): nothing to roll back`,
            ExitCode.Usage,
        );
    }
    const migrations = outputs.migrations as RollbackState["migrations"] | undefined;
    const backups = outputs.backups as RollbackState["backups"] | undefined;
    const has = (o: unknown) => o !== undefined && o !== null && typeof o === "object" && Object.keys(o).length > 0;
    return {
        stack,
        activeColor: active,
        versions,
        canaryPermille,
        deploymentIds: (outputs.deploymentIds ?? {}) as Record<Color, string>,
        ...(has(migrations) ? { migrations } : {}),
        ...(has(backups) ? { backups } : {}),
        ...(fullReplicas !== undefined && has(outputs.colorScale)
            ? { replicas: { running: previousReplicas(outputs.colorScale), full: fullReplicas } }
            : {}),
    };
}

function readLine(): Promise<string | null> {
    return new Promise((resolve) => {
        const rl = readline.createInterface({ input: process.stdin });
        let done = false;
        rl.once("line", (l) => {
            done = true;
            rl.close();
            resolve(l);
        });
        rl.once("close", () => {
            if (!done) resolve(null);
        });
    });
}

/** Runs runtime/migration.js (the hook the program runs) with the live release's down argv. */
function runDownMigration(
    cfg: StackConfig,
    secretEnv: Record<string, string>,
    a: Extract<RollbackPlan["actions"][number], { kind: "down-migration" }>,
    deploymentId: string,
    io: Io,
): Promise<{ code: number; output: string }> {
    const env = { ...appEnv({ ...cfg.app.env, ...cfg.colors[a.color].env }, { color: a.color, version: a.version }), ...secretEnv };
    const hookEnv: NodeJS.ProcessEnv = {
        PATH: io.env.PATH,
        HOME: io.env.HOME,
        DOCKER_HOST: cfg.docker.host,
        SWITCHYARD_DEPLOYMENT_ID: `${deploymentId}-down`,
        SWITCHYARD_MIGRATION_NETWORK: cfg.docker.network,
        SWITCHYARD_MIGRATION_CONTAINER: `${cfg.stack}-${cfg.app.name}-migrate-down-${a.color}`,
        SWITCHYARD_MIGRATION_IMAGE: a.image,
        SWITCHYARD_MIGRATION_ARGV: JSON.stringify(a.down),
        SWITCHYARD_MIGRATION_ENV: JSON.stringify(env),
        SWITCHYARD_MIGRATION_SECRETS: JSON.stringify(Object.keys(secretEnv).sort()),
        SWITCHYARD_MIGRATION_LABELS: JSON.stringify({
            [LABELS.stack]: cfg.stack,
            [LABELS.color]: a.color,
            [LABELS.version]: a.version,
            [LABELS.role]: ROLES.migration,
        }),
        SWITCHYARD_MIGRATION_TIMEOUT: String(cfg.migration?.timeoutSeconds ?? 600),
        SWITCHYARD_MIGRATION_WHAT: `down-migration '${a.down.join(" ")}' of ${a.color} ${a.version} (image ${a.image})`,
    };
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [runtimeFile("migration.js")], {
            cwd: PROJECT_DIR,
            env: hookEnv,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? 1, output }));
    });
}

/** The version before the live release: --to, else the newest record that released it, else its snapshot manifest. */
async function previousVersion(
    opts: RollbackOptions,
    state: RollbackState,
    records: DeploymentRecord[],
    manifestsBefore: Readonly<Record<string, Readonly<Record<string, string | null>>>>,
): Promise<string | undefined> {
    if (opts.to !== undefined) {
        const v = versionOfDeploymentId(state.stack, opts.to);
        if (!v) {
            throw new CliError(
                `--to ${JSON.stringify(opts.to)} is not a deployment id of stack ${state.stack} (<stack>-<version>-<YYYYMMDD_HHMMSS>, e.g. the deploymentIds output or a record's deploymentId)`,
                ExitCode.Usage,
            );
        }
        return v;
    }
    const live = state.activeColor;
    const from = state.versions[live];
    const released = [...records].reverse().find((r) => r.kind === "release" && r.versions.to === from && r.versions.from);
    if (released?.versions.from) return released.versions.from;
    const before = state.backups ? manifestsBefore[state.backups[live].snapshotId]?.[live] : undefined;
    return before ?? undefined;
}

/**
 * Polls the router's status document until it says `color` is active: seconds from `t0` (the step's
 * start) until traffic actually moved, which comes before the update ends (the update goes on to
 * record state). Null when the router never said so before `stop` settled.
 */
async function watchTraffic(
    read: () => Record<string, unknown> | undefined,
    color: Color,
    stop: Promise<unknown>,
    now: () => number,
    t0: number,
): Promise<number | null> {
    let done = false;
    void stop.finally(() => (done = true));
    for (;;) {
        // The router answers again in a moment (or the update fails, which stops the watch).
        if (read()?.activeColor === color) return (now() - t0) / 1000;
        if (done) return null;
        await new Promise((r) => setTimeout(r, 100));
    }
}

/**
 * Level 1's fast path: the router serves `to` at 100% at once, rendered from the spec the program
 * last applied, when every container of `to` runs and is healthy (the update after it renders the
 * same routing and proves it). Undefined when applied; else why the update moves the traffic instead.
 */
function flipRouterDirectly(
    outputs: Readonly<Record<string, unknown>>,
    to: Color,
    dockerHost: string,
    tls: Readonly<Record<string, string>>,
): string | undefined {
    // Several hosts: every router (hostRouters); one host: the stack's router.
    const routers = Array.isArray(outputs.hostRouters)
        ? (outputs.hostRouters as { name: string; host: string; container: string; spec: RouterSpec | null }[])
        : [{ name: "", host: dockerHost, container: outputs.routerContainer, spec: outputs.routerSpec as RouterSpec | null | undefined }];
    const on = (name: string) => (name ? ` on host ${name}` : "");
    // All or none: every container of `to` on every host is checked before any router changes.
    for (const r of routers) {
        const spec = r.spec;
        if (!spec?.upstreams?.[to] || typeof r.container !== "string") {
            return `the stack's outputs have no routerSpec${on(r.name)} (deployed by an earlier program)`;
        }
        if (spec.upstreams[to].length === 0) {
            return `${to} has no container${on(r.name)}`;
        }
        for (const u of spec.upstreams[to]) {
            const c = docker(
                r.host,
                ["inspect", "-f", "{{.State.Running}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}", u.name],
                tls,
                { timeoutMs: 15_000 },
            );
            const [running, health] = c.out.trim().split(" ");
            if (c.code !== 0 || running !== "true" || (health !== "healthy" && health !== "none")) {
                return `${u.name}${on(r.name)} is not running healthy (${(c.out || c.err).trim()})`;
            }
        }
    }
    // What each router holds, to put back if another one refuses (one router has nothing to undo).
    const before = routers.length > 1 ? routers.map((r) => readRouterConfig(r.host, r.container as string, tls)) : [];
    const applied: number[] = [];
    try {
        for (const [i, r] of routers.entries()) {
            applyRouterConfig(r.host, r.container as string, renderRouterConfig({ ...r.spec!, activeColor: to, canaryPermille: 0 }), tls);
            applied.push(i);
        }
    } catch (e) {
        // A router refused: the ones already flipped go back, so no host serves another colour than the rest.
        for (const i of applied) {
            applyRouterConfig(routers[i].host, routers[i].container as string, before[i], tls);
        }
        return `${firstLine(e)}${on(routers[applied.length]?.name ?? "")}; every router is back as it was`;
    }
    return undefined;
}

interface Outcome {
    exitCode: ExitCode;
    record?: DeploymentRecord;
    recordLocation?: string;
    error?: string;
}

export async function rollback(opts: RollbackOptions, io: Io): Promise<ExitCode> {
    return withStack(opts, async (s) => run(opts, io, s));
}

async function run(opts: RollbackOptions, io: Io, s: OpenStack): Promise<ExitCode> {
    const t0 = io.now();
    const startedAt = new Date(t0).toISOString();
    const progress = new Progress(io.now, io.err);
    progress.say(`stack ${s.name}: reading outputs and config`);
    const all = await s.stack.getAllConfig();
    const parsed = stackConfigOf(s.name, all, { DOCKER_CONTEXT: io.env.DOCKER_CONTEXT });
    const cfg = parsed.config;
    const outputs = Object.fromEntries(Object.entries(await s.stack.outputs()).map(([k, v]) => [k, v.value]));
    const state = rollbackState(s.name, outputs, cfg.canary.permille, cfg.app.replicas);
    const store = recordStore(cfg, io.env);
    const records = store ? await store.list() : [];

    // The backup target's listing, scoped to this stack and app: own snapshot ids and each one's versions before.
    let ownSnapshots: string[] = [];
    const manifestsBefore: Record<string, Record<string, string | null>> = {};
    if (cfg.backup && (opts.level === 4 || (opts.level >= 2 && opts.to === undefined))) {
        const tool = parseConfig(backupToolConfig(s.name, all, { DOCKER_CONTEXT: io.env.DOCKER_CONTEXT }).json, "the stack config");
        const listing = await listStack(makeTarget(tool.target, io.env), tool);
        for (const l of listing.own) {
            if (l.complete && l.manifest) {
                ownSnapshots.push(l.id);
                manifestsBefore[l.id] = l.manifest.versionsBefore ?? {};
            }
        }
        ownSnapshots = ownSnapshots.sort();
    }
    // Level 1 flips to whatever the idle colour runs, unless --to names a version it must run.
    const prev = opts.level === 1 && opts.to === undefined ? undefined : await previousVersion(opts, state, records, manifestsBefore);
    const planned = planRollback(state, {
        level: opts.level,
        ...(prev !== undefined ? { previousVersion: prev } : {}),
        ...(opts.snapshot !== undefined ? { snapshotId: opts.snapshot } : {}),
        ownSnapshots,
    });
    if (!planned.ok) {
        throw new CliError(`rollback --level ${opts.level} refused, nothing was changed: ${planned.reason}`, ExitCode.Usage);
    }
    const plan = planned.plan;
    const say = opts.json ? io.err : io.out;
    say(
        `rollback --level ${plan.level} of stack ${s.name} (${plan.live} ${plan.versions.from} -> ${plan.target} ${plan.versions.to}) will:\n`,
    );
    plan.lines.forEach((l, i) => say(`  ${i + 1}. ${l}\n`));

    if (opts.level === 4 && !opts.yes) {
        io.err(`This overwrites the current data of stack ${s.name}. Type 'yes' to go on: `);
        const answer = await readLine();
        if ((answer ?? "").trim() !== "yes") {
            throw new CliError("not confirmed: nothing was changed", ExitCode.Cancelled);
        }
    }

    const id = recordId(new Date(t0), s.name, `rollback-${plan.level}`);
    const notify = createNotifier(cfg.notifications, parsed.notificationSecrets, (l) => progress.say(l));
    const base = {
        stack: s.name,
        deploymentId: plan.deploymentId,
        canaryColor: plan.live,
        stableColor: plan.target,
        versions: plan.versions,
    };
    const reason = opts.reason ?? `operator rollback (level ${plan.level})`;
    const events: ReleaseEvent[] = [];
    const emit = (e: Omit<ReleaseEvent, keyof typeof base>, extra?: Record<string, string>): Promise<void> => {
        const full: ReleaseEvent = { ...base, ...e };
        events.push(full);
        return notify(full, extra);
    };
    // Not awaited here: a slow sink runs alongside the rollback.
    const started = emit({ kind: "rollback", at: startedAt, decision: `rollback-level-${plan.level}`, reason, commands: [] });

    const steps: RecordStep[] = [];
    const step = async <T>(name: string, fn: () => Promise<T>, detail?: (r: T) => string): Promise<T> => {
        const a = io.now();
        progress.say(`stack ${s.name}: ${name}`);
        try {
            const r = await fn();
            steps.push({
                name,
                startedAt: new Date(a).toISOString(),
                finishedAt: new Date(io.now()).toISOString(),
                ok: true,
                seconds: (io.now() - a) / 1000,
                ...(detail ? { detail: detail(r) } : {}),
            });
            return r;
        } catch (e) {
            steps.push({
                name,
                startedAt: new Date(a).toISOString(),
                finishedAt: new Date(io.now()).toISOString(),
                ok: false,
                seconds: (io.now() - a) / 1000,
                detail: firstLine(e),
            });
            throw e;
        }
    };

    let error: string | undefined;
    let freshSnapshotId: string | null = null;
    let trafficSeconds = 0;
    // How the traffic moved: "router" (applied directly, before the update) or why the update did it.
    let fastPath: string | null = null;
    // Set inside the step's closure (the compiler would otherwise narrow it to null).
    let trafficMovedSeconds = null as number | null;
    try {
        for (const a of plan.actions) {
            if (a.kind === "traffic") {
                const ta = io.now();
                await step(
                    a.redeploy
                        ? `deploy ${a.version} on ${a.to} through the gates, traffic to ${a.to}`
                        : `flip traffic ${a.from} -> ${a.to}`,
                    async () => {
                        const entries = Object.entries(plan.config);
                        const asConfig = (kv: [string, string][]) =>
                            Object.fromEntries(kv.map(([k, v]) => [`switchyard:${k}`, { value: v }]));
                        const record: ConfigMap = store ? { "switchyard:latestRecord": { value: id } } : {};
                        if (a.redeploy) {
                            // The program refuses a new version on the colour an update moves traffic to: the idle
                            // colour takes the version (through its gates) in one update, the traffic in the next.
                            const versions = entries.filter(([k]) => k.startsWith("colors."));
                            await s.stack.setAllConfig({ ...asConfig(versions), ...record }, true);
                            await s.stack.up({ onEvent: (e) => void progress.onEvent(e) });
                        }
                        const statusPath = statusPathOf(outputs.routerStatusUrl, ROUTER_IMAGE.defaultStatusPath);
                        const read = () =>
                            readRouterStatus(cfg.docker.host, String(outputs.routerContainer ?? ""), statusPath, s.dockerTls);
                        if (!a.redeploy && a.scaleUp) {
                            // Scaled down after app.scaleDownDelay: the update scales it up and gates it before the router moves.
                            fastPath = `${a.to} runs ${a.scaleUp.from} of ${a.scaleUp.to} replicas (scaled down); its gate runs first`;
                            progress.say(`stack ${s.name}: traffic moves with the update (${fastPath})`);
                        } else if (!a.redeploy) {
                            try {
                                fastPath = flipRouterDirectly(outputs, a.to, cfg.docker.host, s.dockerTls) ?? "router";
                            } catch (e) {
                                fastPath = firstLine(e);
                            }
                            progress.say(
                                fastPath === "router"
                                    ? `stack ${s.name}: the router serves ${a.to}; the update records it`
                                    : `stack ${s.name}: traffic moves with the update (${fastPath})`,
                            );
                        }
                        await s.stack.setAllConfig({ ...asConfig(entries), ...record }, true);
                        const update = s.stack.up({ onEvent: (e) => void progress.onEvent(e) });
                        const moved = watchTraffic(read, a.to, update, io.now, ta);
                        await update;
                        trafficMovedSeconds = await moved;
                    },
                );
                trafficSeconds = (io.now() - ta) / 1000;
            } else if (a.kind === "down-migration") {
                await step(
                    `down-migration of ${a.color} ${a.version}`,
                    async () => {
                        const r = await runDownMigration(cfg, parsed.secretEnv, a, plan.deploymentId, io);
                        if (r.code !== 0) throw new Error(`the down-migration failed (exit ${r.code}):\n${r.output.trim()}`);
                        return r.output.trim().split("\n").slice(-1)[0] ?? "";
                    },
                    (last) => last,
                );
            } else if (a.kind === "fresh-snapshot") {
                freshSnapshotId = await step(
                    "fresh snapshot of the current data",
                    async () => {
                        const { json, dockerHost, dockerTls } = backupToolConfig(
                            s.name,
                            await s.stack.getAllConfig(),
                            { DOCKER_CONTEXT: io.env.DOCKER_CONTEXT },
                            releaseFromOutputs(outputs),
                        );
                        const r = await runTool(
                            ["snapshot"],
                            { ...io.env, SWITCHYARD_BACKUP_CONFIG: json, DOCKER_HOST: dockerHost, ...dockerTls },
                            io,
                        );
                        if (r.code !== 0) throw new Error(`the fresh snapshot failed (backup tool exit ${r.code}); nothing was restored`);
                        return JSON.parse(r.stdout.trim().split("\n").pop() ?? "").snapshotId as string;
                    },
                    (sid) => sid,
                );
            } else {
                await step(`restore snapshot ${a.snapshotId}`, async () => {
                    const { json, dockerHost, dockerTls } = backupToolConfig(s.name, await s.stack.getAllConfig(), {
                        DOCKER_CONTEXT: io.env.DOCKER_CONTEXT,
                    });
                    const r = await runTool(
                        ["restore", a.snapshotId, "--yes", "--json"],
                        { ...io.env, SWITCHYARD_BACKUP_CONFIG: json, DOCKER_HOST: dockerHost, ...dockerTls },
                        io,
                    );
                    if (r.code !== 0) throw new Error(`the restore failed (backup tool exit ${r.code})`);
                });
            }
        }
    } catch (e) {
        error = firstLine(e);
        progress.say(`stack ${s.name}: rollback FAILED: ${error}`);
    }

    let driftProof: DriftProof | undefined;
    if (!error) {
        driftProof = await step(
            "refresh preview, expecting no changes",
            () => driftProofOf(s.stack),
            (p) => (p.noChanges ? "no changes" : `DRIFT: ${p.error}`),
        );
        if (!driftProof.noChanges) error = `drift after the rollback: ${driftProof.error}`;
    }

    const outputsAfter = Object.fromEntries(Object.entries(await s.stack.outputs()).map(([k, v]) => [k, v.value]));
    const versionsAfter = (outputsAfter.versions ?? state.versions) as Record<Color, string>;
    const commit = headCommit(PROJECT_DIR);
    const previousCommit = [...records].reverse().find((r) => r.commit)?.commit ?? null;
    const commits = commitsBetween(previousCommit, commit, PROJECT_DIR);
    const outcome: Outcome = { exitCode: error ? ExitCode.Failed : ExitCode.Ok, ...(error ? { error } : {}) };
    const finishedAt = new Date(io.now()).toISOString();
    const summary = notesSummary(commits);
    const links: Record<string, string> = store ? { record: store.location(id) } : {};
    const ended = emit(
        error
            ? { kind: "failure", at: finishedAt, decision: "rollback-failed", reason: error, links }
            : { kind: "rollback", at: finishedAt, decision: `rolled back to ${plan.target} ${plan.versions.to}`, reason, links },
        { notes: `Changes: ${summary}.` },
    );
    const facts = {
        id,
        kind: "rollback" as const,
        level: plan.level,
        stack: s.name,
        who: whoAmI(io.env, PROJECT_DIR),
        commit,
        previousCommit,
        startedAt,
        finishedAt,
        activeColor: { before: state.activeColor, after: (outputsAfter.activeColor ?? state.activeColor) as Color },
        versionsBefore: state.versions,
        versionsAfter,
        snapshotId: plan.snapshotId,
        freshSnapshotId,
        steps,
        outcome: error ? ("failed" as const) : ("rolled-back" as const),
        ...(error ? { error } : {}),
        ...(driftProof ? { driftProof } : {}),
        ...(store ? { notesFile: `${id}.notes.md`, notesSummary: summary } : {}),
    };
    const record = foldRecord(facts, events);
    if (store) {
        const notes = renderReleaseNotes(
            {
                stack: s.name,
                recordId: id,
                deploymentId: plan.deploymentId,
                kind: `rollback-${plan.level}`,
                outcome: record.outcome,
                who: record.who,
                commit,
                previousCommit,
                versions: plan.versions,
                snapshotId: plan.snapshotId,
                reason: error ?? reason,
                at: finishedAt,
            },
            commits,
        );
        outcome.recordLocation = await publishRecord(store, record, notes, (t) => progress.say(t));
        outcome.record = record;
    }
    // The rollback is done; only the notifications' budgets remain.
    const waitStart = io.now();
    await Promise.all([started, ended]);
    const notifyWaitSeconds = (io.now() - waitStart) / 1000;
    const report = {
        ok: !error,
        exitCode: outcome.exitCode,
        level: plan.level,
        stack: s.name,
        from: { color: plan.live, version: plan.versions.from },
        to: { color: plan.target, version: plan.versions.to },
        plan: plan.lines,
        trafficSeconds,
        trafficMovedSeconds,
        fastPath,
        totalSeconds: (io.now() - t0) / 1000,
        notifyWaitSeconds,
        recordId: store ? id : null,
        recordLocation: outcome.recordLocation ?? null,
        snapshotId: plan.snapshotId,
        freshSnapshotId,
        driftProof: driftProof ?? null,
        notifications: notify.deliveries.map((d: Delivery) => ({
            sink: d.sink,
            type: d.type,
            ok: d.ok,
            attempts: d.attempts,
            status: d.status ?? null,
            ms: d.ms,
        })),
        ...(error ? { error } : {}),
    };
    if (opts.json) {
        io.out(`${JSON.stringify(report, null, 2)}\n`);
    } else {
        io.out(
            error
                ? `rollback --level ${plan.level} FAILED: ${error}\n`
                : `rolled back: ${plan.target} ${plan.versions.to} serves (traffic moved after ${trafficMovedSeconds?.toFixed(1) ?? "?"} s, update ${trafficSeconds.toFixed(1)} s, total ${report.totalSeconds.toFixed(1)} s); no drift\n`,
        );
        if (outcome.recordLocation) io.out(`record: ${outcome.recordLocation}\n`);
    }
    if (error && !opts.json) io.err(`switchyard rollback: ${error}\n`);
    return outcome.exitCode;
}
