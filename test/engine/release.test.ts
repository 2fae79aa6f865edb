/**
 * Real engine: the real Pulumi CLI, the plugins and the local Docker engine (scenarios 1-5).
 * Scenario 1 creates the `e2e` stack; each later one puts its config back to the base config
 * (resetStack: one update, not a new stack) and starts from there.
 */
import {
    baseConfigAtRunningVersions,
    colorCounts,
    configSet,
    destroyStack,
    eventually,
    freshStack,
    get,
    load,
    outputs,
    previewNoChanges,
    pulumi,
    report,
    resetStack,
    ROUTER_URL,
    routerStatus,
    run,
    up,
} from "./harness";

jest.setTimeout(30 * 60_000);

// Nothing of the stack stays up after the file, whatever the outcome.
afterAll(() => destroyStack());

async function routerContainerId(): Promise<string> {
    const o = await outputs();
    return (await run("docker", ["inspect", "-f", "{{.Id}}", String(o.routerContainer)])).stdout.trim();
}

describe("1. up from scratch", () => {
    test("the app answers through the router with the blue version; a preview right after shows no changes", async () => {
        await freshStack();
        const t0 = Date.now();
        await up();
        const upMs = Date.now() - t0;
        const r = await get(`${ROUTER_URL}/`);
        expect(r.status).toBe(200);
        expect(r.headers["x-switchyard-color"]).toBe("blue");
        expect(r.headers["x-switchyard-version"]).toBe("1.0.0");
        expect(JSON.parse(r.body)).toMatchObject({ color: "blue", version: "1.0.0" });

        const o = await outputs();
        expect(o).toMatchObject({
            activeColor: "blue",
            weights: { blue: 100, green: 0 },
            versions: { blue: "1.0.0", green: "1.1.0" },
            images: { blue: "switchyard/demo-app:1.0.0", green: "switchyard/demo-app:1.1.0" },
            routerUrl: ROUTER_URL,
        });
        expect(String(o.deploymentId)).toMatch(/^e2e-1\.1\.0-\d{8}_\d{6}$/);
        const status = await routerStatus();
        expect(status.configSha256).toBe(o.routerConfigSha256);

        const p0 = Date.now();
        const preview = await previewNoChanges();
        expect(preview.code).toBe(0);
        report("1-up-from-scratch", { upSeconds: upMs / 1000, previewSeconds: (Date.now() - p0) / 1000 });
    });
});

// Ten flips, five each way: every flip moves all traffic and reloads both router layers.
const FLIPS = 10;

describe("2. flips under load", () => {
    test(`${FLIPS} flips back and forth under ~500 req/s keep-alive GET+POST: every request answered 2xx, no connection error`, async () => {
        await resetStack();
        const routerId = await routerContainerId();
        const flipTimes: number[] = [];
        const flips = (async () => {
            for (let i = 0; i < FLIPS; i++) {
                const to = i % 2 === 0 ? "green" : "blue";
                await configSet("activeColor", to);
                const t0 = Date.now();
                await up();
                flipTimes.push((Date.now() - t0) / 1000);
                const seen = await colorCounts(40);
                expect(seen).toEqual({ [to]: 40 });
            }
        })();
        const result = await load({ rate: 500, connections: 10, minRequests: FLIPS * 1000, until: flips });
        await flips;
        report("2-flips-under-load", { flips: FLIPS, ...result, upSecondsPerFlip: flipTimes });
        expect(result.requests).toBeGreaterThanOrEqual(FLIPS * 1000);
        expect(result.non2xx).toBe(0);
        expect(result.errors).toBe(0);
        expect(result.lost).toBe(0);
        expect(result.timeouts).toBe(0);
        expect(result.byColor.blue).toBeGreaterThan(0);
        expect(result.byColor.green).toBeGreaterThan(0);
        // Routing changes never recreate the router.
        expect(await routerContainerId()).toBe(routerId);
        expect((await previewNoChanges()).code).toBe(0);
    });
});

describe("3. canary weights, header, cookie, sticky", () => {
    beforeAll(async () => {
        await resetStack();
    });

    // nginx's smooth weighted round-robin repeats every 1,000 requests on the 0.1 grid: 10,000 show any skew.
    test.each([[10], [50], [0.1]])("weight %d%%: the measured share over 10,000 requests is within 0.6 points", async (weight) => {
        await configSet("canary.weight", String(weight), { path: true });
        await up();
        expect((await routerStatus()).weights).toEqual({ blue: 100 - weight, green: weight });
        const counts = await colorCounts(10_000);
        const share = (100 * (counts.green ?? 0)) / 10_000;
        report(`3-canary-${weight}`, { requests: 10_000, counts, greenSharePercent: share });
        expect(counts.blue + (counts.green ?? 0)).toBe(10_000);
        expect(Math.abs(share - weight)).toBeLessThanOrEqual(0.6);
    });

    test("the header and the cookie force the canary (or keep a client off it)", async () => {
        expect(await colorCounts(200, { "X-Switchyard-Canary": "always" })).toEqual({ green: 200 });
        expect(await colorCounts(100, { Cookie: "switchyard_canary=always" })).toEqual({ green: 100 });
        expect(await colorCounts(100, { Cookie: "switchyard_canary=never" })).toEqual({ blue: 100 });
    });

    test("sticky: a client stays on its colour while the weight changes (and only ever moves towards the canary)", async () => {
        await configSet("canary.sticky.enabled", "true", { path: true });
        await configSet("canary.weight", "10", { path: true });
        await up();
        const clients: { cookie: string; color: string; bucket: number }[] = [];
        for (let i = 0; i < 200; i++) {
            const r = await get(`${ROUTER_URL}/`);
            const m = /switchyard_bucket=(\d{3});/.exec(String(r.headers["set-cookie"]));
            expect(m).not.toBeNull();
            clients.push({ cookie: `switchyard_bucket=${m![1]}`, color: String(r.headers["x-switchyard-color"]), bucket: Number(m![1]) });
        }
        for (const c of clients.slice(0, 40)) {
            expect(await colorCounts(5, { Cookie: c.cookie }, 1)).toEqual({ [c.color]: 5 });
        }
        await configSet("canary.weight", "25", { path: true });
        await up();
        let moved = 0;
        for (const c of clients) {
            const now = Object.keys(await colorCounts(3, { Cookie: c.cookie }, 1));
            expect(now).toHaveLength(1);
            if (c.color === "green") {
                expect(now[0]).toBe("green");
            }
            expect(now[0]).toBe(c.bucket < 250 ? "green" : "blue");
            if (now[0] !== c.color) moved++;
        }
        report("3-sticky", {
            clients: clients.length,
            greenAt10: clients.filter((c) => c.color === "green").length,
            movedToGreenAt25: moved,
        });
    });
});

describe("4. a release that fails its health check never gets traffic", () => {
    test("pulumi up fails at the gate naming the check; under load 0 requests reach green; fixing the version promotes", async () => {
        await resetStack();
        const before = await routerStatus();
        await configSet("colors.green.version", "1.2.0", { path: true });
        await configSet("colors.green.env.FAIL_HEALTH", "1", { path: true });
        await configSet("canary.weight", "10", { path: true });
        let failed!: Awaited<ReturnType<typeof pulumi>>;
        const attempt = (async () => {
            failed = await pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"]);
        })();
        const result = await load({ rate: 500, connections: 10, minRequests: 5_000, until: attempt });
        await attempt;
        report("4-bad-release", { ...result, upExit: failed.code });
        expect(failed.code).not.toBe(0);
        const out = failed.stdout + failed.stderr;
        expect(out).toContain("switchyard health gate FAILED for green 1.2.0");
        expect(out).toMatch(/container e2e-app-green-1 \([\d.]+:8080\): health check GET \/health answered 503 on all 20 attempts/);
        expect(result.non2xx).toBe(0);
        expect(result.errors).toBe(0);
        expect(result.lost).toBe(0);
        expect(result.byColor.green ?? 0).toBe(0);
        // The router did not take the release (same weights and versions); it serves the route fence
        // taken before green's containers changed: even a forced request goes to blue.
        const fenced = await routerStatus();
        expect({ weights: fenced.weights, versions: fenced.versions }).toEqual({ weights: before.weights, versions: before.versions });
        expect(await colorCounts(20, { "X-Switchyard-Canary": "always" })).toEqual({ blue: 20 });

        const rm = await pulumi(["config", "rm", "--path", "colors.green.env.FAIL_HEALTH"]);
        expect(rm.code).toBe(0);
        await configSet("colors.green.version", "1.2.1", { path: true });
        await up();
        const status = await routerStatus();
        expect(status.versions.green).toBe("1.2.1");
        expect(status.weights).toEqual({ blue: 90, green: 10 });
        const counts = await colorCounts(2000);
        expect(Math.abs((counts.green ?? 0) / 20 - 10)).toBeLessThanOrEqual(0.6);
        expect((await previewNoChanges()).code).toBe(0);
    });
});

describe("5. releasing to the idle colour never disturbs the live one", () => {
    test("0 errors under load while the idle colour's containers are replaced", async () => {
        // Green keeps the version scenario 4 released, so the reset only moves the canary weight.
        await resetStack(await baseConfigAtRunningVersions());
        const liveBefore = (
            await run("docker", ["ps", "-q", "--filter", "label=switchyard.color=blue", "--filter", "label=switchyard.stack=e2e"])
        ).stdout.trim();
        await configSet("colors.green.version", "1.3.0", { path: true });
        let upSeconds = 0;
        const release = (async () => {
            const t0 = Date.now();
            await up();
            upSeconds = (Date.now() - t0) / 1000;
        })();
        const result = await load({ rate: 500, connections: 10, minRequests: 10_000, until: release });
        await release;
        report("5-idle-release", { ...result, upSeconds });
        expect(result.non2xx).toBe(0);
        expect(result.errors).toBe(0);
        expect(result.lost).toBe(0);
        expect(result.byColor).toEqual({ blue: result.requests });
        expect(result.requests).toBe(result.sent);
        const liveAfter = (
            await run("docker", ["ps", "-q", "--filter", "label=switchyard.color=blue", "--filter", "label=switchyard.stack=e2e"])
        ).stdout.trim();
        expect(liveAfter).toBe(liveBefore);
        await eventually(async () => (await routerStatus()).versions.green === "1.3.0", 5000, "router status to show green 1.3.0");
        expect(await colorCounts(50, { "X-Switchyard-Canary": "always" })).toEqual({ green: 50 });
    });
});
