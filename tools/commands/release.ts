/**
 * `switchyard release <version> [--emergency REASON] [--allow-downgrade] [--commit] [--stack S] [--json]`
 * and `switchyard release promote [--full] | abort | retry | pause | resume`: the progressive canary
 * of tools/release/driver.ts on the Automation API. Preflight first (lock, drift, window, version,
 * image), nothing changed when it fails. The release's state is kept in
 * .switchyard/releases/<stack>.json so another process continues it.
 * Exit codes: 0 promoted, 1 rolled back or aborted, 2 error (preflight, usage, a rollback that did
 * not end clean), 3 paused or inconclusive.
 */
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import type { ConfigMap, OutputMap } from "@pulumi/pulumi/automation";
import type { StackConfig } from "../../config/parse";
import { Color, otherColor } from "../../domain/color";
import { DriftProof, foldRecord, Outcome as RecordOutcome, recordId } from "../../domain/deploymentRecord";
import { notesSummary, renderReleaseNotes } from "../../domain/releaseNotes";
import type { ReleaseEvent } from "../../domain/releaseEvent";
import { imageTag, parseReleaseVersion } from "../../domain/version";
import { DEFAULT_WINDOW, DeploymentWindow, parseWindow } from "../../domain/window";
import { checkDrift } from "../drift/report";
import type { PreviewStep } from "../drift/drift";
import { stackConfigOf } from "../lib/stackConfig";
import { CliError, CommonOptions, errorText, ExitCode, firstLine, Io } from "../lib/cli";
import { commitsBetween, headCommit, whoAmI } from "../lib/git";
import { createNotifier, Notifier } from "../lib/notify";
import { driftProofOf, publishRecord, RecordStore, recordStore } from "../lib/records";
import { warmUntil } from "../../domain/scaleDown";
import { Progress } from "../lib/progress";
import { OpenStack, PROJECT_DIR, withStack } from "../lib/stack";
import { parseDuration } from "../../domain/duration";
import { scoreReading } from "../release/analysis";
import { DriverDeps, EXIT_OF, HostObservation, ReleaseDriver, ReleaseListener, RunEnd } from "../release/driver";
import { applyRouterConfig, fileBackendLock, imageProblem, PrometheusClient, readRouterConfig } from "../release/live";
import { planSteps, Outcome, isFinished, next } from "../release/plan";
import { preflight, renderPreflight } from "../release/preflight";
import { isAlive, loadRecord, ReleaseRecord, saveRecord } from "../release/record";
import { liveDeps } from "./drift";
import { plainOutputs, PROBE_TIMEOUT_MS } from "./up";
import { readRouterCounts, RouterAt, RouterCounts, routersOf, shareBetween } from "../lib/routerStatus";

export const RELEASE_ACTIONS = ["start", "promote", "abort", "retry", "pause", "resume"] as const;
export type ReleaseAction = (typeof RELEASE_ACTIONS)[number];

export interface ReleaseOptions extends CommonOptions {
    action: ReleaseAction;
    /** The version to release (action start). */
    version?: string;
    /** Release outside the deployment window, with this reason (recorded in the events and the record). */
    emergency?: string;
    allowDowngrade?: boolean;
    /** promote: skip the remaining steps. */
    full?: boolean;
    /** Commit Pulumi.<stack>.yaml after the driver exits. */
    commit?: boolean;
    /** Score the live canary once against the analysis thresholds, change nothing. */
    dryRunAnalysis?: boolean;
}

/** The default listener: one progress line per event (stderr). */
export function progressListener(io: Io): ReleaseListener {
    return async (e: ReleaseEvent) => {
        const step = e.step ? ` step ${e.step.index + 1}/${e.step.count} (${e.step.weightPercent}%)` : "";
        io.err(`  event ${e.kind}${step}: ${e.decision ?? ""}${e.reason ? ` - ${e.reason}` : ""}\n`);
    };
}

interface Context {
    s: OpenStack;
    config: StackConfig;
    outputs: Record<string, unknown>;
    secretOutputs: OutputMap;
    progress: Progress;
    dockerHost: string;
    router: string;
    /** Every router of the stack: one per host, or the stack's router. */
    routers: RouterAt[];
    /** The stack's notification sinks (switchyard:notifications). */
    notify: Notifier;
    prometheus?: PrometheusClient;
    /** Where the attempt's deployment record goes (switchyard:records); absent when records are not kept. */
    store?: RecordStore;
    /** The release currently driven, once there is one (the record collects its events). */
    current?: ReleaseRecord;
    /** Answers to the driver's own synthetic requests (time, 5xx or no answer), so analysis keeps them apart. */
    syntheticLog: { at: number; failed: boolean }[];
}

function parseConfig(stack: string, all: ConfigMap): { config: StackConfig; notificationSecrets: Record<string, string> } {
    const r = stackConfigOf(stack, all);
    return { config: r.config, notificationSecrets: r.notificationSecrets };
}

/** The deployment window of the stack: policies/config/<stack>.json's `deployment-window`, else the default. */
export function stackWindow(stack: string): DeploymentWindow {
    const file = path.join(PROJECT_DIR, "policies", "config", `${stack}.json`);
    if (!fs.existsSync(file)) {
        return DEFAULT_WINDOW;
    }
    const settings = (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>)["deployment-window"] ?? {};
    const { enforcementLevel: _level, ...window } = settings;
    const w = parseWindow(window);
    if (!w.ok) {
        throw new CliError(`${file}: deployment-window: ${w.errors.join("; ")}`, ExitCode.Usage);
    }
    return w.window;
}

async function context(s: OpenStack, io: Io): Promise<Context> {
    const progress = new Progress(io.now, io.err);
    const { config, notificationSecrets } = parseConfig(s.name, await s.stack.getAllConfig());
    const secretOutputs = await s.stack.outputs();
    const outputs = plainOutputs(secretOutputs);
    const url = typeof outputs.prometheusUrl === "string" ? outputs.prometheusUrl : undefined;
    return {
        s,
        config,
        outputs,
        secretOutputs,
        progress,
        dockerHost: config.docker.host,
        router: String(outputs.routerContainer ?? `${s.name}-router`),
        routers: routersOf(outputs, config.docker.host, `${s.name}-router`),
        notify: createNotifier(config.notifications, notificationSecrets, (l) => progress.say(l)),
        ...(url ? { prometheus: new PrometheusClient(url, s.name) } : {}),
        store: recordStore(config, io.env),
        syntheticLog: [],
    };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        if (signal.aborted) {
            return resolve();
        }
        const t = setTimeout(done, ms);
        function done() {
            clearTimeout(t);
            signal.removeEventListener("abort", done);
            resolve();
        }
        signal.addEventListener("abort", done);
    });
}

/**
 * Several hosts: each router's request counts (its exporter, read inside the container), turned into
 * the canary's share since the previous observation of that host.
 */
function hostObserver(
    routers: readonly RouterAt[],
    canary: () => Color,
    tls: Readonly<Record<string, string>>,
): () => Promise<HostObservation[]> {
    const previous = new Map<string, RouterCounts>();
    return async () =>
        routers.map((r) => {
            const counts = readRouterCounts(r.host, r.container, tls, PROBE_TIMEOUT_MS);
            if (!counts) {
                previous.delete(r.name);
                return { name: r.name, answers: false };
            }
            const before = previous.get(r.name);
            previous.set(r.name, counts);
            if (!before) {
                return { name: r.name, answers: true };
            }
            const { share, requests } = shareBetween(before, counts);
            return { name: r.name, answers: true, requests, ...(requests > 0 ? { canaryShare: share[canary()] ?? 0 } : {}) };
        });
}

function driverDeps(c: Context, record: () => ReleaseRecord): DriverDeps {
    const { s, progress } = c;
    const prom = c.prometheus;
    return {
        now: () => Date.now(),
        sleep,
        say: (t) => progress.say(t),
        setConfig: async (values) => {
            const map: ConfigMap = Object.fromEntries(Object.entries(values).map(([k, v]) => [`switchyard:${k}`, { value: v }]));
            await s.stack.setAllConfig(map, true);
        },
        up: async (label, refresh) => {
            progress.say(`${label}: update${refresh ? " --refresh" : ""}`);
            try {
                const r = await s.stack.up({ refresh, onEvent: (e) => progress.onEvent(e) });
                const ids = r.outputs.deploymentIds?.value as Record<string, string> | undefined;
                return { deploymentId: ids?.[record().canaryColor] };
            } catch (e) {
                throw new Error(errorText(e));
            }
        },
        previewClean: async () => {
            const p = await driftProofOf(s.stack);
            return { clean: p.noChanges, detail: p.noChanges ? "no changes" : (p.error ?? "changes") };
        },
        read: async (windowMs) => {
            if (!prom) {
                return { ok: false, at: new Date().toISOString(), error: "monitoring is not enabled on this stack (no Prometheus)" };
            }
            const reading = await prom.read(windowMs, record().canaryColor, record().stableColor);
            if (!reading.ok || !c.config.release.synthetic.enabled) {
                return reading;
            }
            const since = Date.now() - windowMs;
            const sent = c.syntheticLog.filter((x) => x.at >= since);
            return {
                ...reading,
                canary: { ...reading.canary, synthetic: { requests: sent.length, errors: sent.filter((x) => x.failed).length } },
            };
        },
        errorsSince: async (color, since) => (prom ? prom.errorsSince(color, since) : undefined),
        applyRouterConfigs: async (configs) => {
            // Every router gets its stable config even when one refuses: traffic leaves the canary on as
            // many hosts as possible now, and the rollback's update puts the rest right.
            const refused: string[] = [];
            for (const cfg of configs) {
                try {
                    applyRouterConfig(cfg.dockerHost, cfg.container, cfg, s.dockerTls);
                } catch (e) {
                    refused.push(`${cfg.host ? `host ${cfg.host}: ` : ""}${String(e).split("\n")[0]}`);
                }
            }
            if (refused.length > 0) {
                throw new Error(refused.join("; "));
            }
        },
        ...(c.routers.length > 1 ? { observeHosts: hostObserver(c.routers, () => record().canaryColor, s.dockerTls) } : {}),
        save: (r) => saveRecord(PROJECT_DIR, r),
        reload: () => loadRecord(PROJECT_DIR, s.name),
        synthetic: c.config.release.synthetic.enabled ? () => syntheticTraffic(c) : undefined,
    };
}

/**
 * Requests sent to the canary by its header, for apps with too little traffic to judge. Tagged
 * with `X-Switchyard-Synthetic: 1` and their own User-Agent, so the app's logs tell them apart.
 */
function syntheticTraffic(c: Context): () => void {
    const header = c.secretOutputs.canaryHeader?.value as { name: string; value: string } | null | undefined;
    const base = String(c.outputs.routerUrl ?? "");
    if (!header || !base) {
        return () => undefined;
    }
    const { ratePerSecond, path: p } = c.config.release.synthetic;
    const log = (failed: boolean) => {
        const now = Date.now();
        c.syntheticLog.push({ at: now, failed });
        // Readings look back one analysis interval: an hour is plenty, and bounds the log.
        while (c.syntheticLog.length > 0 && c.syntheticLog[0].at < now - 3_600_000) c.syntheticLog.shift();
    };
    const timer = setInterval(
        () => {
            fetch(`${base}${p}`, {
                headers: { [header.name]: header.value, "X-Switchyard-Synthetic": "1", "User-Agent": "switchyard-release-synthetic" },
                signal: AbortSignal.timeout(5000),
            })
                .then(async (r) => {
                    await r.arrayBuffer();
                    log(r.status >= 500);
                })
                .catch(() => log(true));
        },
        Math.max(1, Math.round(1000 / ratePerSecond)),
    );
    return () => clearInterval(timer);
}

/** A refresh preview plus the drift command's live checks, changing nothing. */
async function driftItems(c: Context): Promise<string[] | { error: string }> {
    const steps: PreviewStep[] = [];
    try {
        await c.s.stack.preview({
            refresh: true,
            onEvent: (e) => {
                const m = e.resourcePreEvent?.metadata;
                if (m) {
                    steps.push({ op: m.op, urn: m.urn, diffReasons: m.diffs });
                }
            },
        });
    } catch (e) {
        return { error: firstLine(e) };
    }
    const deps = { ...liveDeps(c.s), markForReapply: async () => "a release preflight changes nothing; run switchyard drift" };
    const report = await checkDrift(c.s.name, steps, c.dockerHost, deps);
    return report.items.filter((i) => !i.startsWith("router: could not mark"));
}

const LOCK_TEXT = /locked by|currently locked|lock/i;

function inProgress(r: ReleaseRecord | undefined): string | undefined {
    if (!r || isFinished(r.plan)) {
        return undefined;
    }
    const where = `${r.plan.phase} at step ${r.plan.stepIndex + 1}/${r.steps.length} (${r.versions.to} on ${r.canaryColor})`;
    return isAlive(r.pid) && r.pid !== process.pid ? `running in process ${r.pid}, ${where}` : where;
}

async function start(c: Context, opts: ReleaseOptions, io: Io, listeners: ReleaseListener[]): Promise<RunEnd> {
    const { s, config, progress } = c;
    const requested = opts.version ?? "";
    const stable = config.activeColor;
    const canary = otherColor(stable);
    const parsed = parseReleaseVersion(requested);
    const image = parsed.ok ? `${config.app.image}:${imageTag(parsed.version, config.app.tagPrefix)}` : "";
    progress.say(`stack ${s.name}: release ${requested}: preflight`);
    const lock = fileBackendLock(process.env.PULUMI_BACKEND_URL, "switchyard", s.name);
    const drift = lock ? { error: "skipped: the stack is locked" } : await driftItems(c);
    const lockFromPreview = !Array.isArray(drift) && LOCK_TEXT.test(drift.error) && !lock ? drift.error : undefined;
    const checks = preflight({
        stack: s.name,
        lock: lock ?? lockFromPreview,
        drift: lock || lockFromPreview ? [] : drift,
        now: new Date(),
        window: stackWindow(s.name),
        emergency: opts.emergency,
        requested,
        liveVersion: config.colors[stable].version.semver,
        allowDowngrade: Boolean(opts.allowDowngrade),
        image,
        imageProblem: image ? imageProblem(c.dockerHost, image, s.dockerTls) : undefined,
        inProgress: inProgress(loadRecord(PROJECT_DIR, s.name)),
        syntheticWithoutHeader: config.release.synthetic.enabled && !config.canary.header,
    });
    io.err(`${renderPreflight(checks)}\n`);
    const failed = checks.filter((x) => !x.ok);
    if (failed.length > 0 || !parsed.ok) {
        throw new CliError(`preflight failed (${failed.map((x) => x.check).join(", ")}); nothing was changed`, ExitCode.Usage);
    }
    const record: ReleaseRecord = {
        stack: s.name,
        version: parsed.version.semver,
        canaryColor: canary,
        stableColor: stable,
        versions: { from: config.colors[stable].version.semver, to: parsed.version.semver },
        canaryPreviousVersion: config.colors[canary].version.raw,
        steps: planSteps(config.release),
        plan: { phase: "step", stepIndex: 0 },
        startedAt: new Date().toISOString(),
        deploymentId: "pending",
        ...(opts.emergency ? { emergency: opts.emergency } : {}),
        pid: process.pid,
        ...(c.store ? { recordId: recordId(new Date(), s.name, "release") } : {}),
        versionsBefore: { blue: config.colors.blue.version.semver, green: config.colors.green.version.semver },
        events: [],
    };
    c.current = record;
    saveRecord(PROJECT_DIR, record);
    const deps = driverDeps(c, () => record);
    const driver = new ReleaseDriver(record, deps, {
        settings: config.release,
        listeners,
        commandPrefix: `switchyard release --stack ${s.name}`,
    });
    const onSigint = interruptHandler(driver, s.name, io);
    try {
        driver.emit("release-start", {
            decision: "continue",
            reason: `release ${record.versions.to} to ${canary} (stable ${stable} ${record.versions.from})${opts.emergency ? `; emergency: ${opts.emergency}` : ""}`,
        });
        const label = `release ${record.versions.to} to the idle colour ${canary} (canary at 0%)`;
        progress.say(label);
        try {
            // The output latestRecord names this attempt from its first update on, so the updates after it stay clean.
            await deps.setConfig({
                [`colors.${canary}.version`]: requested,
                "canary.weight": "0",
                ...(record.recordId ? { latestRecord: record.recordId } : {}),
            });
            const r = await deps.up(label, false);
            record.deploymentId = r.deploymentId ?? record.deploymentId;
            record.stableRouterConfigs = c.routers.map((r) => ({
                host: r.name,
                dockerHost: r.host,
                container: r.container,
                ...readRouterConfig(r.host, r.container, s.dockerTls),
            }));
            saveRecord(PROJECT_DIR, record);
        } catch (e) {
            record.lastDecision = {
                decision: "rollback",
                reason: `${label} failed: ${String(e).split("\n")[0]}`,
                at: new Date().toISOString(),
            };
            driver.emit("failure", { decision: "rollback", reason: record.lastDecision.reason });
            record.plan = next(record.plan, "failed", record.steps.length).state;
            return await driver.rollback(record.lastDecision.reason);
        }
        return await driver.run(driver.interrupt.signal.aborted ? "rollback" : "run-step");
    } finally {
        process.off("SIGINT", onSigint);
        await driver.flush();
    }
}

/** First Ctrl-C: roll back. Second: leave the record consistent, say how to recover, stop. */
function interruptHandler(driver: ReleaseDriver, stack: string, io: Io): () => void {
    let count = 0;
    const handler = () => {
        count++;
        if (count === 1) {
            io.err(`\ninterrupt: rolling back to ${driver.state.stableColor} (Ctrl-C again stops at once and says how to recover)\n`);
            driver.state.lastDecision = { decision: "rollback", reason: "interrupted (Ctrl-C)", at: new Date().toISOString() };
            driver.interrupt.abort();
            return;
        }
        const r = driver.state;
        r.pid = 0;
        saveRecord(PROJECT_DIR, r);
        io.err(
            `\nstopped. The release record is .switchyard/releases/${stack}.json (${r.plan.phase}, step ${r.plan.stepIndex + 1}).\n` +
                `Recover: switchyard recover --stack ${stack} (if an update was running), then switchyard release abort --stack ${stack}\n`,
        );
        process.exit(ExitCode.Usage);
    };
    process.on("SIGINT", handler);
    return handler;
}

/** promote | abort | retry | pause | resume on the stack's recorded release. */
async function continueRelease(c: Context, opts: ReleaseOptions, io: Io, listeners: ReleaseListener[]): Promise<RunEnd> {
    const s = c.s;
    const record = loadRecord(PROJECT_DIR, s.name);
    if (!record) {
        throw new CliError(
            `no release recorded for stack ${s.name}; start one with switchyard release <version> --stack ${s.name}`,
            ExitCode.Usage,
        );
    }
    const running = isAlive(record.pid) && record.pid !== process.pid;
    if (opts.action === "pause" || (opts.action === "abort" && running)) {
        if (!running) {
            throw new CliError(
                `no release process runs for stack ${s.name} (it is ${record.plan.phase}); nothing to pause`,
                ExitCode.Usage,
            );
        }
        record.request = opts.action;
        saveRecord(PROJECT_DIR, record);
        io.err(`asked process ${record.pid} to ${opts.action} the release at its next reading\n`);
        return opts.action === "pause" ? "paused" : "aborted";
    }
    if (running) {
        throw new CliError(`the release runs in process ${record.pid}; pause or abort it first`, ExitCode.Usage);
    }
    if (opts.action === "retry") {
        if (!isFinished(record.plan) || record.plan.phase === "promoted") {
            throw new CliError(`retry needs a rolled back or aborted release (it is ${record.plan.phase})`, ExitCode.Usage);
        }
        return start(c, { ...opts, action: "start", version: record.version, emergency: record.emergency }, io, listeners);
    }
    const outcome: Outcome =
        opts.action === "promote" ? (opts.full ? "promote-full" : "promote") : opts.action === "abort" ? "abort" : "resume";
    let t;
    try {
        t = next(record.plan, outcome, record.steps.length);
    } catch (e) {
        throw new CliError((e as Error).message, ExitCode.Usage);
    }
    record.plan = t.state;
    record.pid = process.pid;
    c.current = record;
    record.lastDecision = { decision: outcome, reason: `${outcome} by an operator`, at: new Date().toISOString() };
    if (outcome === "abort") {
        record.lastDecision = { decision: "abort", reason: "abort by an operator", at: new Date().toISOString() };
    }
    saveRecord(PROJECT_DIR, record);
    const driver = new ReleaseDriver(
        record,
        driverDeps(c, () => record),
        {
            settings: c.config.release,
            listeners,
            commandPrefix: `switchyard release --stack ${s.name}`,
        },
    );
    const onSigint = interruptHandler(driver, s.name, io);
    try {
        return await driver.run(t.action);
    } finally {
        process.off("SIGINT", onSigint);
        await driver.flush();
    }
}

/** Scores the live canary once, changes nothing. */
async function dryRunAnalysis(c: Context, io: Io, json: boolean): Promise<ExitCode> {
    const canary = otherColor(c.config.activeColor);
    if (!c.prometheus) {
        throw new CliError("monitoring is not enabled on this stack: there is no Prometheus to read", ExitCode.Usage);
    }
    const reading = await c.prometheus.read(parseDuration(c.config.release.analysis.interval) ?? 30_000, canary, c.config.activeColor);
    const score = scoreReading(reading, c.config.release.analysis);
    io.out(
        json
            ? `${JSON.stringify({ canary, reading, ...score }, null, 2)}\n`
            : `dry-run analysis of ${canary}: ${score.result}${score.reason ? ` (${score.reason})` : ""}\n`,
    );
    return score.result === "pass" ? ExitCode.Ok : score.result === "fail" ? ExitCode.Failed : (3 as ExitCode);
}

function commitHint(stack: string, commit: boolean, message: string, io: Io): string {
    const file = `Pulumi.${stack}.yaml`;
    if (!commit) {
        return `the stack file ${file} holds what is live: commit it (git add ${file} && git commit -m '${message}')`;
    }
    const add = spawnSync("git", ["add", file], { cwd: PROJECT_DIR, encoding: "utf8" });
    const c = add.status === 0 ? spawnSync("git", ["commit", "-m", message, "--", file], { cwd: PROJECT_DIR, encoding: "utf8" }) : add;
    if (c.status !== 0) {
        io.err(`git commit of ${file} failed: ${(c.stderr || c.stdout).trim()}\n`);
        return `commit ${file} by hand`;
    }
    return `committed ${file}: ${message}`;
}

export async function release(opts: ReleaseOptions, io: Io, extraListeners: ReleaseListener[] = []): Promise<ExitCode> {
    return withStack(opts, async (s) => {
        const c = await context(s, io);
        if (opts.dryRunAnalysis) {
            return dryRunAnalysis(c, io, opts.json);
        }
        // A continued attempt's own (in-progress) record is not the previous release.
        const continued = opts.action === "start" || opts.action === "retry" ? undefined : loadRecord(PROJECT_DIR, s.name)?.recordId;
        const notes = await notesContext(c, continued);
        // The stack's notification sinks hear every event (the last ones with the notes' summary); the bus
        // never lets a slow sink hold the driver.
        const collect = async (e: ReleaseEvent) => void (c.current ? (c.current.events ??= []).push(e) : undefined);
        const toSinks = (e: ReleaseEvent) => c.notify(e, FINAL_EVENTS.has(e.kind) ? { notes: `Changes: ${notes.summary}.` } : undefined);
        const listeners = [collect, ...(opts.json ? [] : [progressListener(io)]), toSinks, ...extraListeners];
        const t0 = Date.now();
        const end = opts.action === "start" ? await start(c, opts, io, listeners) : await continueRelease(c, opts, io, listeners);
        const written = c.current ? await writeDeploymentRecord(c, c.current, end, notes, io) : undefined;
        const record = loadRecord(PROJECT_DIR, s.name);
        const message = `release ${s.name}: ${record?.versions.to ?? "?"} ${end}`;
        const hint = end === "paused" && opts.action === "pause" ? "" : commitHint(s.name, Boolean(opts.commit), message, io);
        const report = {
            stack: s.name,
            outcome: end,
            exitCode: EXIT_OF[end],
            wallMs: Date.now() - t0,
            record: record && redact(record),
            deploymentRecord: written ?? null,
            git: hint,
        };
        io.out(
            opts.json
                ? `${JSON.stringify(report, null, 2)}\n`
                : `switchyard release, stack ${s.name}: ${end}${record?.lastDecision ? ` (${record.lastDecision.reason})` : ""}\n${written ? `record: ${written.location}\n` : ""}${hint ? `${hint}\n` : ""}`,
        );
        return EXIT_OF[end] as ExitCode;
    });
}

/** Events after which the release's notes summary goes to the sinks. */
const FINAL_EVENTS = new Set<ReleaseEvent["kind"]>(["watch-passed", "rollback", "failure"]);

interface NotesContext {
    readonly commit: string | null;
    readonly previousCommit: string | null;
    readonly commits: ReturnType<typeof commitsBetween>;
    readonly summary: string;
}

/** The commits since the previous recorded release or rollback (the notes' range), read before anything changes. */
async function notesContext(c: Context, ownId: string | undefined): Promise<NotesContext> {
    const records = (c.store ? await c.store.list().catch(() => []) : []).filter((r) => r.id !== ownId);
    const commit = headCommit(PROJECT_DIR);
    const previousCommit = [...records].reverse().find((r) => r.commit)?.commit ?? null;
    const commits = commitsBetween(previousCommit, commit, PROJECT_DIR);
    return { commit, previousCommit, commits, summary: notesSummary(commits) };
}

const OUTCOME_OF: Record<RunEnd, RecordOutcome> = {
    promoted: "promoted",
    "rolled-back": "rolled-back",
    aborted: "rolled-back",
    paused: "in-progress",
    error: "failed",
};

/**
 * The attempt's deployment record and release notes (rewritten by each process that drives it, so a
 * paused release has an in-progress record). The zero-drift proof is the rollback's clean preview, or
 * after a promotion a refresh preview expecting no changes.
 */
async function writeDeploymentRecord(
    c: Context,
    r: ReleaseRecord,
    end: RunEnd,
    notes: NotesContext,
    io: Io,
): Promise<{ id: string; location: string } | undefined> {
    saveRecord(PROJECT_DIR, r);
    if (end === "promoted") {
        // The scale-down of the colour it left is the next update's (app.scaleDownDelay): say when.
        const warm = warmUntil(plainOutputs(await c.s.stack.outputs()).colorScale, r.stableColor);
        if (warm) c.progress.say(`release: ${warm}`);
    }
    if (!c.store || !r.recordId) {
        return undefined;
    }
    let driftProof: DriftProof | undefined;
    if (r.rollback?.proof) {
        const p = r.rollback.proof;
        driftProof = { checkedAt: p.at, noChanges: p.previewClean, changeSummary: {}, ...(p.previewClean ? {} : { error: p.detail }) };
    } else if (end === "promoted") {
        c.progress.say("release: refresh preview, expecting no changes (the record's drift proof)");
        driftProof = await driftProofOf(c.s.stack);
    }
    const after = plainOutputs(await c.s.stack.outputs());
    const backups = after.backups as Record<Color, { snapshotId?: string }> | undefined;
    const outcome = driftProof && !driftProof.noChanges ? "failed" : OUTCOME_OF[end];
    const finishedAt = new Date().toISOString();
    const record = foldRecord(
        {
            id: r.recordId,
            kind: "release",
            stack: r.stack,
            who: whoAmI(io.env, PROJECT_DIR),
            commit: notes.commit,
            previousCommit: notes.previousCommit,
            startedAt: r.startedAt,
            ...(end === "paused" ? {} : { finishedAt }),
            activeColor: { before: r.stableColor, after: (after.activeColor ?? r.stableColor) as Color },
            versionsBefore: r.versionsBefore ?? { blue: "unknown", green: "unknown" },
            versionsAfter: (after.versions ?? r.versionsBefore) as Record<Color, string>,
            snapshotId: backups?.[r.canaryColor]?.snapshotId ?? null,
            outcome,
            ...(end === "error" ? { error: r.lastDecision?.reason ?? "the rollback did not end clean" } : {}),
            ...(driftProof ? { driftProof } : {}),
            notesFile: `${r.recordId}.notes.md`,
            notesSummary: notes.summary,
        },
        r.events ?? [],
    );
    const text = renderReleaseNotes(
        {
            stack: r.stack,
            recordId: r.recordId,
            deploymentId: r.deploymentId,
            kind: "release",
            outcome,
            who: record.who,
            commit: notes.commit,
            previousCommit: notes.previousCommit,
            versions: r.versions,
            snapshotId: record.snapshotId,
            reason: record.rollbackReason ?? r.emergency ?? null,
            at: finishedAt,
        },
        notes.commits,
    );
    const location = await publishRecord(c.store, record, text, (t) => c.progress.say(t));
    return location ? { id: r.recordId, location } : undefined;
}

/** The record without the routers' configs (they hold the canary header value) and the event list (in the deployment record). */
export function redact(
    r: ReleaseRecord,
): Omit<ReleaseRecord, "stableRouterConfigs" | "events"> & { stableRouterConfigs?: { host: string; sha256: string }[] } {
    const { stableRouterConfigs, events: _events, ...rest } = r;
    return {
        ...rest,
        ...(stableRouterConfigs ? { stableRouterConfigs: stableRouterConfigs.map((c) => ({ host: c.host, sha256: c.sha256 })) } : {}),
    };
}
