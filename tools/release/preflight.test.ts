import { DEFAULT_WINDOW } from "../../domain/window";
import { preflight, PreflightFacts } from "./preflight";

const OK: PreflightFacts = {
    stack: "production",
    drift: [],
    now: new Date("2026-12-01T11:00:00Z"), // a Tuesday, inside Tue-Thu 10-14 UTC
    window: DEFAULT_WINDOW,
    requested: "1.3.0",
    liveVersion: "1.2.0",
    allowDowngrade: false,
    image: "registry.example.com/app:1.3.0",
};
const failures = (f: Partial<PreflightFacts>) => preflight({ ...OK, ...f }).filter((c) => !c.ok);

describe("release preflight", () => {
    test("all good: every check passes", () => {
        expect(failures({})).toEqual([]);
        expect(preflight(OK).map((c) => c.check)).toEqual(["lock", "drift", "window", "version", "image"]);
    });

    test.each<[string, Partial<PreflightFacts>, string, RegExp, RegExp]>([
        [
            "lock held",
            { lock: "pid 42 on host1" },
            "lock",
            /locked by another update \(pid 42 on host1\)/,
            /switchyard recover --stack production/,
        ],
        [
            "drift",
            { drift: ["container app-green-1 missing"] },
            "drift",
            /container app-green-1 missing/,
            /switchyard up --stack production/,
        ],
        ["drift check failed", { drift: { error: "engine error" } }, "drift", /could not run: engine error/, /switchyard drift/],
        ["outside the window", { now: new Date("2026-11-30T01:00:00Z") }, "window", /outside the deployment window/, /--emergency/],
        ["not semver", { requested: "latest" }, "version", /floating tag/, /semver/],
        ["same version", { requested: "1.2.0" }, "version", /already the live version/, /switchyard up/],
        ["older", { requested: "1.1.9" }, "version", /older than the live version 1.2.0/, /--allow-downgrade/],
        ["image missing", { imageProblem: "not found" }, "image", /neither on the Docker host nor pullable: not found/, /build and push/],
        ["release in progress", { inProgress: "paused at step 2" }, "release", /paused at step 2/, /release abort/],
        ["synthetic without header", { syntheticWithoutHeader: true }, "synthetic", /canary.header is not set/, /canary.header/],
    ])("%s: the check is named with its fix", (_, facts, check, message, fix) => {
        const f = failures(facts);
        expect(f.map((c) => c.check)).toEqual([check]);
        expect(f[0].message).toMatch(message);
        expect(f[0].fix).toMatch(fix);
    });

    test("an emergency reason opens a closed window; a downgrade passes with --allow-downgrade", () => {
        expect(failures({ now: new Date("2026-11-30T01:00:00Z"), emergency: "INC-1 approved by J. Doe" })).toEqual([]);
        expect(failures({ requested: "1.1.0", allowDowngrade: true })).toEqual([]);
    });
});
