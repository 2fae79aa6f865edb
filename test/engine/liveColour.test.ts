/**
 * Real engine: blue/green that never touches the live colour, under load. One stack for the file:
 * a shared-setting change replaces only the idle colour's containers, a version change on the live
 * colour is refused with nothing changed, the flip moves the traffic, and the update after it gives
 * the now idle colour the pending change. Every step runs under a keep-alive GET/POST load whose
 * lost and failed requests are counted.
 */
import "./liveColourEnv";
import {
    baseConfig,
    colorCounts,
    configSet,
    destroyStack,
    eventually,
    freshStack,
    load,
    outputs,
    pulumi,
    report,
    run,
    STACK,
    colorContainerIds,
    up,
} from "./harness";

jest.setTimeout(15 * 60_000);

afterAll(async () => {
    await destroyStack();
});

/** Runs `step` under load; returns the load figures. */
async function underLoad(scenario: string, step: () => Promise<unknown>) {
    const done = step();
    const l = await load({ rate: 200, connections: 8, minRequests: 2000, until: done });
    await done;
    report(`live-colour-${scenario}`, {
        sent: l.sent,
        answered: l.requests,
        non2xx: l.non2xx,
        errors: l.errors,
        lost: l.lost,
        byColor: l.byColor,
    });
    return l;
}

describe("the live colour", () => {
    test("shared settings reach the idle colour only, a live version change is refused, the flip moves the change", async () => {
        const config = baseConfig();
        config["switchyard:canary"] = { ...(config["switchyard:canary"] as object), weight: 10 };
        await freshStack(config);
        await up();

        // A release whose gate fails (every / answers 500): the fence taken before green's containers
        // changed stays, so forced and weighted requests all reach blue.
        await configSet("colors.green.env.ERROR_RATE", "1", { path: true });
        const failed = await pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"]);
        expect(failed.code).not.toBe(0);
        expect(failed.stdout + failed.stderr).toMatch(/smoke|gate/i);
        const forced = {
            header: await colorCounts(100, { "X-Switchyard-Canary": "always" }),
            cookie: await colorCounts(100, { cookie: "switchyard_canary=always" }),
            weighted: await colorCounts(200),
        };
        report("live-colour-forced-after-failed-gate", forced);
        expect(forced).toEqual({ header: { blue: 100 }, cookie: { blue: 100 }, weighted: { blue: 200 } });
        expect((await pulumi(["config", "rm", "--path", "colors.green.env.ERROR_RATE"])).code).toBe(0);
        await up();
        expect(await colorCounts(50, { "X-Switchyard-Canary": "always" })).toEqual({ green: 50 });

        const blue0 = await colorContainerIds("blue");
        const green0 = await colorContainerIds("green");
        expect(blue0).toHaveLength(2);
        expect(green0).toHaveLength(2);

        // A shared env change: the preview names the colour it touches; only green is replaced.
        await configSet("app.env.FEATURE", "on", { path: true });
        const preview = await pulumi(["preview", "--json"]);
        expect(preview.code).toBe(0);
        const plan = JSON.parse(preview.stdout) as {
            steps: { op: string; urn: string }[];
            diagnostics?: { message: string }[];
        };
        const replaced = plan.steps.filter((s) => s.op === "replace").map((s) => s.urn.split("::").pop());
        expect(replaced.sort()).toEqual(["app-green-1", "app-green-2"]);
        expect((plan.diagnostics ?? []).map((d) => d.message).join("")).toContain(
            "switchyard: this update leaves blue (live) as it is; blue keeps its released spec, pending: env.FEATURE (applied when it is idle, or with colors.blue.roll); touches green (idle): env.FEATURE",
        );
        const shared = await underLoad("shared-env", () => up());
        expect({ non2xx: shared.non2xx, errors: shared.errors, lost: shared.lost }).toEqual({ non2xx: 0, errors: 0, lost: 0 });
        expect(await colorContainerIds("blue")).toEqual(blue0);
        const green1 = await colorContainerIds("green");
        expect(green1.some((id) => green0.includes(id))).toBe(false);
        const o1 = await outputs();
        expect(o1.liveColor).toEqual({
            live: "blue",
            pinned: { blue: true, green: false },
            pending: { blue: ["env.FEATURE"], green: [] },
            touched: { blue: [], green: ["env.FEATURE"] },
            emergencyOverride: null,
        });
        expect((o1.colorSpecs as Record<string, { env: Record<string, string> }>).blue.env).toEqual({});
        const blueEnv = await run("docker", ["inspect", "-f", "{{json .Config.Env}}", blue0[0]]);
        expect(blueEnv.stdout).not.toContain("FEATURE=on");

        // A new version on the live colour: refused, nothing changed.
        await configSet("colors.blue.version", "1.0.1", { path: true });
        const refused = await pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"]);
        expect(refused.code).not.toBe(0);
        expect(refused.stdout + refused.stderr).toMatch(
            /colors\.blue\.version: 1\.0\.0 -> 1\.0\.1 on blue, the live colour .*nothing was changed/,
        );
        expect(await colorContainerIds("blue")).toEqual(blue0);
        expect(await colorContainerIds("green")).toEqual(green1);
        await configSet("colors.blue.version", "1.0.0", { path: true });

        // The flip: traffic moves to green; blue, live until the router moved, still keeps its spec.
        await configSet("activeColor", "green");
        const flip = await underLoad("flip", () => up());
        expect({ non2xx: flip.non2xx, errors: flip.errors, lost: flip.lost }).toEqual({ non2xx: 0, errors: 0, lost: 0 });
        expect(await colorContainerIds("blue")).toEqual(blue0);
        expect(await colorContainerIds("green")).toEqual(green1);

        // The next update: blue is idle and takes the pending change; green (live) is not touched.
        const after = await underLoad("idle-catches-up", () => up());
        expect({ non2xx: after.non2xx, errors: after.errors, lost: after.lost }).toEqual({ non2xx: 0, errors: 0, lost: 0 });
        expect(await colorContainerIds("green")).toEqual(green1);
        const blue2 = await colorContainerIds("blue");
        expect(blue2.some((id) => blue0.includes(id))).toBe(false);
        expect((await outputs()).liveColor).toMatchObject({
            live: "green",
            pending: { blue: [], green: [] },
            touched: { blue: ["env.FEATURE"], green: [] },
        });
        expect((await pulumi(["preview", "--refresh", "--expect-no-changes", "--suppress-progress"])).code).toBe(0);
    });

    test.each([
        ["a canary container", "blue"],
        ["a stable replica", "green"],
    ])("%s crashing under load: at most the requests in flight on it fail; Docker restarts it and it serves again", async (_, color) => {
        // The first test left green active with a 10% canary on blue.
        const name = `${STACK}-app-${color}-1`;
        const pid = (await run("docker", ["inspect", "-f", "{{.State.Pid}}", name])).stdout.trim();
        expect(Number(pid)).toBeGreaterThan(0);
        let recoverySeconds = 0;
        const fault = (async () => {
            await new Promise((r) => setTimeout(r, 3000));
            const t0 = Date.now();
            // A crash, not a stop: the restart policy applies (docker kill/stop count as stopped by hand).
            process.kill(Number(pid), "SIGKILL");
            await eventually(
                async () => (await run("docker", ["inspect", "-f", "{{.State.Health.Status}}", name])).stdout.trim() === "healthy",
                60_000,
                `${name} healthy again`,
            );
            recoverySeconds = (Date.now() - t0) / 1000;
        })();
        const l = await load({ rate: 200, connections: 8, minRequests: 2000, until: fault });
        await fault;
        const failed = l.non2xx + l.errors + l.lost;
        report(`fault-${color === "blue" ? "canary" : "stable"}-container-killed`, {
            sent: l.sent,
            answered: l.requests,
            non2xx: l.non2xx,
            errors: l.errors,
            lost: l.lost,
            recoverySeconds,
            detectedBy: "router passive failover (connection refused/reset), Docker restart policy (unless-stopped)",
        });
        // Only requests in flight on the crashed container can fail (sent POSTs are never replayed).
        expect(failed).toBeLessThanOrEqual(8);
        const after = await colorCounts(200);
        expect(Object.keys(after).every((k) => k === "blue" || k === "green")).toBe(true);
        expect((await pulumi(["preview", "--refresh", "--expect-no-changes", "--suppress-progress"])).code).toBe(0);
    });
});
