/** The driver's order of operations and exits, with every outside effect faked and recorded. */
import { releaseSchema } from "../../config/release";
import type { ReleaseEvent } from "../../domain/releaseEvent";
import type { Reading } from "./analysis";
import { DriverDeps, EventBus, EXIT_OF, hostLine, HostObservation, ReleaseDriver } from "./driver";
import { planSteps } from "./plan";
import type { ReleaseRecord, StableRouterConfig } from "./record";

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

const router = (host: string, text: string): StableRouterConfig => ({
    host,
    dockerHost: `ssh://${host}`,
    container: "r",
    text,
    sha256: text,
});

function setup(
    readings: (step: number) => Reading,
    opts: {
        watchErrors?: number;
        failUp?: string;
        routers?: StableRouterConfig[];
        refuse?: string;
        hosts?: () => HostObservation[];
    } = {},
) {
    let clock = 0;
    const log: string[] = [];
    const said: string[] = [];
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
        stableRouterConfigs: opts.routers ?? [router("", "stable")],
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
        applyRouterConfigs: async (configs) => {
            // Every router is tried; the ones that refuse are named together.
            const refused = configs.filter((c) => c.host === opts.refuse).map((c) => c.host);
            configs.filter((c) => c.host !== opts.refuse).forEach((c) => log.push(`router ${c.host ? `${c.host} ` : ""}${c.text}`));
            if (refused.length > 0) throw new Error(`refused on ${refused.join(", ")}`);
        },
        ...(opts.hosts ? { observeHosts: async () => opts.hosts!() } : {}),
        save: (r) => void (saved = JSON.parse(JSON.stringify(r))),
        reload: () => saved,
        say: (t) => void said.push(t),
    };
    const driver = new ReleaseDriver(record, deps, {
        settings,
        listeners: [async (e) => void events.push(e)],
        commandPrefix: "switchyard release --stack production",
    });
    return { driver, log, events, record, said, saved: () => saved };
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

    test("several hosts: a rollback puts every router on its own stable config before the update", async () => {
        const routers = [router("web-1", "stable-1"), router("web-2", "stable-2"), router("web-3", "stable-3")];
        const { driver, log, said } = setup((i) => (i === 1 ? bad : good), { routers });
        expect(await driver.run("run-step")).toBe("rolled-back");
        expect(log.slice(4, 8)).toEqual([
            "router web-1 stable-1",
            "router web-2 stable-2",
            "router web-3 stable-3",
            'config {"activeColor":"blue","canary.weight":"0","colors.green.version":"1.1.0"}',
        ]);
        expect(said.some((l) => /all 3 routers serve the stable config \(canary at 0%\)/.test(l))).toBe(true);
    });

    test("several hosts: a router that refuses the stable config leaves the rest to the update, which still runs", async () => {
        const routers = [router("web-1", "stable-1"), router("web-2", "stable-2")];
        const { driver, log, said, saved } = setup((i) => (i === 1 ? bad : good), { routers, refuse: "web-2" });
        expect(await driver.run("run-step")).toBe("rolled-back");
        expect(log.slice(4)).toEqual([
            "router web-1 stable-1",
            'config {"activeColor":"blue","canary.weight":"0","colors.green.version":"1.1.0"}',
            "up rollback",
            "preview",
        ]);
        expect(
            said.some((l) => /could not be applied directly everywhere \(Error: refused on web-2\); the update restores it/.test(l)),
        ).toBe(true);
        expect(saved().rollback?.canaryZeroMs).toBeUndefined();
    });

    test("several hosts: every reading is followed by a line per host", async () => {
        const hosts = () => [
            { name: "web-1", answers: true, requests: 400, canaryShare: 0.1 },
            { name: "web-2", answers: false },
        ];
        const { driver, said } = setup(() => good, { hosts });
        expect(await driver.run("run-step")).toBe("promoted");
        const readings = said.filter((l) => / reading /.test(l)).length;
        expect(readings).toBeGreaterThan(0);
        expect(said.filter((l) => /host web-1: router ok, green measured 10.0% of 400 request\(s\)$/.test(l))).toHaveLength(readings);
        expect(said.filter((l) => /host web-2: router does not answer$/.test(l))).toHaveLength(readings);
    });

    test.each([
        [{ name: "web-1", answers: true, requests: 0 }, "host web-1: router ok, green measured no request"],
        [{ name: "web-1", answers: true, requests: 8, canaryShare: 0.125 }, "host web-1: router ok, green measured 12.5% of 8 request(s)"],
        [{ name: "web-3", answers: false }, "host web-3: router does not answer"],
        [{ name: "web-2", answers: true }, "host web-2: router ok, counting its requests from this reading on"],
    ])("hostLine %j", (h, line) => {
        expect(hostLine(h, "green")).toBe(line);
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
