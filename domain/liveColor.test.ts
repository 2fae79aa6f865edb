import fc from "fast-check";
import { Color, COLORS, otherColor } from "./color";
import { ColorSpec, describeLiveColor, LiveColorInput, planLiveColor, previousColors, specDiff } from "./liveColor";

const spec = (version: string, patch: Partial<ColorSpec> = {}): ColorSpec => ({
    version,
    env: { LOG_LEVEL: "info" },
    resources: { cpus: 0.5, memoryMb: 128 },
    healthcheck: { path: "/health", intervalSeconds: 2, timeoutSeconds: 2, retries: 5, startPeriodSeconds: 1 },
    secretEnvNames: [],
    ...patch,
});

const released = { blue: spec("1.0.0"), green: spec("1.1.0") };

function input(patch: Partial<LiveColorInput> = {}): LiveColorInput {
    return {
        activeColor: "blue",
        previous: { activeColor: "blue", versions: { blue: "1.0.0", green: "1.1.0" }, specs: released },
        desired: released,
        roll: { blue: false, green: false },
        emergency: {},
        ...patch,
    };
}

describe("live colour protection", () => {
    test("a first deployment pins nothing and refuses nothing", () => {
        const r = planLiveColor(input({ previous: {} }));
        expect(r).toEqual({
            ok: true,
            plan: {
                live: undefined,
                effective: released,
                pinned: { blue: false, green: false },
                pending: { blue: [], green: [] },
                touched: { blue: [], green: [] },
                emergencyOverride: undefined,
            },
        });
    });

    test.each<[string, Color, Partial<Record<Color, string>>, Color]>([
        ["a new version of the live colour", "blue", { blue: "1.2.0" }, "blue"],
        ["a flip to a colour with a new version", "green", { green: "1.2.0" }, "green"],
        ["a flip that also changes the colour leaving service", "green", { blue: "1.2.0" }, "blue"],
    ])("%s is refused, naming the key and the idle colour", (_, activeColor, versions, refused) => {
        const desired = { blue: spec(versions.blue ?? "1.0.0"), green: spec(versions.green ?? "1.1.0") };
        const r = planLiveColor(input({ activeColor, desired }));
        expect(r.ok).toBe(false);
        const reason = r.ok ? "" : r.reason;
        expect(reason).toMatch(new RegExp(`^colors\\.${refused}\\.version: .*nothing was changed`));
        expect(reason).toContain(`set colors.${otherColor(refused)}.version`);
        expect(reason).toContain(`colors.${refused}.emergencyOverride.reason`);
    });

    test("the emergency override lets the live colour's version change, and is recorded", () => {
        const desired = { blue: spec("1.0.1"), green: spec("1.1.0") };
        const r = planLiveColor(input({ desired, emergency: { blue: "INC-42 approved by Kim" } }));
        expect(r.ok && r.plan.emergencyOverride).toEqual({ color: "blue", reason: "INC-42 approved by Kim" });
        expect(r.ok && r.plan.effective.blue).toEqual(desired.blue);
        expect(r.ok && r.plan.touched.blue).toEqual(["version 1.0.0 -> 1.0.1"]);
    });

    test("a release to the idle colour touches only the idle colour", () => {
        const desired = { blue: spec("1.0.0"), green: spec("1.2.0") };
        const r = planLiveColor(input({ desired }));
        expect(r.ok && r.plan.touched).toEqual({ blue: [], green: ["version 1.1.0 -> 1.2.0"] });
        expect(r.ok && r.plan.effective).toEqual(desired);
    });

    test.each<[string, Partial<ColorSpec>, string[]]>([
        ["app.env", { env: { LOG_LEVEL: "debug" } }, ["env.LOG_LEVEL"]],
        ["a new env var", { env: { LOG_LEVEL: "info", FLAG: "1" } }, ["env.FLAG"]],
        ["app.resources", { resources: { cpus: 1, memoryMb: 128 } }, ["resources"]],
        ["the healthcheck", { healthcheck: { ...released.blue.healthcheck, retries: 9 } }, ["healthcheck"]],
        ["the secret env names", { secretEnvNames: ["TOKEN"] }, ["secretEnv names"]],
    ])("a change of %s goes to the idle colour; the live one keeps its released spec", (_, patch, keys) => {
        const desired = { blue: spec("1.0.0", patch), green: spec("1.1.0", patch) };
        const r = planLiveColor(input({ desired }));
        if (!r.ok) {
            throw new Error(r.reason);
        }
        expect(r.plan.effective).toEqual({ blue: released.blue, green: desired.green });
        expect(r.plan.pinned).toEqual({ blue: true, green: false });
        expect(r.plan.pending).toEqual({ blue: keys, green: [] });
        expect(r.plan.touched).toEqual({ blue: [], green: keys });
        expect(describeLiveColor(r.plan)).toBe(
            `switchyard: this update leaves blue (live) as it is; blue keeps its released spec, pending: ${keys.join(", ")} ` +
                `(applied when it is idle, or with colors.blue.roll); touches green (idle): ${keys.join(", ")}`,
        );
    });

    test("after the flip the colour that was live is still pinned; the update after that gives it the change", () => {
        const changed = { env: { LOG_LEVEL: "debug" } };
        const desired = { blue: spec("1.0.0", changed), green: spec("1.1.0", changed) };
        // Update 1 rolled green; update 2 flips to green: blue served until the router moved, so it waits.
        const flip = planLiveColor(
            input({
                activeColor: "green",
                desired,
                previous: {
                    activeColor: "blue",
                    versions: { blue: "1.0.0", green: "1.1.0" },
                    specs: { blue: released.blue, green: desired.green },
                },
            }),
        );
        expect(flip.ok && flip.plan.touched).toEqual({ blue: [], green: [] });
        // Update 3: blue is idle now and takes the change.
        const after = planLiveColor(
            input({
                activeColor: "green",
                desired,
                previous: {
                    activeColor: "green",
                    versions: { blue: "1.0.0", green: "1.1.0" },
                    specs: { blue: released.blue, green: desired.green },
                },
            }),
        );
        expect(after.ok && after.plan.touched).toEqual({ blue: ["env.LOG_LEVEL"], green: [] });
        expect(after.ok && after.plan.pinned).toEqual({ blue: false, green: true });
    });

    test("colors.<live>.roll applies the change to the live colour", () => {
        const desired = { blue: spec("1.0.0", { env: {} }), green: spec("1.1.0", { env: {} }) };
        const r = planLiveColor(input({ desired, roll: { blue: true, green: false } }));
        expect(r.ok && r.plan.touched).toEqual({ blue: ["env.LOG_LEVEL"], green: ["env.LOG_LEVEL"] });
        expect(r.ok && r.plan.pinned.blue).toBe(false);
    });

    test("a stack whose outputs predate the recorded specs pins nothing (its containers are unchanged)", () => {
        const r = planLiveColor(input({ previous: previousColors({ activeColor: "blue", versions: { blue: "1.0.0", green: "1.1.0" } }) }));
        expect(r.ok && r.plan.pinned).toEqual({ blue: false, green: false });
        expect(r.ok && r.plan.touched).toEqual({ blue: [], green: [] });
    });

    test("malformed recorded outputs count as not recorded", () => {
        expect(previousColors({ activeColor: "red", versions: { blue: 1 }, colorSpecs: { blue: { version: "1.0.0" } } })).toEqual({
            activeColor: undefined,
            versions: {},
            specs: {},
        });
    });

    const arbSpec = fc.record({
        version: fc.constantFrom("1.0.0", "1.1.0", "2.0.0"),
        env: fc.dictionary(fc.constantFrom("A", "B", "LOG_LEVEL"), fc.constantFrom("x", "y")),
        resources: fc.record({ cpus: fc.constantFrom(0.5, 1), memoryMb: fc.constantFrom(128, 256) }),
        healthcheck: fc.record({
            path: fc.constant("/health"),
            intervalSeconds: fc.constantFrom(2, 5),
            timeoutSeconds: fc.constant(2),
            retries: fc.constantFrom(3, 5),
            startPeriodSeconds: fc.constant(1),
        }),
        secretEnvNames: fc.constantFrom([], ["TOKEN"]),
    });

    test("whatever the config says, the live colour's containers keep their spec unless overridden or rolled", () => {
        fc.assert(
            fc.property(
                fc.constantFrom(...COLORS),
                fc.constantFrom(...COLORS),
                arbSpec,
                arbSpec,
                arbSpec,
                arbSpec,
                (live, activeColor, pb, pg, db, dg) => {
                    const r = planLiveColor({
                        activeColor,
                        previous: { activeColor: live, versions: { blue: pb.version, green: pg.version }, specs: { blue: pb, green: pg } },
                        desired: { blue: db, green: dg },
                        roll: { blue: false, green: false },
                        emergency: {},
                    });
                    if (!r.ok) {
                        // Refused only for a version change on the live colour or the one about to be active.
                        const prev = { blue: pb, green: pg };
                        const des = { blue: db, green: dg };
                        return [live, activeColor].some((c) => prev[c].version !== des[c].version);
                    }
                    const prev = { blue: pb, green: pg };
                    return r.plan.touched[live].length === 0 && specDiff(r.plan.effective[live], prev[live]).length === 0;
                },
            ),
        );
    });
});
