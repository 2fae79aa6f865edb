import fc from "fast-check";
import { Color, COLORS, otherColor } from "../../domain/color";
import {
    ColorState,
    configPathPrefixes,
    configType,
    nextPutBackStep,
    PutBackStep,
    restorePlan,
    stackFileValue,
    versionToRelease,
} from "./configRestore";

describe("configPathPrefixes", () => {
    test.each([
        ["activeColor", ["activeColor"]],
        ["colors.blue.version", ["colors", "colors.blue", "colors.blue.version"]],
        ["release.steps[0].weight", ["release", "release.steps", "release.steps[0]", "release.steps[0].weight"]],
        ["release.steps[1]", ["release", "release.steps", "release.steps[1]"]],
        ["a.b[0][2].c", ["a", "a.b", "a.b[0]", "a.b[0][2]", "a.b[0][2].c"]],
    ])("%s", (key, want) => {
        expect(configPathPrefixes(key)).toEqual(want);
    });
    test.each(["", ".a", "a.", "a..b", "[0]", "a.[0]", "a[x]", 'registryAuth["h"]'])("%j is refused", (key) => {
        expect(() => configPathPrefixes(key)).toThrow(/is not of the form/);
    });
    test("property: outermost first, each the start of the next, the last the key itself", () => {
        const name = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,6}$/);
        const seg = fc.oneof(
            name.map((n) => `.${n}`),
            fc.nat({ max: 12 }).map((i) => `[${i}]`),
        );
        fc.assert(
            fc.property(name, fc.array(seg, { maxLength: 6 }), (head, tail) => {
                const key = head + tail.join("");
                const p = configPathPrefixes(key);
                expect(p).toHaveLength(tail.length + 1);
                expect(p[p.length - 1]).toBe(key);
                p.slice(1).forEach((x, i) => expect(x.startsWith(p[i])).toBe(true));
            }),
        );
    });
});

describe("stackFileValue", () => {
    const file = {
        "switchyard:activeColor": "blue",
        "switchyard:colors": { blue: { version: "1.0.0" } },
        "switchyard:release": { steps: [{ weight: 10 }, 100] },
        "switchyard:grafanaToken": { secure: "v1:abc" },
    };
    test.each([
        ["activeColor", "blue"],
        ["colors.blue.version", "1.0.0"],
        ["colors.green", undefined],
        ["colors.blue.version.x", undefined],
        ["release.steps[0].weight", 10],
        ["release.steps[1]", 100],
        ["release.steps[2]", undefined],
        ["release.steps.x", undefined],
        ["colors[0]", undefined],
        ["grafanaToken", { secure: "v1:abc" }],
        ["grafanaToken.secure", undefined],
        ["monitoring", undefined],
    ])("%s -> %j", (key, want) => {
        expect(stackFileValue(file, "switchyard", key)).toEqual(want);
    });
});

describe("restorePlan", () => {
    test("a key only the project defaults hold (release: default {}) is removed whole: no `release: {steps: []}` stays", () => {
        const keys = ["release.steps[0].weight", "release.steps[0].pause", "release.steps[1]", "release.watch.duration"];
        expect(restorePlan({ "switchyard:activeColor": "blue" }, "switchyard", keys)).toEqual([{ kind: "remove", key: "release" }]);
    });
    test("present scalars are set back, missing parts removed from their outermost missing path, in reverse order", () => {
        const file = { "switchyard:monitoring": { enabled: true, prometheus: { port: 9090 } }, "switchyard:activeColor": "green" };
        const keys = ["activeColor", "monitoring.prometheus.scrapeInterval", "monitoring.prometheus.port", "release.steps[0]"];
        expect(restorePlan(file, "switchyard", keys)).toEqual([
            { kind: "remove", key: "release" },
            { kind: "set", key: "monitoring.prometheus.port" },
            { kind: "remove", key: "monitoring.prometheus.scrapeInterval" },
            { kind: "set", key: "activeColor" },
        ]);
    });
    test("a list the stack file holds, extended by the bench, loses only what the bench added", () => {
        const file = { "switchyard:release": { steps: [10] } };
        expect(restorePlan(file, "switchyard", ["release.steps[0]", "release.steps[1]"])).toEqual([
            { kind: "remove", key: "release.steps[1]" },
            { kind: "set", key: "release.steps[0]" },
        ]);
    });
    test("a secret scalar is set back (the caller reads it decrypted)", () => {
        expect(restorePlan({ "switchyard:grafanaToken": { secure: "v1:abc" } }, "switchyard", ["grafanaToken"])).toEqual([
            { kind: "set", key: "grafanaToken" },
        ]);
    });
    test.each([
        [
            { "switchyard:release": { steps: [{ weight: 25, pause: "1m" }] } },
            "release.steps[0]",
            /switchyard:release.steps\[0\] holds an object in the stack file/,
        ],
        [{ "switchyard:release": { steps: [10] } }, "release.steps", /switchyard:release.steps holds a list/],
    ])("an object or list in the stack file at a key the bench sets is refused: %j %s", (file, key, message) => {
        expect(() => restorePlan(file, "switchyard", [key])).toThrow(message);
        expect(() => restorePlan(file, "switchyard", [key])).toThrow(/Nothing was changed/);
    });
});

describe("nextPutBackStep", () => {
    const state = (active: Color, blue: string, green: string): ColorState => ({ active, versions: { blue, green } });
    /** Applies steps until none is left; the steps taken. */
    const walk = (now: ColorState, before: ColorState): PutBackStep[] => {
        const steps: PutBackStep[] = [];
        for (let s = nextPutBackStep(now, before); s !== null; s = nextPutBackStep(now, before)) {
            steps.push(s);
            if (steps.length > 4) throw new Error(`more than 4 steps: ${JSON.stringify(steps)}`);
            now =
                s.kind === "flip"
                    ? { ...now, active: s.to }
                    : (() => {
                          // Only the idle colour's version may change.
                          expect(s.color).not.toBe(now.active);
                          return { ...now, versions: { ...now.versions, [s.color]: s.version } };
                      })();
        }
        expect(now).toEqual(before);
        return steps;
    };
    const before = state("blue", "1.0.0", "1.1.0");
    test.each<[string, ColorState, PutBackStep[]]>([
        ["nothing changed", before, []],
        [
            "a promoted release to green, then a rolled-back one to blue",
            state("green", "1.0.0", "1.2.0"),
            [
                { kind: "flip", to: "blue" },
                { kind: "version", color: "green", version: "1.1.0" },
            ],
        ],
        [
            "two promoted releases: blue live again at a new version",
            state("blue", "1.2.1", "1.2.0"),
            [
                { kind: "version", color: "green", version: "1.1.0" },
                { kind: "flip", to: "green" },
                { kind: "version", color: "blue", version: "1.0.0" },
                { kind: "flip", to: "blue" },
            ],
        ],
        ["only the idle colour moved", state("blue", "1.0.0", "1.2.0"), [{ kind: "version", color: "green", version: "1.1.0" }]],
        ["only a flip", state("green", "1.0.0", "1.1.0"), [{ kind: "flip", to: "blue" }]],
    ])("%s", (_, now, steps) => {
        expect(walk(now, before)).toEqual(steps);
    });
    test("property: from any state, at most four allowed steps reach the state before", () => {
        const color = fc.constantFrom<Color>(...COLORS);
        const version = fc.constantFrom("1.0.0", "1.1.0", "1.2.0", "1.2.1");
        const st = fc.record({ active: color, versions: fc.record({ blue: version, green: version }) });
        fc.assert(fc.property(st, st, (now, b) => void walk(now, b)));
    });
});

describe("versionToRelease", () => {
    const state = (active: Color, blue: string, green: string): ColorState => ({ active, versions: { blue, green } });
    const candidates = ["1.2.0", "1.2.1"];
    test.each<[string, ColorState, string]>([
        ["neither candidate is live", state("blue", "1.0.0", "1.1.0"), "1.2.0"],
        ["the first is live", state("green", "1.0.0", "1.2.0"), "1.2.1"],
        ["the second is live", state("blue", "1.2.1", "1.2.0"), "1.2.0"],
        ["the idle colour already runs the first", state("blue", "1.0.0", "1.2.0"), "1.2.0"],
    ])("%s", (_, now, v) => {
        expect(versionToRelease(candidates, now)).toBe(v);
    });
    test("every candidate live: refused, naming them", () => {
        expect(() => versionToRelease(["1.2.0"], state("blue", "1.2.0", "1.0.0"))).toThrow(
            /1\.2\.0.*live version 1\.2\.0; nothing was changed/,
        );
    });
    test("property: five promoted releases in a row never ship the live version", () => {
        const color = fc.constantFrom<Color>(...COLORS);
        const version = fc.constantFrom("1.0.0", "1.1.0", "1.2.0", "1.2.1");
        const st = fc.record({ active: color, versions: fc.record({ blue: version, green: version }) });
        fc.assert(
            fc.property(st, (start) => {
                let now: ColorState = start;
                for (let i = 0; i < 5; i++) {
                    const v = versionToRelease(candidates, now);
                    expect(v).not.toBe(now.versions[now.active]);
                    // A promoted release puts v on the idle colour and makes it live.
                    const idle = otherColor(now.active);
                    now = { active: idle, versions: { ...now.versions, [idle]: v } };
                }
            }),
        );
    });
});

describe("configType", () => {
    test.each<[string | number | boolean, string]>([
        [0, "int"],
        [100, "int"],
        [0.1, "float"],
        [false, "bool"],
        ["0", "string"],
        ["6s", "string"],
    ])("%j is written as %s", (v, t) => {
        expect(configType(v)).toBe(t);
    });
});
