/**
 * Real engine: `switchyard release` on its own stack (`e2e-rel`, router on 18580, Prometheus on
 * 18590, 1 s scrapes), with autocannon load through the router. One stack for every scenario, in
 * order: a held lock is refused with nothing changed; a good release walks its steps and is
 * promoted with no failed request; a 5xx canary, a slow canary, a canary killed mid-step and a
 * breach during the stability watch are rolled back automatically (router first, then the stack,
 * then a clean preview); low traffic pauses as inconclusive and is promoted by command; Prometheus
 * down never promotes. Each scenario's figures go to report().
 */
import { PROMETHEUS_PORT } from "./releaseDriverEnv"; // must stay the first import
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    baseConfig,
    buildChildImage,
    configSet,
    destroyStack,
    eventually,
    freshStack,
    load,
    LoadResult,
    outputs,
    previewNoChanges,
    pulumi,
    report,
    ROOT,
    routerStatus,
    run,
    spawnUp,
    STACK,
    up,
} from "./harness";

jest.setTimeout(20 * 60_000);

const SWITCHYARD = path.join(ROOT, "tools/bin/switchyard.js");
const RECORD = path.join(ROOT, ".switchyard", "releases", `${STACK}.json`);
const CONFIG_FILE = path.join(ROOT, `Pulumi.${STACK}.yaml`);
const GRAFANA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-e2e-rel-grafana-"));
const RECORDS_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-e2e-rel-records-"));
const EMERGENCY = ["--emergency", "engine test, outside the deployment window on purpose"];

/**
 * Faulty releases: the demo app with errors or latency injected on `/` by its image's env (the gate
 * smoke-tests /health, so a faulty canary passes its gate and gets traffic, which analysis must catch).
 */
const FAULTY = { errors: "1.8.0", slow: "1.9.0" } as const;
const FAULTY_ENV = { errors: { ERROR_RATE: "0.5" }, slow: { LATENCY_MS: "800" } } as const;

afterAll(async () => {
    await run("docker", ["start", `${STACK}-prometheus`]);
    await destroyStack();
    await run("docker", ["rmi", "-f", ...Object.values(FAULTY).map((v) => `switchyard/demo-app:${v}`)]);
    fs.rmSync(RECORD, { force: true });
    fs.rmSync(GRAFANA_DIR, { recursive: true, force: true });
    fs.rmSync(RECORDS_DIR, { recursive: true, force: true });
});

interface ReleaseReport {
    outcome: string;
    exitCode: number;
    wallMs: number;
    deploymentRecord?: { id: string; location: string } | null;
    record?: {
        plan: { phase: string; stepIndex: number };
        rollback?: { reason: string; canaryZeroMs?: number; cleanMs?: number; proof?: { previewClean: boolean } };
        lastDecision?: { decision: string; reason: string };
    };
}

/** Runs the CLI; returns its exit code, JSON report and stderr (progress). */
async function sy(args: string[]): Promise<{ code: number; report?: ReleaseReport; stderr: string; ms: number }> {
    const r = await run(process.execPath, [SWITCHYARD, ...args, "--stack", STACK, "--json"], { timeoutMs: 600_000 });
    let parsed: ReleaseReport | undefined;
    try {
        parsed = JSON.parse(r.stdout);
    } catch {
        parsed = undefined;
    }
    return { code: r.code, report: parsed, stderr: r.stderr, ms: r.ms };
}

/** Load through the router for as long as `work` runs. */
async function underLoad<T>(work: () => Promise<T>, rate = 40): Promise<{ result: T; load: LoadResult }> {
    const p = work();
    const [result, l] = await Promise.all([p, load({ rate, connections: 8, minRequests: rate * 5, until: p })]);
    return { result, load: l };
}

/**
 * The stack file says what is live: active colour, versions and canary weight equal the outputs,
 * and (unless `preview` is false, where the driver's own clean preview was checked) a refresh
 * preview of our own is clean.
 */
async function configEqualsLive({ preview = true } = {}): Promise<{ equal: boolean; previewClean: boolean }> {
    const cfg = JSON.parse((await pulumi(["config", "--json"])).stdout) as Record<string, { value: string; objectValue?: unknown }>;
    const val = (k: string) => cfg[`switchyard:${k}`]?.objectValue ?? JSON.parse(cfg[`switchyard:${k}`]?.value ?? "null");
    const o = await outputs();
    const colors = val("colors") as Record<string, { version: string }>;
    const canary = val("canary") as { weight?: number };
    const active = cfg["switchyard:activeColor"].value;
    const weights = o.weights as Record<string, number>;
    const versions = o.versions as Record<string, string>;
    const equal =
        o.activeColor === active &&
        versions.blue === colors.blue.version &&
        versions.green === colors.green.version &&
        weights[active === "blue" ? "green" : "blue"] === Number(canary.weight ?? 0);
    if (!preview) return { equal, previewClean: true };
    const p = await previewNoChanges();
    return { equal, previewClean: p.code === 0 };
}

/** Polls the router until the canary colour has weight 0; ms from `since`. */
async function canaryZeroAfter(canary: string, since: number): Promise<number> {
    await eventually(async () => (await routerStatus()).weights[canary] === 0, 120_000, `${canary} at 0% in the router`);
    return Date.now() - since;
}

const failed = (l: LoadResult) => l.non2xx + l.errors + l.lost;

interface DeploymentRecordDoc {
    id: string;
    kind: string;
    outcome: string;
    versions: { from: string; to: string };
    steps: { name: string; weightPercent?: number }[];
    samples: unknown[];
    events: { kind: string }[];
    rollbackReason: string | null;
    driftProof: { noChanges: boolean } | null;
    notes: { file: string; summary: string } | null;
}

/** The deployment record the release wrote, which the stack output latestRecord names; with its notes. */
async function deploymentRecord(r: { report?: ReleaseReport }): Promise<{ doc: DeploymentRecordDoc; notes: string }> {
    const at = r.report?.deploymentRecord;
    if (!at) throw new Error(`the release wrote no deployment record: ${JSON.stringify(r.report)}`);
    expect(path.dirname(at.location)).toBe(path.join(RECORDS_DIR, STACK));
    const doc = JSON.parse(fs.readFileSync(at.location, "utf8")) as DeploymentRecordDoc;
    expect(doc.id).toBe(at.id);
    expect((await outputs()).latestRecord).toBe(at.id);
    const notes = fs.readFileSync(path.join(RECORDS_DIR, STACK, doc.notes?.file ?? "missing"), "utf8");
    return { doc, notes };
}

function figures(
    name: string,
    r: { code: number; report?: ReleaseReport; ms: number },
    l: LoadResult | undefined,
    extra: Record<string, unknown> = {},
) {
    const rb = r.report?.record?.rollback;
    const f = {
        exitCode: r.code,
        outcome: r.report?.outcome,
        requestsSent: l?.sent,
        requestsFailed: l ? failed(l) : undefined,
        decisionToCanaryZeroMs: rb?.canaryZeroMs,
        decisionToCleanMs: rb?.cleanMs,
        previewCleanProof: rb?.proof?.previewClean,
        releaseWallMs: r.ms,
        ...extra,
    };
    report(`14-release-${name}`, f);
    return f;
}

async function expectRolledBack(
    r: { code: number; report?: ReleaseReport; stderr: string },
    canary: string,
    previous: string,
    { ownPreview = false } = {},
) {
    if (r.code !== 1) throw new Error(`expected a rollback (exit 1), got ${r.code}:\n${r.stderr.slice(-3000)}`);
    expect(r.report?.outcome).toBe("rolled-back");
    expect(r.report?.record?.rollback?.proof?.previewClean).toBe(true);
    const s = await routerStatus();
    expect(s.weights[canary]).toBe(0);
    expect(s.versions[canary]).toBe(previous);
    const live = await configEqualsLive({ preview: ownPreview });
    expect(live).toEqual({ equal: true, previewClean: true });
}

describe("switchyard release on the real engine", () => {
    beforeAll(async () => {
        for (const [kind, version] of Object.entries(FAULTY) as [keyof typeof FAULTY, string][]) {
            await buildChildImage(`switchyard/demo-app:${version}`, "switchyard/demo-app:1.0.0", kind, FAULTY_ENV[kind]);
        }
        await freshStack({
            ...baseConfig(),
            // The faulty releases inject on `/` only: the gate smoke-tests /health.
            "switchyard:gates": { ...(baseConfig()["switchyard:gates"] as object), smokePaths: ["/health"] },
            "switchyard:monitoring": {
                enabled: true,
                prometheus: { mode: "container", image: "switchyard/prometheus:local", port: PROMETHEUS_PORT, scrapeInterval: "1s" },
                grafana: { provisioningDir: GRAFANA_DIR },
            },
            "switchyard:release": {
                steps: [{ weight: 10, pause: "6s" }, { weight: 50, pause: "6s" }, 100],
                analysis: {
                    interval: "3s",
                    minRequests: 5,
                    failureLimit: 0,
                    inconclusiveLimit: 1,
                    consecutiveErrorLimit: 1,
                    thresholds: { errorRatio: 0.05, p95Seconds: 0.5 },
                    relative: { errorRatioDelta: 0.05, p95Factor: 5, p95FloorSeconds: 0.25 },
                },
                watch: { duration: "15s", interval: "2s", maxErrors: 3 },
            },
            "switchyard:records": { target: { type: "local", root: RECORDS_DIR } },
        });
        await up();
        // Prometheus has both colours before the first release.
        await eventually(
            async () => {
                const res = await fetch(
                    `http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/query?query=${encodeURIComponent(`up{stack="${STACK}"}`)}`,
                );
                const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
                return body.data.result.length === 5 && body.data.result.every((x) => x.value[1] === "1");
            },
            90_000,
            "5 healthy scrape targets",
        );
    });

    test("the stack lock is held by another update: a clear refusal, nothing changed", async () => {
        // The other update replaces the idle colour's containers (a new env value; the live colour keeps
        // its released spec), so it holds the lock for a while.
        await configSet("colors.green.env.OTHER_UPDATE", "1", { path: true });
        const before = fs.readFileSync(CONFIG_FILE, "utf8");
        const other = spawnUp();
        try {
            await eventually(async () => lockHeld(), 60_000, "the other update's lock");
            const r = await sy(["release", "1.2.0", ...EMERGENCY]);
            expect(r.code).toBe(2);
            expect(r.stderr).toMatch(/preflight lock: FAILED: the stack is locked by another update .*Fix: wait for that update to finish/);
            expect(fs.readFileSync(CONFIG_FILE, "utf8")).toBe(before);
            expect(fs.existsSync(RECORD)).toBe(false);
            expect(other.exitCode).toBeNull(); // the refusal came while the other update ran
            figures("lock-held", r, undefined, { refusedInMs: r.ms });
        } finally {
            await new Promise((resolve) => (other.exitCode !== null ? resolve(undefined) : other.on("exit", resolve)));
        }
    });

    test("a good release walks every step, is promoted with 0 failed requests, and the stack file is what is live", async () => {
        const { result: r, load: l } = await underLoad(() => sy(["release", "1.2.0", ...EMERGENCY]));
        if (r.code !== 0) throw new Error(`release failed (${r.code}): ${JSON.stringify(r.report)}\n${r.stderr.slice(-4000)}`);
        expect(r.report?.outcome).toBe("promoted");
        expect(r.stderr).toMatch(/step 1\/2: canary green at 10%/);
        expect(r.stderr).toMatch(/step 2\/2: canary green at 50%/);
        expect(r.stderr).toMatch(/stability watch passed/);
        expect(failed(l)).toBe(0);
        expect(l.byColor.green).toBeGreaterThan(0);
        const s = await routerStatus();
        expect([s.activeColor, s.versions.green, s.weights.blue]).toEqual(["green", "1.2.0", 0]);
        expect(await configEqualsLive()).toEqual({ equal: true, previewClean: true });
        const { doc, notes } = await deploymentRecord(r);
        expect([doc.kind, doc.outcome, doc.versions.from, doc.versions.to]).toEqual(["release", "promoted", "1.0.0", "1.2.0"]);
        expect(doc.steps.filter((x) => x.weightPercent !== undefined).map((x) => x.weightPercent)).toEqual(
            expect.arrayContaining([10, 50]),
        );
        expect(doc.samples.length).toBeGreaterThan(0);
        expect(doc.events.map((e) => e.kind)).toEqual(expect.arrayContaining(["release-start", "step", "promote", "watch-passed"]));
        expect(doc.driftProof?.noChanges).toBe(true);
        expect(notes).toMatch(new RegExp(`^# ${STACK} 1\\.0\\.0 → 1\\.2\\.0 \\(release\\)`));
        expect(notes).toContain(`- Record: \`${doc.id}\``);
        figures("good", r, l);
    });

    test("a 5xx canary is rolled back automatically", async () => {
        const { result: r, load: l } = await underLoad(() => sy(["release", FAULTY.errors, ...EMERGENCY]));
        await expectRolledBack(r, "blue", "1.0.0", { ownPreview: true });
        expect(r.report?.record?.rollback?.reason).toMatch(/errorRatio/);
        const { doc } = await deploymentRecord(r);
        expect([doc.outcome, doc.versions.to, doc.driftProof?.noChanges]).toEqual(["rolled-back", FAULTY.errors, true]);
        expect(doc.rollbackReason).toMatch(/errorRatio/);
        figures("5xx-canary", r, l);
    });

    test("a slow canary is rolled back automatically", async () => {
        const { result: r, load: l } = await underLoad(() => sy(["release", FAULTY.slow, ...EMERGENCY]));
        await expectRolledBack(r, "blue", "1.0.0");
        expect(r.report?.record?.rollback?.reason).toMatch(/p95/);
        figures("slow-canary", r, l);
    });

    test("a canary killed mid-step is rolled back automatically", async () => {
        let killedAt = 0;
        const { result: r, load: l } = await underLoad(async () => {
            const p = sy(["release", "1.2.1", ...EMERGENCY]);
            // Once the canary takes traffic, kill its containers.
            await eventually(async () => (await routerStatus()).weights.blue > 0, 180_000, "blue taking traffic");
            killedAt = Date.now();
            await run("docker", ["kill", `${STACK}-app-blue-1`, `${STACK}-app-blue-2`]);
            const zero = canaryZeroAfter("blue", killedAt);
            return { r: await p, breachToZeroMs: await zero };
        });
        await expectRolledBack(r.r, "blue", "1.0.0");
        figures("killed-canary", r.r, l, { breachToCanaryZeroMs: r.breachToZeroMs });
    });

    test("Ctrl-C during a step rolls back: traffic to the stable colour, the stack file what is live", async () => {
        let interruptedAt = 0;
        let exitedAt = 0;
        const { result: r, load: l } = await underLoad(async () => {
            const started = Date.now();
            const child = spawn(process.execPath, [SWITCHYARD, "release", "1.2.1", ...EMERGENCY, "--stack", STACK, "--json"], {
                cwd: ROOT,
                env: process.env,
                stdio: ["ignore", "pipe", "pipe"],
            });
            let stdout = "";
            let stderr = "";
            child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
            child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
            const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
            try {
                await eventually(async () => (await routerStatus()).weights.blue > 0, 180_000, "blue taking traffic");
                interruptedAt = Date.now();
                child.kill("SIGINT");
                const code = await exited;
                exitedAt = Date.now();
                let report: ReleaseReport | undefined;
                try {
                    report = JSON.parse(stdout) as ReleaseReport;
                } catch {
                    report = undefined;
                }
                return { code, report, stderr, ms: exitedAt - started };
            } finally {
                if (child.exitCode === null) child.kill("SIGKILL");
            }
        });
        expect(r.stderr).toMatch(/interrupt: rolling back to green/);
        await expectRolledBack(r, "blue", "1.0.0");
        expect(r.report?.record?.rollback?.reason).toMatch(/interrupted \(Ctrl-C\)/);
        figures("ctrl-c", r, l, { interruptToExitMs: exitedAt - interruptedAt });
    });

    test("a breach during the stability watch is rolled back automatically", async () => {
        const { result: r, load: l } = await underLoad(async () => {
            const p = sy(["release", "1.2.1", ...EMERGENCY]);
            await eventually(async () => (await routerStatus()).activeColor === "blue", 240_000, "blue promoted");
            const at = Date.now();
            // The new active colour starts failing after promotion: every request it gets is a 502.
            await run("docker", ["kill", `${STACK}-app-blue-1`, `${STACK}-app-blue-2`]);
            const zero = eventually(async () => (await routerStatus()).activeColor === "green", 120_000, "green active again").then(
                () => Date.now() - at,
            );
            return { r: await p, breachToZeroMs: await zero };
        });
        if (r.r.code !== 1) throw new Error(`expected a rollback, got ${r.r.code}:\n${r.r.stderr.slice(-4000)}`);
        expect(r.r.report?.record?.rollback?.reason).toMatch(/stability watch breached/);
        expect(r.r.report?.record?.rollback?.proof?.previewClean).toBe(true);
        const s = await routerStatus();
        expect([s.activeColor, s.weights.blue, s.versions.blue]).toEqual(["green", 0, "1.0.0"]);
        expect(await configEqualsLive()).toEqual({ equal: true, previewClean: true });
        figures("watch-breach", r.r, l, { breachToStableActiveMs: r.breachToZeroMs });
    });

    test("Prometheus down during analysis: never promoted", async () => {
        const { result: r, load: l } = await underLoad(async () => {
            const p = sy(["release", "1.2.1", ...EMERGENCY]);
            await eventually(async () => (await routerStatus()).weights.blue > 0, 180_000, "blue taking traffic");
            await run("docker", ["stop", "-t", "1", `${STACK}-prometheus`]);
            return p;
        });
        expect([1, 3]).toContain(r.code);
        expect(r.stderr).not.toMatch(/release: promote:/);
        const s = await routerStatus();
        expect(s.activeColor).toBe("green");
        let end = r;
        if (r.code === 3) {
            end = await sy(["release", "abort"]);
            expect(end.code).toBe(1);
        }
        expect(end.report?.record?.rollback?.proof?.previewClean).toBe(true);
        expect(await configEqualsLive({ preview: false })).toEqual({ equal: true, previewClean: true });
        figures("prometheus-down", r, l, { firstExit: r.code, lastDecision: r.report?.record?.lastDecision?.reason });
    });

    test("low traffic: inconclusive, paused with the commands, then promoted by command", async () => {
        // No load: the canary gets next to no request.
        const stable = (await routerStatus()).activeColor;
        const canary = stable === "blue" ? "green" : "blue";
        const r = await sy(["release", "1.2.1", ...EMERGENCY]);
        if (r.code !== 3) throw new Error(`expected inconclusive (exit 3), got ${r.code}:\n${r.stderr.slice(-4000)}`);
        expect(r.report?.outcome).toBe("paused");
        expect(r.stderr).toMatch(/inconclusive/);
        expect(r.stderr).toMatch(new RegExp(`switchyard release --stack ${STACK} promote`));
        expect(r.stderr).toMatch(new RegExp(`switchyard release --stack ${STACK} abort`));
        expect((await configEqualsLive()).equal).toBe(true);
        // status shows the paused step, the weight the router serves and the analysis against its thresholds
        const st = await run(process.execPath, [SWITCHYARD, "status", "--stack", STACK, "--json"]);
        expect(st.code).toBe(0);
        const doc = JSON.parse(st.stdout);
        expect(doc.release.phase).toBe("paused");
        expect(doc.release.step).toBe("step 1/2 at 10%");
        expect(doc.weights.router).toEqual({ [stable]: 90, [canary]: 10 });
        expect(doc.analysis.result).toBe("inconclusive");
        // status --watch redraws until Ctrl-C
        const watch = spawn(process.execPath, [SWITCHYARD, "status", "--watch", "--stack", STACK], { cwd: ROOT, env: process.env });
        let frames = "";
        watch.stdout.setEncoding("utf8").on("data", (d: string) => (frames += d));
        try {
            await eventually(
                async () => (frames.match(/^release: paused, step 1\/2 at 10%/gm) ?? []).length >= 2,
                60_000,
                "two status frames",
            );
        } finally {
            watch.kill("SIGINT");
        }
        expect(frames).toMatch(new RegExp(`^stack ${STACK}: active ${stable}`, "m"));
        // resume runs the step again: still no load, so inconclusive and paused again
        const resumed = await sy(["release", "resume"]);
        if (resumed.code !== 3)
            throw new Error(`expected inconclusive again (exit 3), got ${resumed.code}:\n${resumed.stderr.slice(-3000)}`);
        expect(resumed.stderr).toMatch(/inconclusive/);
        const paused = await deploymentRecord(r);
        expect(paused.doc.outcome).toBe("in-progress");
        const p = await sy(["release", "promote", "--full"]);
        if (p.code !== 0) throw new Error(`promote failed (${p.code}):\n${p.stderr.slice(-4000)}`);
        // The promoting process finishes the same attempt's record.
        const done = await deploymentRecord(p);
        expect(done.doc.id).toBe(paused.doc.id);
        expect(done.doc.outcome).toBe("promoted");
        expect(done.doc.events.map((e) => e.kind)).toEqual(expect.arrayContaining(["inconclusive", "promote", "watch-passed"]));
        const s = await routerStatus();
        expect([s.activeColor, s.versions[canary]]).toEqual([canary, "1.2.1"]);
        expect(await configEqualsLive()).toEqual({ equal: true, previewClean: true });
        figures("low-traffic", r, undefined, { promoteExit: p.code, promoteWallMs: p.ms });
    });
});

/** A lock file of this stack anywhere under the file backend's locks directory. */
function lockHeld(dir = path.join(ROOT, ".switchyard/state/.pulumi/locks")): boolean {
    if (!fs.existsSync(dir)) return false;
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .some((e) =>
            e.isDirectory()
                ? e.name === STACK
                    ? fs.readdirSync(path.join(dir, e.name)).some((f) => f.endsWith(".json"))
                    : lockHeld(path.join(dir, e.name))
                : false,
        );
}
