import { hostStatus, renderStatus, StatusReport } from "./status";

const SHA = "a".repeat(64);

describe("per-host status", () => {
    test.each([
        ["answers with the routing in state", { activeColor: "green", weights: { blue: 0, green: 100 }, configSha256: SHA }, false, "ok"],
        [
            "answers with another routing",
            { activeColor: "blue", weights: { blue: 100, green: 0 }, configSha256: "b".repeat(64) },
            false,
            "stale",
        ],
        ["does not answer", undefined, true, "down"],
    ])("a router that %s: %s", (_what, served, excluded, health) => {
        const h = hostStatus("web-2", served, SHA, excluded);
        expect(h).toEqual(
            served
                ? { name: "web-2", health, activeColor: served.activeColor, weights: served.weights, excluded }
                : { name: "web-2", health, excluded },
        );
    });

    test("one line per host, after the stack's", () => {
        const r: StatusReport = {
            stack: "prod",
            activeColor: "green",
            versions: { blue: "1.0.0", green: "1.1.0" },
            weights: { configured: { blue: 0, green: 100 } },
            hosts: [
                hostStatus("web-1", { activeColor: "green", weights: { blue: 0, green: 100 }, configSha256: SHA }, SHA, false),
                {
                    ...hostStatus("web-2", { activeColor: "green", weights: { blue: 10, green: 90 }, configSha256: SHA }, SHA, false),
                    measured: { share: { blue: 0.10234, green: 0.89766 }, requests: 400, seconds: 2 },
                },
                hostStatus("web-3", undefined, SHA, true),
            ],
        };
        expect(renderStatus(r).split("\n").slice(2, 5)).toEqual([
            '  host web-1: ok, active green, weights {"blue":0,"green":100}',
            '  host web-2: ok, active green, weights {"blue":10,"green":90}, measured {"blue":0.102,"green":0.898} of 400 request(s) in 2 s',
            "  host web-3: down, router does not answer (left out of the last update)",
        ]);
    });
});
