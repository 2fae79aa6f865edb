/** The driver's order of operations and exits, with every outside effect faked and recorded. */
import { releaseSchema } from "../../config/release";
import type { ReleaseEvent } from "../../domain/releaseEvent";
import type { Reading } from "./analysis";
import { DriverDeps, EventBus, EXIT_OF, ReleaseDriver } from "./driver";
import { planSteps } from "./plan";
import type { ReleaseRecord } from "./record";

const settings = releaseSchema.parse({
    steps: [10, 50, 100],
    stepPause: "2s",
    analysis: { interval: "1s", minRequests: 10 },
    watch: { duration: "2s", interval: "1s", maxErrors: 3 },
});

const good: Reading = {
    ok: true,
    at: "t",
    canary: { requests: 100, errorRatio: 0, p95Seconds: 0.01, down: 0 },
    stable: { requests: 100, errorRatio: 0, p95Seconds: 0.01 },
};
const bad: Reading = { ...good, canary: { requests: 100, errorRatio: 0.5, p95Seconds: 0.01 } };
const few: Reading = { ...good, canary: { requests: 2, errorRatio: 0, p95Seconds: 0.01 } };
const down: Reading = { ok: false, at: "t", error: "ECONNREFUSED" };

function setup(readings: (step: number) => Reading, opts: { watchErrors?: number; failUp?: string } = {}) {
    let clock = 0;
    const log: string[] = [];
    const events: ReleaseEvent[] = [];
    const record: ReleaseRecord = {
        stack: "production",
        version: "1.3.0",
        canaryColor: "green",
        stableColor: "blue",
        versions: { from: "1.2.0", to: "1.3.0" },
        canaryPreviousVersion: "1.1.0",
        steps: planSteps(settings),
        plan: { phase: "step", stepIndex: 0 },
        startedAt: "t",
        deploymentId: "d",
        stableRouterConfig: { text: "stable", sha256: "s" },
        pid: 1,
    };
    let saved: ReleaseRecord = record;
    const deps: DriverDeps = {
        now: () => clock,
        sleep: async (ms) => void (clock += ms),
        setConfig: async (v) => void log.push(`config ${JSON.stringify(v)}`),
        up: async (label) => {
            log.push(`up ${label.split(":")[0]}`);
            if (opts.failUp && label.startsWith(opts.failUp)) throw new Error("gate failed");
            return {};
        },
        previewClean: async () => (log.push("preview"), { clean: true, detail: "no changes" }),
        read: async () => readings(record.plan.stepIndex),
        errorsSince: async () => opts.watchErrors ?? 0,
        routerConfig: async () => ({ text: "x", sha256: "x" }),
        applyRouterConfig: async (c) => void log.push(`router ${c.text}`),
        save: (r) => void (saved = JSON.parse(JSON.stringify(r))),
        reload: () => saved,
        say: () => undefined,
    };
    const driver = new ReleaseDriver(record, deps, {
        settings,
        listeners: [async (e) => void events.push(e)],
        commandPrefix: "switchyard release --stack production",
    });
    return { driver, log, events, record, saved: () => saved };
}

describe("ReleaseDriver", () => {
    test("a good release walks every step, promotes in one update, watches, and exits promoted", async () => {
        const { driver, log, events, saved } = setup(() => good);
        expect(await driver.run("run-step")).toBe("promoted");
        await driver.flush();
        expect(log).toEqual([
            'config {"canary.weight":"10"}',
            "up step 1/2",
            'config {"canary.weight":"50"}',
            "up step 2/2",
            'config {"activeColor":"green","canary.weight":"0"}',
            "up promote",
        ]);
        expect(events.map((e) => e.kind)).toEqual(["step", "step", "step", "step", "promote", "watch-passed"]);
        expect(saved().plan).toEqual({ phase: "promoted", stepIndex: 2 });
        expect(EXIT_OF.promoted).toBe(0);
    });

    test("a failing analysis: router stable config first, then config, update with refresh, clean preview", async () => {
        const { driver, log, events, saved } = setup((i) => (i === 1 ? bad : good));
        expect(await driver.run("run-step")).toBe("rolled-back");
        await driver.flush();
        expect(log.slice(4)).toEqual([
            "router stable",
            'config {"activeColor":"blue","canary.weight":"0","colors.green.version":"1.1.0"}',
            "up rollback",
            "preview",
        ]);
        const rollback = events.find((e) => e.kind === "rollback");
        expect(rollback?.reason).toMatch(/errorRatio 0.5 > 0.01.*preview --expect-no-changes clean/);
        expect(saved().rollback?.proof?.previewClean).toBe(true);
        expect(saved().plan.phase).toBe("rolled-back");
    });

    test("too few canary requests: inconclusive, paused with the exact commands, nothing rolled back", async () => {
        const { driver, log, events, saved } = setup(() => few);
        expect(await driver.run("run-step")).toBe("paused");
        await driver.flush();
        expect(log).toEqual(['config {"canary.weight":"10"}', "up step 1/2"]);
        const e = events.find((x) => x.kind === "inconclusive");
        expect(e?.commands).toEqual([
            "switchyard release --stack production promote",
            "switchyard release --stack production promote --full",
            "switchyard release --stack production abort",
        ]);
        expect(saved().plan).toEqual({ phase: "paused", stepIndex: 0 });
    });

    test("Prometheus unreachable for a whole pause: inconclusive (paused), never promoted", async () => {
        const { driver, log } = setup(() => down);
        expect(await driver.run("run-step")).toBe("paused");
        expect(log.some((l) => l.startsWith("up promote"))).toBe(false);
    });

    test("a watch breach after promotion rolls back to the stable colour", async () => {
        const { driver, log } = setup(() => good, { watchErrors: 4 });
        expect(await driver.run("run-step")).toBe("rolled-back");
        // Green is live after the promotion: traffic back first, its version in a second update.
        expect(log.slice(-6)).toEqual([
            "router stable",
            'config {"activeColor":"blue","canary.weight":"0"}',
            "up rollback",
            'config {"colors.green.version":"1.1.0"}',
            "up rollback",
            "preview",
        ]);
    });

    test("a container of the new colour down during the watch is a breach", async () => {
        let promoted = false;
        const { driver, log } = setup(() => (promoted ? { ...good, canary: { ...good.canary, down: 1 } } : good));
        const origUp = log.push.bind(log);
        log.push = (...l: string[]) => {
            if (l.some((x) => x.startsWith("up promote"))) promoted = true;
            return origUp(...l);
        };
        expect(await driver.run("run-step")).toBe("rolled-back");
        expect(driver.state.rollback?.reason).toMatch(/stability watch breached: 1 container\(s\) of green down/);
    });

    test("a failed step update (gate) rolls back", async () => {
        const { driver, log } = setup(() => good, { failUp: "step 2" });
        expect(await driver.run("run-step")).toBe("rolled-back");
        expect(log.slice(-3)[0]).toMatch(/^config .*"activeColor":"blue"/);
    });

    test("an interrupt during analysis rolls back", async () => {
        const { driver } = setup(() => good);
        driver.interrupt.abort();
        expect(await driver.run("run-step")).toBe("rolled-back");
    });
});

describe("EventBus", () => {
    test("a listener that throws or never resolves neither blocks nor fails the driver", async () => {
        const warnings: string[] = [];
        const seen: string[] = [];
        const bus = new EventBus(
            [
                async () => {
                    throw new Error("sink down");
                },
                () => new Promise<void>(() => undefined),
                async (e) => void seen.push(e.kind),
            ],
            (t) => warnings.push(t),
        );
        bus.emit({ kind: "promote" } as ReleaseEvent);
        await bus.flush(50);
        expect(seen).toEqual(["promote"]);
        expect(warnings).toEqual([expect.stringMatching(/listener failed on 'promote' \(ignored\): Error: sink down/)]);
    });
});
