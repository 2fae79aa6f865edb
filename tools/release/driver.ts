/**
 * The release driver: walks the plan's steps (weight, update, analysis during the pause), promotes
 * in one update, watches, and rolls back on any failure: the router's stable config first (the
 * fast path), then the stack config and an update, then a clean `preview --expect-no-changes`.
 * Everything outside (engine, Prometheus, router, clock, record file) comes in through
 * `DriverDeps`, so the order of the rollback and every exit are unit-tested.
 */
import type { ReleaseSettings } from "../../config/release";
import type { Color } from "../../domain/color";
import { parseDuration } from "../../domain/duration";
import type { ReleaseEvent, ReleaseEventKind } from "../../domain/releaseEvent";
import { addToTally, EMPTY_TALLY, Reading, scoreReading, verdict, watchVerdict } from "./analysis";
import { Action, next, Outcome } from "./plan";
import type { ReleaseRecord, RollbackProof, StableRouterConfig } from "./record";

export type ReleaseListener = (e: ReleaseEvent) => Promise<void>;

/** How a driver run ended: exit 0 promoted, 1 rolled back or aborted, 2 error, 3 paused or inconclusive. */
export type RunEnd = "promoted" | "rolled-back" | "aborted" | "paused" | "error";
export const EXIT_OF: Record<RunEnd, 0 | 1 | 2 | 3> = { promoted: 0, "rolled-back": 1, aborted: 1, paused: 3, error: 2 };

export interface DriverDeps {
    now(): number;
    /** Resolves after `ms`, or early when `signal` aborts. */
    sleep(ms: number, signal: AbortSignal): Promise<void>;
    /** Writes stack config (path keys such as `colors.green.version`): Pulumi.<stack>.yaml. */
    setConfig(values: Readonly<Record<string, string>>): Promise<void>;
    /** An update; throws when it fails (a gate, an error). `refresh` reads the host back first. */
    up(label: string, refresh: boolean): Promise<{ deploymentId?: string }>;
    /** `preview --refresh --expect-no-changes`: clean or not, with what would change. */
    previewClean(): Promise<{ clean: boolean; detail: string }>;
    /** Router metrics of both colours over the last `windowMs`. */
    read(windowMs: number): Promise<Reading>;
    /** 5xx responses of a colour since `sinceMs` (epoch ms); undefined when Prometheus gave no answer. */
    errorsSince(color: Color, sinceMs: number): Promise<number | undefined>;
    /**
     * Applies each router's config (every host's); resolves when every router serves its own, throws
     * naming the routers that refused after trying them all.
     */
    applyRouterConfigs(configs: readonly StableRouterConfig[]): Promise<void>;
    /** Several hosts: each host's router and the canary's measured share there since the last call. */
    observeHosts?(): Promise<HostObservation[]>;
    /** Persists the record (another process may continue it). */
    save(r: ReleaseRecord): void;
    /** The record as saved now (to see a pause or abort asked by another process). */
    reload(): ReleaseRecord | undefined;
    /** Progress line (stderr), stamped with elapsed time. */
    say(text: string): void;
    /** Starts synthetic traffic to the canary; returns the stop function. */
    synthetic?(): () => void;
}

/** A host's router as the driver sees it at a reading. */
export interface HostObservation {
    readonly name: string;
    /** False when the router's exporter does not answer (host or router down). */
    readonly answers: boolean;
    /** Requests the router sent since the previous observation, and the canary's share of them (0..1). */
    readonly requests?: number;
    readonly canaryShare?: number;
}

/** A progress line for one host's observation. */
export function hostLine(h: HostObservation, canary: Color): string {
    if (!h.answers) {
        return `host ${h.name}: router does not answer`;
    }
    if (h.requests === undefined) {
        return `host ${h.name}: router ok, counting its requests from this reading on`;
    }
    const share = h.canaryShare === undefined ? "no request" : `${(h.canaryShare * 100).toFixed(1)}% of ${h.requests} request(s)`;
    return `host ${h.name}: router ok, ${canary} measured ${share}`;
}

export interface DriverOptions {
    readonly settings: ReleaseSettings;
    readonly listeners: readonly ReleaseListener[];
    /** The command that continues this stack's release (`switchyard release --stack S`). */
    readonly commandPrefix: string;
}

/**
 * Delivers events to listeners without ever blocking or failing the driver: each call runs
 * detached; a listener that throws or rejects is reported once on the progress stream.
 */
export class EventBus {
    private readonly pending = new Set<Promise<void>>();
    constructor(
        private readonly listeners: readonly ReleaseListener[],
        private readonly warn: (text: string) => void,
    ) {}

    emit(e: ReleaseEvent): void {
        for (const l of this.listeners) {
            const p: Promise<void> = Promise.resolve()
                .then(() => l(e))
                .catch((err: unknown) => this.warn(`a release event listener failed on '${e.kind}' (ignored): ${String(err)}`))
                .finally(() => this.pending.delete(p));
            this.pending.add(p);
        }
    }

    /** Waits for listeners still running, at most `ms`. */
    async flush(ms: number): Promise<void> {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
            Promise.allSettled([...this.pending]),
            new Promise<void>((r) => {
                timer = setTimeout(r, ms);
            }),
        ]);
        clearTimeout(timer);
    }
}

export class ReleaseDriver {
    /** Aborted by the first interrupt (Ctrl-C): the driver rolls back. */
    readonly interrupt = new AbortController();
    private readonly bus: EventBus;
    private readonly analysis: ReleaseSettings["analysis"];

    constructor(
        private readonly record: ReleaseRecord,
        private readonly deps: DriverDeps,
        private readonly opts: DriverOptions,
    ) {
        this.bus = new EventBus(opts.listeners, (t) => deps.say(t));
        this.analysis = opts.settings.analysis;
    }

    get state(): ReleaseRecord {
        return this.record;
    }

    /** Commands an operator can run next, for this stack. */
    commands(): string[] {
        const p = this.opts.commandPrefix;
        return [`${p} promote`, `${p} promote --full`, `${p} abort`];
    }

    emit(kind: ReleaseEventKind, extra: Partial<ReleaseEvent> = {}): void {
        const r = this.record;
        const i = r.plan.stepIndex;
        const step = i < r.steps.length ? { index: i, count: r.steps.length, weightPercent: r.steps[i].weightPercent } : undefined;
        this.bus.emit({
            kind,
            at: new Date(this.deps.now()).toISOString(),
            stack: r.stack,
            deploymentId: r.deploymentId,
            canaryColor: r.canaryColor,
            stableColor: r.stableColor,
            versions: r.versions,
            ...(step ? { step } : {}),
            ...extra,
        });
    }

    async flush(): Promise<void> {
        await this.bus.flush(5000);
    }

    private decide(decision: string, reason: string): void {
        this.record.lastDecision = { decision, reason, at: new Date(this.deps.now()).toISOString() };
        this.deps.save(this.record);
    }

    private move(o: Outcome): Action {
        const t = next(this.record.plan, o, this.record.steps.length);
        this.record.plan = t.state;
        this.deps.save(this.record);
        return t.action;
    }

    /**
     * Runs the release from `action` (a new release starts with the idle colour's update, done by the
     * caller, then `run-step`) until it ends or pauses.
     */
    async run(first: Action): Promise<RunEnd> {
        let action: Action = first;
        for (;;) {
            if (action === "run-step") {
                action = await this.runStep();
            } else if (action === "promote") {
                action = await this.promote();
            } else if (action === "rollback") {
                return this.rollback(this.record.lastDecision?.reason ?? "rollback asked");
            } else if (action === "wait") {
                this.record.pid = 0;
                this.deps.save(this.record);
                return "paused";
            } else {
                this.record.pid = 0;
                this.record.finishedAt = new Date(this.deps.now()).toISOString();
                this.deps.save(this.record);
                return this.record.plan.phase === "promoted"
                    ? "promoted"
                    : this.record.plan.phase === "aborted"
                      ? "aborted"
                      : "rolled-back";
            }
        }
    }

    /** A failure: recorded, then the rollback. */
    private fail(reason: string, kind: ReleaseEventKind = "failure", extra: Partial<ReleaseEvent> = {}): Action {
        this.decide("rollback", reason);
        this.deps.say(`release: ${reason}: rolling back`);
        this.emit(kind, { decision: "rollback", reason, ...extra });
        return this.move("failed");
    }

    private async runStep(): Promise<Action> {
        const r = this.record;
        const step = r.steps[r.plan.stepIndex];
        const label = `step ${r.plan.stepIndex + 1}/${r.steps.length}: canary ${r.canaryColor} at ${step.weightPercent}%`;
        this.deps.say(`release: ${label}`);
        try {
            await this.deps.setConfig({ "canary.weight": String(step.weightPercent) });
            await this.deps.up(label, false);
        } catch (e) {
            return this.fail(`the update of ${label} failed: ${String(e).split("\n")[0]}`);
        }
        if (this.interrupt.signal.aborted) {
            return this.fail("interrupted (Ctrl-C)");
        }
        const started = this.deps.now();
        r.stepStartedAt = new Date(started).toISOString();
        r.stepEndsAt = step.pauseMs === "indefinite" ? undefined : new Date(started + step.pauseMs).toISOString();
        this.deps.save(r);
        this.emit("step", {
            decision: "continue",
            reason: `${label}, pause ${step.pauseMs === "indefinite" ? "indefinite" : `${step.pauseMs / 1000}s`}`,
        });
        if (step.pauseMs === "indefinite") {
            const reason = `${label}: indefinite pause, waiting for an operator`;
            this.decide("pause", reason);
            this.emit("paused", { decision: "pause", reason, commands: this.commands() });
            this.deps.say(`release: paused. Next: ${this.commands().join("  |  ")}`);
            return this.move("indefinite-pause");
        }
        const outcome = await this.analyse(label, started + step.pauseMs);
        return outcome;
    }

    /** Analysis readings during the pause; the step's outcome. */
    private async analyse(label: string, endsAt: number): Promise<Action> {
        const interval = parseDuration(this.analysis.interval) ?? 30_000;
        const stopSynthetic = this.deps.synthetic?.();
        let tally = EMPTY_TALLY;
        try {
            for (;;) {
                const remaining = endsAt - this.deps.now();
                await this.deps.sleep(Math.max(0, Math.min(interval, remaining)), this.interrupt.signal);
                if (this.interrupt.signal.aborted) {
                    return this.fail("interrupted (Ctrl-C)");
                }
                const asked = this.deps.reload()?.request;
                if (asked === "abort") {
                    this.record.request = undefined;
                    this.decide("abort", "abort asked by switchyard release abort");
                    this.emit("rollback", { decision: "abort", reason: "abort asked by an operator" });
                    return this.move("abort");
                }
                if (asked === "pause") {
                    this.record.request = undefined;
                    const reason = `${label}: paused by switchyard release pause`;
                    this.decide("pause", reason);
                    this.emit("paused", { decision: "pause", reason, commands: this.commands() });
                    return this.move("pause");
                }
                const reading = await this.deps.read(interval);
                const score = scoreReading(reading, this.analysis);
                tally = addToTally(tally, score.result);
                this.record.lastSamples = score.samples;
                const pauseOver = this.deps.now() >= endsAt;
                const v = verdict(tally, this.analysis, pauseOver);
                this.deps.say(`release: ${label}: reading ${score.result}${score.reason ? ` (${score.reason})` : ""}`);
                for (const h of (await this.deps.observeHosts?.()) ?? []) {
                    this.deps.say(`release: ${label}: ${hostLine(h, this.record.canaryColor)}`);
                }
                if (v.kind === "continue") {
                    this.deps.save(this.record);
                    continue;
                }
                if (v.kind === "fail") {
                    return this.fail(
                        `${label}: analysis failed: ${v.reason}${score.reason ? `; last reading: ${score.reason}` : ""}`,
                        "failure",
                        {
                            samples: score.samples,
                        },
                    );
                }
                if (v.kind === "inconclusive") {
                    const reason = `${label}: inconclusive: ${v.reason}`;
                    this.decide("pause", reason);
                    this.emit("inconclusive", { decision: "pause", reason, samples: score.samples, commands: this.commands() });
                    this.deps.say(`release: ${reason}. Paused. Next: ${this.commands().join("  |  ")}`);
                    return this.move("inconclusive");
                }
                this.decide("continue", `${label}: ${v.reason}`);
                this.emit("step", { decision: "continue", reason: `${label} passed: ${v.reason}`, samples: score.samples });
                return this.move("step-passed");
            }
        } finally {
            stopSynthetic?.();
        }
    }

    /** activeColor = canary colour and canary.weight = 0 in one update, then the stability watch. */
    private async promote(): Promise<Action> {
        const r = this.record;
        const label = `promote: ${r.canaryColor} (${r.versions.to}) becomes the active colour`;
        this.deps.say(`release: ${label}`);
        this.decide("promote", label);
        this.emit("promote", { decision: "promote", reason: label });
        try {
            await this.deps.setConfig({ activeColor: r.canaryColor, "canary.weight": "0" });
            await this.deps.up(label, false);
        } catch (e) {
            return this.fail(`the promotion update failed: ${String(e).split("\n")[0]}`);
        }
        return this.watch();
    }

    private async watch(): Promise<Action> {
        const r = this.record;
        const w = this.opts.settings.watch;
        const duration = parseDuration(w.duration) ?? 0;
        const interval = parseDuration(w.interval) ?? 15_000;
        const start = this.deps.now();
        r.stepStartedAt = new Date(start).toISOString();
        r.stepEndsAt = new Date(start + duration).toISOString();
        this.deps.save(r);
        this.deps.say(`release: stability watch for ${w.duration} (at most ${w.maxErrors} errors), ${r.stableColor} kept warm`);
        let silent = 0;
        for (;;) {
            const remaining = start + duration - this.deps.now();
            await this.deps.sleep(Math.max(0, Math.min(interval, remaining)), this.interrupt.signal);
            if (this.interrupt.signal.aborted) {
                return this.fail("interrupted (Ctrl-C) during the stability watch");
            }
            if (this.deps.reload()?.request === "abort") {
                r.request = undefined;
                this.decide("abort", "abort asked during the stability watch");
                return this.move("abort");
            }
            const errors = await this.deps.errorsSince(r.canaryColor, start);
            silent = errors === undefined ? silent + 1 : 0;
            const v = watchVerdict(errors, silent, w, this.analysis.consecutiveErrorLimit);
            const at = new Date(this.deps.now()).toISOString();
            const sample = { at, metric: "watchErrors", ...(errors !== undefined ? { canary: errors } : {}), threshold: w.maxErrors };
            // A dead container of the new colour is a breach before its errors add up.
            const reading = await this.deps.read(interval);
            const down = reading.ok ? (reading.canary.down ?? 0) : 0;
            if (down > 0) {
                return this.fail(
                    `stability watch breached: ${down} container(s) of ${r.canaryColor} down (Prometheus up == 0)`,
                    "failure",
                    {
                        samples: [{ at, metric: "containersDown", canary: down, threshold: 0, result: "fail" }],
                    },
                );
            }
            if (v.breach) {
                return this.fail(`stability watch breached: ${v.reason}`, "failure", { samples: [{ ...sample, result: "fail" }] });
            }
            this.deps.say(`release: watch: ${errors === undefined ? "no answer from Prometheus" : `${Math.round(errors)} error(s)`}`);
            if (this.deps.now() >= start + duration) {
                const reason = `stability watch passed: ${errors ?? 0} error(s) in ${w.duration}, at most ${w.maxErrors}`;
                this.decide("promoted", reason);
                this.deps.say(`release: ${reason}`);
                this.emit("watch-passed", { decision: "promote", reason, samples: [{ ...sample, result: "pass" }] });
                return this.move("watch-passed");
            }
        }
    }

    /**
     * Traffic back to the stable colour first (the router's stable config, applied directly), then
     * the stack config and an update with refresh, then the proof: a clean preview.
     */
    async rollback(reason: string): Promise<RunEnd> {
        const r = this.record;
        const decidedAt = this.deps.now();
        const aborted = r.lastDecision?.decision === "abort";
        let canaryZeroMs: number | undefined;
        if (r.stableRouterConfigs?.length) {
            const routers = r.stableRouterConfigs.length > 1 ? `all ${r.stableRouterConfigs.length} routers serve` : "router serves";
            try {
                await this.deps.applyRouterConfigs(r.stableRouterConfigs);
                canaryZeroMs = this.deps.now() - decidedAt;
                this.deps.say(`release: ${routers} the stable config (canary at 0%) ${canaryZeroMs} ms after the decision`);
            } catch (e) {
                this.deps.say(
                    `release: the stable config could not be applied directly everywhere (${String(e).split("\n")[0]}); the update restores it`,
                );
            }
        } else {
            this.deps.say("release: the router never left the stable config (the first update did not route to the canary)");
        }
        let proof: RollbackProof | undefined;
        let cleanMs: number | undefined;
        try {
            const revert = { [`colors.${r.canaryColor}.version`]: r.canaryPreviousVersion };
            if (r.plan.phase === "watch") {
                // After the promotion the canary colour is live: the program changes no live colour's
                // version, so the traffic goes back in one update and the version in the next.
                await this.deps.setConfig({ activeColor: r.stableColor, "canary.weight": "0" });
                await this.deps.up(`rollback: ${r.stableColor} active`, true);
                await this.deps.setConfig(revert);
                await this.deps.up(`rollback: ${r.canaryColor} back to ${r.canaryPreviousVersion}`, false);
            } else {
                await this.deps.setConfig({ activeColor: r.stableColor, "canary.weight": "0", ...revert });
                await this.deps.up(`rollback: ${r.stableColor} active, ${r.canaryColor} back to ${r.canaryPreviousVersion}`, true);
            }
            const p = await this.deps.previewClean();
            proof = { previewClean: p.clean, at: new Date(this.deps.now()).toISOString(), detail: p.detail };
            cleanMs = this.deps.now() - decidedAt;
        } catch (e) {
            const text = String(e).split("\n")[0];
            r.rollback = { reason, ...(canaryZeroMs !== undefined ? { canaryZeroMs } : {}) };
            r.pid = 0;
            this.deps.save(r);
            const fix = `${this.opts.commandPrefix} abort`;
            this.deps.say(
                `release: the rollback update failed: ${text}. Traffic is on ${r.stableColor}${canaryZeroMs === undefined ? " unless the router was changed" : ""}; finish with: ${fix}`,
            );
            this.emit("failure", { decision: "rollback", reason: `rollback update failed: ${text}`, commands: [fix] });
            return "error";
        }
        r.rollback = { reason, ...(canaryZeroMs !== undefined ? { canaryZeroMs } : {}), cleanMs, proof };
        const proofText = proof.previewClean
            ? `preview --expect-no-changes clean at ${proof.at}`
            : `preview --expect-no-changes NOT clean: ${proof.detail}`;
        this.emit("rollback", {
            decision: aborted ? "abort" : "rollback",
            reason: `${reason}; canary at 0% after ${canaryZeroMs ?? "?"} ms; stack clean after ${cleanMs} ms; ${proofText}`,
        });
        this.deps.say(`release: rolled back; ${proofText} (${cleanMs} ms after the decision)`);
        this.move(aborted ? "aborted" : "rolled-back");
        r.pid = 0;
        r.finishedAt = new Date(this.deps.now()).toISOString();
        this.deps.save(r);
        return proof.previewClean ? (aborted ? "aborted" : "rolled-back") : "error";
    }
}
