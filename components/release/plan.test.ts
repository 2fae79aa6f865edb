import fc from "fast-check";
import * as semver from "semver";
import { planRelease } from "./plan";

describe("planRelease", () => {
    test.each([
        [{ blue: "1.0.0", green: "1.1.0" }, ["blue", "green"]],
        [{ blue: "2.0.0", green: "1.9.9" }, ["green", "blue"]],
        [{ blue: "1.2.0", green: "1.2.0" }, ["blue", "green"]],
        [{ blue: "1.2.0", green: "1.2.0-rc.1" }, ["green", "blue"]],
        [{ blue: "10.0.0", green: "9.0.0" }, ["green", "blue"]],
    ])("%j: migrations run %j", (versions, order) => {
        expect(planRelease(versions).migrationOrder).toEqual(order);
    });

    test("every colour migrates exactly once, the lower version never after the higher", () => {
        const v = fc.tuple(fc.nat(20), fc.nat(20), fc.nat(20)).map(([a, b, c]) => `${a}.${b}.${c}`);
        fc.assert(
            fc.property(v, v, (blue, green) => {
                const order = planRelease({ blue, green }).migrationOrder;
                expect([...order].sort()).toEqual(["blue", "green"]);
                const versions: Record<string, string> = { blue, green };
                expect(semver.lte(versions[order[0]], versions[order[1]])).toBe(true);
            }),
        );
    });
});
