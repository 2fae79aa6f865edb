/**
 * The benchmarks of `npm run bench`, one function per section. Each runs on an existing stack (the
 * local one by default), puts back every config value it changed, and returns its rows.
 */
import { execFile, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { promisify } from "util";
import type { ConfigValue, Stack } from "@pulumi/pulumi/automation";
import { COLORS, Color, otherColor } from "../../domain/color";
import { LABELS } from "../../domain/labels";
import { ROUTER_IMAGE } from "../../domain/routerImage";
import { failed, LoadSpec, runLoad } from "./load";
import { lost } from "./loadTally";
import { startMixedLoad, Stream } from "./mixedLoad";
import { ColorState, ConfigScalar, configType, nextPutBackStep, restorePlan, stackFileValue, versionToRelease } from "./configRestore";
import { BenchRow } from "./report";
import { longestGap, quantile, spread } from "./stats";
import { readRouterStatus, statusPathOf } from "../lib/routerStatus";
import { PROJECT_DIR } from "../lib/stack";
import { containerIp, containersWith, cpuMicros, DOCKER_HOST, dockerRun } from "./targets";

const execFileAsync = promisify(execFile);

export interface BenchContext {
    readonly stack: Stack;
    readonly stackName: string;
    readonly runs: number;
    /** Seconds of load per router measurement. */
    readonly seconds: number;
    readonly smoke: boolean;
    /** Replicas per colour of the engine rows. */
    readonly replicas: readonly number[];
    log(line: string): void;
}

const NS = "switchyard";

/**
 * Runs `fn` with config values set (keys are paths under `switchyard:`), then puts the previous
 * values back: a value the stack file did not hold is removed again, with the objects and lists its
 * path created (configRestore.ts).
 */
export async function withConfig<T>(ctx: BenchContext, values: Record<string, ConfigScalar>, fn: () => Promise<T>): Promise<T> {
    const file = (await ctx.stack.workspace.stackSettings(ctx.stackName)).config ?? {};
    const plan = restorePlan(file, NS, Object.keys(values));
    const previous = new Map<string, ConfigValue | ConfigScalar>();
    for (const step of plan) {
        if (step.kind !== "set") continue;
        const held = stackFileValue(file, NS, step.key);
        // A secret ({secure: ...} in the file) goes back through setConfig as a secret; a scalar as the file typed it.
        const scalar = typeof held === "string" || typeof held === "number" || typeof held === "boolean";
        previous.set(step.key, scalar ? held : await ctx.stack.getConfig(`${NS}:${step.key}`, true));
    }
    try {
        for (const [key, value] of Object.entries(values)) {
            await setTyped(ctx, key, value);
        }
        return await fn();
    } finally {
        for (const step of plan) {
            const before = previous.get(step.key);
            if (before === undefined) {
                await ctx.stack.removeConfig(`${NS}:${step.key}`, true).catch(() => undefined);
            } else if (typeof before === "object") {
                await ctx.stack.setConfig(`${NS}:${step.key}`, before, true);
            } else {
                await setTyped(ctx, step.key, before);
            }
        }
    }
}

/**
 * `pulumi config set --path --type T` (the Automation API's setConfig always writes a string): the
 * stack file keeps numbers and booleans unquoted, so putting a value back leaves the file as it was.
 */
async function setTyped(ctx: BenchContext, key: string, value: ConfigScalar): Promise<void> {
    const ws = ctx.stack.workspace;
    const args = ["config", "set", "--path", "--stack", ctx.stackName, "--type", configType(value), "--non-interactive"];
    // Not execFileSync: the load generator may share this event loop.
    await execFileAsync(ws.pulumiCommand.command, [...args, "--", `${NS}:${key}`, String(value)], {
        cwd: ws.workDir,
        env: { ...process.env, ...ws.envVars },
    });
}

async function outputs(ctx: BenchContext): Promise<Record<string, unknown>> {
    const o = await ctx.stack.outputs();
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.value]));
}

async function up(ctx: BenchContext): Promise<number> {
    const t0 = performance.now();
    await ctx.stack.up({ onOutput: () => undefined });
    return (performance.now() - t0) / 1000;
}

function row(section: string, command: string, load: string, metric: string, values: number[]): BenchRow {
    return { section, command, load, metric, spread: spread(values) };
}

const loadName = (s: Pick<LoadSpec, "rate" | "keepAlive" | "postBytes">) =>
    `${s.rate} req/s ${s.keepAlive ? "keep-alive" : "fresh conn"} ${s.postBytes ? `POST ${s.postBytes / 1024} KiB` : "GET"}`;

/**
 * Router overhead: the same load straight to one app container and through the router's published
 * port, plus the router container's own address (no docker-proxy) to show where the time goes.
 * CPU per request is the container's cgroup CPU time over the requests it answered.
 */
export async function routerOverhead(ctx: BenchContext): Promise<BenchRow[]> {
    const o = await outputs(ctx);
    const activeColor = o.activeColor as Color;
    const router = String(o.routerContainer);
    const app = containersWith({ [LABELS.stack]: ctx.stackName, [LABELS.color]: activeColor })[0];
    if (!app) {
        throw new Error(`no running ${activeColor} container on stack ${ctx.stackName}`);
    }
    const targets = [
        { command: `direct to one ${activeColor} container`, url: `http://${containerIp(app)}:8080/`, cpuOf: app },
        { command: "through the router (published port)", url: String(o.routerUrl).replace(/\/$/, "") + "/", cpuOf: router },
        {
            command: "through the router (container address)",
            url: `http://${containerIp(router)}:${ROUTER_IMAGE.frontPort}/`,
            cpuOf: router,
        },
    ];
    const rates = ctx.smoke ? [200] : [200, 500, 1000];
    const shapes = ctx.smoke
        ? [{ keepAlive: true }]
        : [
              { keepAlive: true },
              { keepAlive: false },
              { keepAlive: true, postBytes: 64 * 1024 },
              { keepAlive: false, postBytes: 64 * 1024 },
          ];
    const rows: BenchRow[] = [];
    for (const rate of rates) {
        for (const shape of shapes) {
            for (const t of targets) {
                const p50: number[] = [];
                const p99: number[] = [];
                const max: number[] = [];
                const cpu: number[] = [];
                const lost: number[] = [];
                for (let i = 0; i < ctx.runs; i++) {
                    const c0 = cpuMicros(t.cpuOf);
                    const r = await runLoad({ url: t.url, rate, seconds: ctx.seconds, ...shape });
                    const c1 = cpuMicros(t.cpuOf);
                    p50.push(quantile(r.latenciesMs, 0.5));
                    p99.push(quantile(r.latenciesMs, 0.99));
                    max.push(quantile(r.latenciesMs, 1));
                    cpu.push(r.ok > 0 ? (c1 - c0) / r.ok : NaN);
                    lost.push(failed(r));
                }
                const load = loadName({ rate, ...shape });
                ctx.log(`router: ${t.command}, ${load}: p99 ${spread(p99).median.toFixed(2)} ms`);
                rows.push(
                    row("router", t.command, load, "p50 ms", p50),
                    row("router", t.command, load, "p99 ms", p99),
                    row("router", t.command, load, "max ms", max),
                    row("router", t.command, load, "CPU µs/request", cpu),
                    row("router", t.command, load, "failed requests", lost),
                );
            }
        }
    }
    return rows;
}

/** The open-loop load the switching rows run under: most requests keep-alive GETs, some fresh connections and 64 KiB POSTs. */
export function switchLoad(rate: number): { rates: Record<Stream, number>; name: string } {
    const side = Math.round(rate / 10);
    return {
        rates: { keepAlive: rate - 2 * side, fresh: side, post: side },
        name: `${rate} req/s open loop (${rate - 2 * side} keep-alive GET, ${side} fresh-conn GET, ${side} POST 64 KiB)`,
    };
}

/**
 * Runs `action` under an open-loop load (tools/bench/mixedLoad.ts: requests leave on a fixed
 * schedule whether or not earlier ones were answered); returns its wall time, the requests that got
 * no 2xx answer, and the longest stretch of send times in which no request succeeded.
 */
async function underLoad(
    url: string,
    rates: Record<Stream, number>,
    action: () => Promise<void>,
): Promise<{ wall: number; failed: number; gapMs: number; sent: number }> {
    const load = startMixedLoad({ url, rates, timeoutMs: 5000, maxSockets: 256 });
    // A second of load before and after, so a gap at either edge of the action is seen.
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = load.now();
    let t1 = t0;
    try {
        await action();
    } finally {
        t1 = load.now();
        await new Promise((r) => setTimeout(r, 1000));
    }
    const result = await load.stop();
    // The window ends a tick before the load stopped sending.
    return {
        wall: (t1 - t0) / 1000,
        failed: lost(result.total),
        gapMs: longestGap(result.okSentMs, t0, t1 + 950),
        sent: result.total.sent,
    };
}

/**
 * switchyard's flip and an idle-colour release, against a stop-old/start-new script, each under the
 * same load on the same host: wall time, failed requests, the longest time without a success.
 */
export async function switching(ctx: BenchContext): Promise<BenchRow[]> {
    const o = await outputs(ctx);
    const routerUrl = String(o.routerUrl).replace(/\/$/, "");
    const { rates, name: load } = switchLoad(ctx.smoke ? 200 : 500);
    const versions = o.versions as Record<Color, string>;
    const results: Record<string, { wall: number[]; failed: number[]; gap: number[]; sent: number[] }> = {};
    const add = (name: string, r: { wall: number; failed: number; gapMs: number; sent: number }) => {
        const x = (results[name] ??= { wall: [], failed: [], gap: [], sent: [] });
        x.wall.push(r.wall);
        x.failed.push(r.failed);
        x.gap.push(r.gapMs);
        x.sent.push(r.sent);
    };
    const active = o.activeColor as Color;
    for (let i = 0; i < ctx.runs; i++) {
        // Flip and back: two flips, each timed; the stack ends where it began.
        for (const to of [otherColor(active), active]) {
            add(
                "switchyard flip (config set activeColor + up)",
                await underLoad(routerUrl, rates, async () => {
                    await ctx.stack.setConfig(`${NS}:activeColor`, { value: to });
                    await up(ctx);
                }),
            );
        }
    }
    // Idle-colour release: the idle colour takes another version through the gates; put back after.
    const idle = otherColor(active);
    const alternatives = BENCH_APP_VERSIONS.filter((v) => v !== versions[idle]);
    await withConfig(ctx, { [`colors.${idle}.version`]: versions[idle] }, async () => {
        for (let i = 0; i < ctx.runs; i++) {
            const v = alternatives[i % alternatives.length];
            add(
                `switchyard idle-colour release (${idle} takes a new version, gates)`,
                await underLoad(routerUrl, rates, async () => {
                    await ctx.stack.setConfig(`${NS}:colors.${idle}.version`, { value: v }, true);
                    await up(ctx);
                }),
            );
        }
    });
    await up(ctx);
    // The script: its own container on its own port, under the same load.
    const label = `switchyard.bench=${ctx.stackName}`;
    const port = await freeHostPort();
    const image = (v: string) => `${String((o.images as Record<Color, string>)[active]).split(":")[0]}:${v}`;
    const script = path.join(__dirname, "stop-start.sh");
    let current = `sy-bench-script-0`;
    dockerRun(["run", "-d", "--name", current, "--label", label, "-p", `127.0.0.1:${port}:8080`, image(versions.blue)]);
    try {
        await waitFor(`http://127.0.0.1:${port}/health/ready`);
        for (let i = 1; i <= ctx.runs; i++) {
            const next = `sy-bench-script-${i}`;
            const v = i % 2 === 1 ? versions.green : versions.blue;
            const r = await underLoad(`http://127.0.0.1:${port}`, rates, async () => {
                // Not execFileSync: the load shares this event loop, and a blocked loop sends nothing.
                await execFileAsync("bash", [script, current, next, image(v), String(port), label]);
                await waitFor(`http://127.0.0.1:${port}/health/ready`);
            });
            current = next;
            add("docker stop + docker run script (until it answers)", r);
        }
    } finally {
        const ids = dockerRun(["ps", "-aq", "--filter", `label=${label}`])
            .split("\n")
            .filter(Boolean);
        if (ids.length > 0) {
            dockerRun(["rm", "-f", ...ids]);
        }
    }
    return Object.entries(results).flatMap(([name, r]) => [
        row("switch", name, load, "wall s", r.wall),
        row("switch", name, load, "failed requests", r.failed),
        row("switch", name, load, "longest gap ms", r.gap),
        row("switch", name, load, "requests sent", r.sent),
    ]);
}

function freeHostPort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = http.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as { port: number }).port;
            s.close(() => resolve(port));
        });
    });
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
        const ok = await new Promise<boolean>((resolve) => {
            const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
                res.resume();
                resolve(res.statusCode === 200);
            });
            req.on("timeout", () => req.destroy());
            req.on("error", () => resolve(false));
        });
        if (ok) {
            return;
        }
        if (Date.now() > end) {
            throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
        }
        await new Promise((r) => setTimeout(r, 50));
    }
}

/** Engine cost at several replica counts: no-op preview (with and without refresh), no-op up, flip, drift. */
export async function engineCost(ctx: BenchContext, drift: () => Promise<number>): Promise<BenchRow[]> {
    const sizes = ctx.replicas;
    const rows: BenchRow[] = [];
    const o = await outputs(ctx);
    const active = o.activeColor as Color;
    await withConfig(ctx, { "app.replicas": sizes[0] }, async () => {
        for (const n of sizes) {
            await setTyped(ctx, "app.replicas", n);
            await up(ctx);
            const load = `${n} replicas per colour`;
            const timed = async (fn: () => Promise<unknown>) => {
                const t0 = performance.now();
                await fn();
                return (performance.now() - t0) / 1000;
            };
            const m: Record<string, number[]> = {};
            const push = (k: string, v: number) => (m[k] ??= []).push(v);
            for (let i = 0; i < ctx.runs; i++) {
                push("no-op preview", await timed(() => ctx.stack.preview({ onOutput: () => undefined })));
                push("no-op preview --refresh", await timed(() => ctx.stack.preview({ refresh: true, onOutput: () => undefined })));
                push("no-op up", await timed(() => up(ctx)));
                for (const to of [otherColor(active), active]) {
                    push(
                        "flip (config set + up)",
                        await timed(async () => {
                            await ctx.stack.setConfig(`${NS}:activeColor`, { value: to });
                            await up(ctx);
                        }),
                    );
                }
                push("switchyard drift", await drift());
            }
            for (const [k, v] of Object.entries(m)) {
                rows.push(row("engine", k, load, "wall s", v));
            }
            ctx.log(`engine: ${load} done`);
        }
    });
    await up(ctx);
    return rows;
}

/** Measured canary share against the configured weight, by request and by sticky client. */
export async function canaryPrecision(ctx: BenchContext): Promise<BenchRow[]> {
    const o = await outputs(ctx);
    const base = String(o.routerUrl).replace(/\/$/, "");
    const canary = otherColor(o.activeColor as Color);
    const weights = ctx.smoke ? [10] : [0.1, 1, 10, 50];
    const requests = ctx.smoke ? 2000 : 20_000;
    const clients = ctx.smoke ? 200 : 1000;
    const rows: BenchRow[] = [];
    for (const w of weights) {
        await withConfig(ctx, { "canary.weight": w, "canary.sticky.enabled": false }, async () => {
            await up(ctx);
            const shares: number[] = [];
            for (let i = 0; i < ctx.runs; i++) {
                const seen = await colours(base, requests, 32, false);
                shares.push((100 * seen.get(canary)!) / requests);
            }
            rows.push(row("canary", `share of requests (configured ${w}%)`, `${requests} requests, no cookie`, "measured %", shares));
        });
        await withConfig(ctx, { "canary.weight": w, "canary.sticky.enabled": true }, async () => {
            await up(ctx);
            const shares: number[] = [];
            for (let i = 0; i < ctx.runs; i++) {
                const seen = await colours(base, clients, 16, true);
                shares.push((100 * seen.get(canary)!) / clients);
            }
            rows.push(
                row("canary", `share of sticky clients (configured ${w}%)`, `${clients} clients, 3 requests each`, "measured %", shares),
            );
        });
    }
    await up(ctx);
    return rows;
}

/**
 * Sends `n` requests (or, sticky, `n` clients of 3 requests each keeping the router's cookie) and
 * counts the colour of each answer (each sticky client counted once; a client that changes colour
 * is an error, since a user's place in the split must hold).
 */
async function colours(base: string, n: number, concurrency: number, sticky: boolean): Promise<Map<string, number>> {
    const counts = new Map<string, number>(COLORS.map((c) => [c, 0]));
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    let next = 0;
    const one = (cookie?: string) =>
        new Promise<{ color: string; setCookie?: string }>((resolve, reject) => {
            const req = http.get(`${base}/`, { agent, headers: cookie ? { cookie } : {} }, (res) => {
                res.resume();
                res.on("end", () =>
                    resolve({ color: String(res.headers["x-switchyard-color"]), setCookie: res.headers["set-cookie"]?.[0]?.split(";")[0] }),
                );
            });
            req.on("error", reject);
        });
    const worker = async () => {
        while (next < n) {
            next++;
            if (!sticky) {
                const r = await one();
                counts.set(r.color, (counts.get(r.color) ?? 0) + 1);
                continue;
            }
            const first = await one();
            for (let k = 0; k < 2; k++) {
                const again = await one(first.setCookie);
                if (again.color !== first.color) {
                    throw new Error(`a sticky client moved from ${first.color} to ${again.color}`);
                }
            }
            counts.set(first.color, (counts.get(first.color) ?? 0) + 1);
        }
    };
    try {
        await Promise.all(Array.from({ length: concurrency }, worker));
    } finally {
        agent.destroy();
    }
    return counts;
}

interface BackupBenchRun {
    snapshotS: number;
    snapshotBytes: number;
    verifyS: number;
    restoreS: number;
    rawDumpS: number;
    rawDumpBytes: number;
    rawRestoreS: number;
}

/**
 * Snapshot and restore throughput of the backup tool against raw pg_dump / pg_restore of the same
 * database in the same run (tools/bench/backup.sh: a private PostgreSQL cluster, filled, then both).
 */
export async function backupThroughput(ctx: BenchContext): Promise<BenchRow[]> {
    const rows = ctx.smoke ? 20_000 : 300_000;
    const out = path.join(os.tmpdir(), `sy-bench-backup-${process.pid}.json`);
    execFileSync("bash", [path.join(__dirname, "backup.sh"), String(rows), "", String(ctx.runs)], {
        stdio: ["ignore", "ignore", "inherit"],
        env: { ...process.env, BENCH_JSON: out },
    });
    const r = JSON.parse(fs.readFileSync(out, "utf8")) as { rows: number; databaseBytes: number; runs: BackupBenchRun[] };
    fs.rmSync(out, { force: true });
    const load = `${r.rows} rows, ${(r.databaseBytes / 2 ** 20).toFixed(0)} MB database`;
    const mbps = (bytes: number, s: number) => bytes / 2 ** 20 / s;
    ctx.log(`backup: ${load}, ${r.runs.length} run(s)`);
    return [
        row(
            "backup",
            "switchyard snapshot (pg_dump, sha256, re-read verify)",
            load,
            "MB/s of dump",
            r.runs.map((x) => mbps(x.snapshotBytes, x.snapshotS)),
        ),
        row(
            "backup",
            "raw pg_dump -Fc",
            load,
            "MB/s of dump",
            r.runs.map((x) => mbps(x.rawDumpBytes, x.rawDumpS)),
        ),
        row(
            "backup",
            "switchyard restore (verify, pg_restore, row counts)",
            load,
            "MB/s of dump",
            r.runs.map((x) => mbps(x.snapshotBytes, x.restoreS)),
        ),
        row(
            "backup",
            "raw pg_restore --single-transaction",
            load,
            "MB/s of dump",
            r.runs.map((x) => mbps(x.rawDumpBytes, x.rawRestoreS)),
        ),
        row(
            "backup",
            "switchyard snapshot (pg_dump, sha256, re-read verify)",
            load,
            "wall s",
            r.runs.map((x) => x.snapshotS),
        ),
        row(
            "backup",
            "raw pg_dump -Fc",
            load,
            "wall s",
            r.runs.map((x) => x.rawDumpS),
        ),
        row(
            "backup",
            "switchyard verify",
            load,
            "wall s",
            r.runs.map((x) => x.verifyS),
        ),
        row(
            "backup",
            "switchyard restore (verify, pg_restore, row counts)",
            load,
            "wall s",
            r.runs.map((x) => x.restoreS),
        ),
        row(
            "backup",
            "raw pg_restore --single-transaction",
            load,
            "wall s",
            r.runs.map((x) => x.rawRestoreS),
        ),
    ];
}

/** Which colour serves and each colour's version, from the stack's outputs. */
async function colorState(ctx: BenchContext): Promise<ColorState> {
    const o = await outputs(ctx);
    return { active: o.activeColor as Color, versions: o.versions as Record<Color, string> };
}

/**
 * After releases: the colours back at the versions and the active colour they had, one allowed
 * update at a time (nextPutBackStep); the last update also applies the config withConfig put back.
 */
async function putBackReleases(ctx: BenchContext, before: ColorState): Promise<void> {
    let updates = 0;
    for (let step = nextPutBackStep(await colorState(ctx), before); step !== null; step = nextPutBackStep(await colorState(ctx), before)) {
        if (++updates > 4) throw new Error(`could not put the colours back to ${JSON.stringify(before)}`);
        if (step.kind === "flip") {
            await ctx.stack.setConfig(`${NS}:activeColor`, { value: step.to });
        } else {
            await ctx.stack.setConfig(`${NS}:colors.${step.color}.version`, { value: step.version }, true);
        }
        ctx.log(`release: putting back ${step.kind === "flip" ? `activeColor ${step.to}` : `${step.color} ${step.version}`}`);
        await up(ctx);
    }
    if (updates === 0) await up(ctx);
}

/** `switchyard release ...` as an operator runs it (a child process); its exit code and wall time. */
function switchyardCli(args: string[]): Promise<{ code: number; seconds: number; stderr: string }> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(__dirname, "..", "bin", "switchyard.js"), ...args], {
            cwd: path.join(__dirname, "..", ".."),
            stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
        child.on("error", reject);
        child.on("exit", (code) => resolve({ code: code ?? -1, seconds: (performance.now() - t0) / 1000, stderr }));
    });
}

/**
 * The versions the idle-colour releases and the release driver ship, alternately: demo-app tags that
 * `scripts/up.sh` does not build (it builds the stack's own two), so the bench builds them first
 * (ensureBenchImages).
 */
export const BENCH_APP_VERSIONS = ["1.2.0", "1.2.1"] as const;

/** Builds the demo-app tags of BENCH_APP_VERSIONS (scripts/images.sh; a tag already built is left as it is). */
export async function ensureBenchImages(log: (line: string) => void): Promise<void> {
    log(`bench: demo-app images ${BENCH_APP_VERSIONS.join(", ")} (scripts/images.sh)`);
    try {
        await execFileAsync("bash", [path.join(PROJECT_DIR, "scripts", "images.sh"), "--only", "demo-app", ...BENCH_APP_VERSIONS], {
            maxBuffer: 16 * 2 ** 20,
        });
    } catch (e) {
        const out = e as { stderr?: string; message?: string };
        throw new Error(
            `scripts/images.sh could not build demo-app ${BENCH_APP_VERSIONS.join(", ")}: ${(out.stderr || out.message || "").trim().split("\n").slice(-3).join(" | ")}`,
        );
    }
}

/**
 * The short release plan the bench drives (put back afterwards): two steps, a reading every 3 s,
 * a 5 s watch. Prometheus scrapes every second meanwhile: a reading needs fresh samples of both
 * colours, and the local stack's 15 s scrape would leave every short reading inconclusive.
 */
export const BENCH_RELEASE_PLAN: Record<string, ConfigScalar> = {
    "monitoring.prometheus.scrapeInterval": "1s",
    "release.steps[0].weight": 10,
    "release.steps[0].pause": "6s",
    "release.steps[1]": 100,
    "release.analysis.interval": "3s",
    "release.analysis.minRequests": 5,
    "release.analysis.inconclusiveLimit": 3,
    "release.watch.duration": "5s",
    "release.watch.interval": "1s",
};

/**
 * The release driver (`switchyard release`, tools/commands/release.ts) under the switching load, with
 * BENCH_RELEASE_PLAN: the wall time of a good release (preflight, steps with analysis, promotion,
 * watch), and, for a release whose canary containers are killed once it takes traffic, the time
 * from the kill to the canary at 0% in the router, and that release's wall time.
 */
export async function releaseDriver(ctx: BenchContext): Promise<BenchRow[]> {
    const o = await outputs(ctx);
    if (typeof o.prometheusUrl !== "string") {
        throw new Error("the release driver reads Prometheus: set monitoring.enabled true on the stack (the local stack has it)");
    }
    const routerUrl = String(o.routerUrl).replace(/\/$/, "");
    const router = String(o.routerContainer);
    const statusPath = statusPathOf(o.routerStatusUrl, ROUTER_IMAGE.defaultStatusPath);
    const { rates, name: load } = switchLoad(ctx.smoke ? 100 : 200);
    const versions = BENCH_APP_VERSIONS;
    const weightOf = (c: Color) => {
        const s = readRouterStatus(DOCKER_HOST, router, statusPath) as { weights?: Record<Color, number> } | undefined;
        return s?.weights?.[c];
    };
    const release = (v: string) =>
        switchyardCli(["release", v, "--emergency", "bench", "--allow-downgrade", "--stack", ctx.stackName, "--json"]);
    const good: { wall: number[]; failed: number[]; gap: number[] } = { wall: [], failed: [], gap: [] };
    const bad: { wall: number[]; toZero: number[] } = { wall: [], toZero: [] };
    const weight = await ctx.stack.getConfig(`${NS}:canary.weight`, true).catch(() => undefined);
    if (weight !== undefined && Number(weight.value) !== 0) {
        throw new Error(
            `the release rows need canary.weight 0 (no canary in progress), the stack has ${weight.value}; nothing was changed`,
        );
    }
    const before = await colorState(ctx);
    try {
        await withConfig(ctx, BENCH_RELEASE_PLAN, async () => {
            // The faster scrape is in place before the first release reads Prometheus.
            await up(ctx);
            for (let i = 0; i < ctx.runs; i++) {
                const version = versionToRelease(versions, await colorState(ctx));
                const r = await underLoad(routerUrl, rates, async () => {
                    const x = await release(version);
                    if (x.code !== 0) {
                        throw new Error(`switchyard release exited ${x.code} (expected 0, promoted):\n${x.stderr}`);
                    }
                });
                good.wall.push(r.wall);
                good.failed.push(r.failed);
                good.gap.push(r.gapMs);
                ctx.log(`release: promoted in ${r.wall.toFixed(1)} s, ${r.failed} failed of ${r.sent}`);
            }
            for (let i = 0; i < ctx.runs; i++) {
                const now = await colorState(ctx);
                const canary = otherColor(now.active);
                await underLoad(routerUrl, rates, async () => {
                    const run = release(versionToRelease(versions, now));
                    for (const end = Date.now() + 180_000; Date.now() < end && !((weightOf(canary) ?? 0) > 0);) {
                        await new Promise((r) => setTimeout(r, 100));
                    }
                    const victims = containersWith({ [LABELS.stack]: ctx.stackName, [LABELS.color]: canary });
                    const killedAt = performance.now();
                    dockerRun(["kill", ...victims]);
                    while (weightOf(canary) !== 0 && performance.now() - killedAt < 180_000) {
                        await new Promise((r) => setTimeout(r, 50));
                    }
                    bad.toZero.push((performance.now() - killedAt) / 1000);
                    const x = await run;
                    if (x.code !== 1) {
                        throw new Error(`switchyard release with a killed canary exited ${x.code} (expected 1, rolled back):\n${x.stderr}`);
                    }
                    bad.wall.push(x.seconds);
                });
                ctx.log(`release: killed canary at 0% after ${bad.toZero[bad.toZero.length - 1].toFixed(2)} s`);
            }
        });
    } finally {
        await putBackReleases(ctx, before);
    }
    const plan = "steps 10% (6 s), 100%; a reading every 3 s (scrape 1 s); watch 5 s";
    return [
        row("release", "switchyard release (promoted)", `${load}; ${plan}`, "wall s", good.wall),
        row("release", "switchyard release (promoted)", `${load}; ${plan}`, "failed requests", good.failed),
        row("release", "switchyard release (promoted)", `${load}; ${plan}`, "longest gap ms", good.gap),
        row("release", "switchyard release, canary killed at its first step", `${load}; ${plan}`, "kill to canary 0% s", bad.toZero),
        row("release", "switchyard release, canary killed at its first step", `${load}; ${plan}`, "wall s (to rolled back)", bad.wall),
    ];
}
