/**
 * Real engine: the idle colour's scale-down (app.idleReplicas, app.scaleDownDelay; domain/scaleDown.ts).
 * One stack (`e2e-scale`, port 18920), one story in order, with a short delay (longer than a
 * rollback's update and drift proof, which must find nothing due):
 *   the first update leaves green idle -> once its delay has passed, `switchyard drift` names the due
 *   scale-down (not drift) -> an `up` runs green at idleReplicas 1, then at 0 (forced requests go
 *   to blue) -> a rollback under a mixed load scales green back up through its gate before traffic
 *   moves, with no failed request -> a promote back to blue leaves green warm with all replicas
 *   inside the delay, and a level-1 rollback then is the router fast path.
 */
import "./scaleDownEnv";
import { MixedLoadResult, startMixedLoad } from "../../tools/bench/mixedLoad";

const h: typeof import("./harness") = require("./harness");

jest.setTimeout(10 * 60_000);

const DELAY_MS = 55_000;
const RATES = { keepAlive: 100, fresh: 30, post: 20 };
const t0 = Date.now();

type Scale = Record<string, { state: string; replicas: number; idleSince: string | null; scaleDownAt: string | null }>;
const scaleOf = async (): Promise<Scale> => (await h.outputs()).colorScale as Scale;
const running = async (color: string) => (await h.colorContainerIds(color)).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

beforeAll(async () => {
    await h.freshStack({
        ...h.baseConfig(),
        "switchyard:app": {
            ...(h.baseConfig()["switchyard:app"] as object),
            idleReplicas: 1,
            scaleDownDelay: `${DELAY_MS / 1000}s`,
        },
        "switchyard:release": { watch: { duration: "10s", interval: "5s" } },
    });
    await h.up();
});

afterAll(async () => {
    await h.destroyStack();
    h.report("scale-down: engine file wall time", { seconds: Math.round((Date.now() - t0) / 1000) });
});

describe("scale-down of the idle colour", () => {
    test("once the delay has passed, drift names the due scale-down without calling it drift", async () => {
        const scale = await scaleOf();
        expect(scale.blue).toEqual({ state: "live", replicas: 2, idleSince: null, scaleDownAt: null });
        expect(scale.green).toMatchObject({ state: "warm", replicas: 2 });
        expect(Date.parse(String(scale.green.scaleDownAt)) - Date.parse(String(scale.green.idleSince))).toBe(DELAY_MS);
        await sleep(Date.parse(String(scale.green.scaleDownAt)) - Date.now() + 500);
        expect(await running("green")).toBe(2);
        const d = await h.switchyardJson(["drift"]);
        expect(d.code).toBe(0);
        expect(d.doc.drift).toBe(false);
        expect(d.doc.scaleDownDue).toEqual([
            expect.stringMatching(/^green \(idle since .*\) still runs 2 replica\(s\): the next update .*app-green-2 .*would be deleted/),
        ]);
    });

    test("an up after the delay runs the idle colour at idleReplicas 1, then 0; the live colour keeps all, forced requests go to it", async () => {
        const one = await h.up();
        expect(one.stdout).toMatch(/green \(idle since .*app\.scaleDownDelay 55s passed at .*\) scales down 2 -> 1 replica\(s\)/);
        expect([await running("green"), await running("blue")]).toEqual([1, 2]);
        expect((await scaleOf()).green).toMatchObject({ state: "scaled-down", replicas: 1 });

        await h.configSet("app.idleReplicas", "0", { path: true });
        const zero = await h.up();
        expect(zero.stdout).toMatch(/scales down 1 -> 0 replica\(s\)/);
        expect([await running("green"), await running("blue")]).toEqual([0, 2]);
        expect(await h.colorCounts(20, { "X-Switchyard-Canary": "always" })).toEqual({ blue: 20 });
        expect((await h.previewNoChanges()).code).toBe(0);
        h.report("scale-down: idle colour after the delay", { upSecondsTo1: one.ms / 1000, upSecondsTo0: zero.ms / 1000 });
    });

    test("a rollback to the scaled-down colour scales it up through its gate before traffic moves: no failed request under load", async () => {
        const load = startMixedLoad({ url: h.ROUTER_URL, rates: RATES });
        let result: MixedLoadResult;
        let r: Awaited<ReturnType<typeof h.switchyardJson>>;
        try {
            await sleep(2000);
            r = await h.switchyardJson(["rollback", "--level", "1"]);
            await sleep(2000);
        } finally {
            result = await load.stop();
        }
        expect({ code: r.code, error: r.doc.error }).toEqual({ code: 0, error: undefined });
        expect(r.doc).toMatchObject({ ok: true, to: { color: "green" }, driftProof: { noChanges: true } });
        expect(r.doc.fastPath).toBe("green runs 0 of 2 replicas (scaled down); its gate runs first");
        expect(r.doc.plan[0]).toMatch(/^scale green back up from 0 to 2 replica\(s\) .* through its health gate/);
        expect(await running("green")).toBe(2);
        expect(await running("blue")).toBe(2);
        expect((await scaleOf()).blue).toMatchObject({ state: "warm", replicas: 2 });
        expect(await h.colorCounts(20)).toEqual({ green: 20 });
        const t = result.total;
        h.report("scale-down: rollback after the delay (scale-up 0 -> 2 through the gate) under load", {
            rates: RATES,
            sent: t.sent,
            ok: t.ok,
            non2xx: t.non2xx,
            connErrors: t.connErrors,
            timeouts: t.timeouts,
            byColor: t.byColor,
            trafficMovedSeconds: r.doc.trafficMovedSeconds,
            updateSeconds: r.doc.trafficSeconds,
            totalSeconds: r.doc.totalSeconds,
        });
        expect(t.sent).toBeGreaterThan(0);
        expect({ non2xx: t.non2xx, connErrors: t.connErrors, timeouts: t.timeouts, unanswered: t.sent - t.answered }).toEqual({
            non2xx: 0,
            connErrors: 0,
            timeouts: 0,
            unanswered: 0,
        });
        expect(t.byColor.green ?? 0).toBeGreaterThan(0);
    });

    test("after a promote the old colour keeps its replicas inside the delay, and a rollback then is the router fast path", async () => {
        await h.configSet("activeColor", "blue");
        await h.up();
        const scale = await scaleOf();
        expect(scale.blue).toEqual({ state: "live", replicas: 2, idleSince: null, scaleDownAt: null });
        expect(scale.green).toMatchObject({ state: "warm", replicas: 2 });
        expect(Date.now()).toBeLessThan(Date.parse(String(scale.green.scaleDownAt)));
        expect(await running("green")).toBe(2);

        const r = await h.switchyardJson(["rollback", "--level", "1"]);
        expect({ code: r.code, error: r.doc.error }).toEqual({ code: 0, error: undefined });
        expect(r.doc).toMatchObject({ ok: true, fastPath: "router", to: { color: "green" }, driftProof: { noChanges: true } });
        expect(await h.colorCounts(20)).toEqual({ green: 20 });
        h.report("scale-down: rollback inside the delay", {
            fastPath: r.doc.fastPath,
            trafficMovedSeconds: r.doc.trafficMovedSeconds,
            updateSeconds: r.doc.trafficSeconds,
            totalSeconds: r.doc.totalSeconds,
        });
    });
});
