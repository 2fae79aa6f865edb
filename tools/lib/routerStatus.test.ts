import { parseRouterCounts, routersOf, shareBetween } from "./routerStatus";

const EXPORTER_TEXT = [
    "# HELP switchyard_router_requests_total defined at router.mtail:12:1-42",
    "# TYPE switchyard_router_requests_total counter",
    'switchyard_router_requests_total{color="blue",method="GET",prog="router.mtail",status_class="2xx"} 900',
    'switchyard_router_requests_total{color="blue",method="POST",prog="router.mtail",status_class="5xx"} 10',
    'switchyard_router_requests_total{color="green",method="GET",prog="router.mtail",status_class="2xx"} 90',
    'switchyard_router_request_seconds_bucket{color="green",le="0.005"} 80',
    'switchyard_router_requests_totals{color="green"} 5',
].join("\n");

describe("parseRouterCounts", () => {
    test.each([
        ["the exporter's text: the counter summed by colour, other series ignored", EXPORTER_TEXT, { blue: 910, green: 90 }],
        ["no request yet", "# TYPE switchyard_router_requests_total counter\n", {}],
        ["a line without a colour", "switchyard_router_requests_total 4", {}],
        ["a value that is not a number", 'switchyard_router_requests_total{color="blue"} NaNx', {}],
    ])("%s", (_name, text, expected) => {
        expect(parseRouterCounts(text)).toEqual(expected);
    });
});

describe("shareBetween", () => {
    test.each([
        ["10% to green", { blue: 100, green: 10 }, { blue: 190, green: 20 }, { share: { blue: 0.9, green: 0.1 }, requests: 100 }],
        ["no request in between", { blue: 5 }, { blue: 5 }, { share: {}, requests: 0 }],
        ["a colour seen for the first time", { blue: 5 }, { blue: 5, green: 4 }, { share: { blue: 0, green: 1 }, requests: 4 }],
        [
            "the exporter restarted: counts from 0",
            { blue: 500 },
            { blue: 30, green: 10 },
            { share: { blue: 0.75, green: 0.25 }, requests: 40 },
        ],
    ])("%s", (_name, before, after, expected) => {
        expect(shareBetween(before, after)).toEqual(expected);
    });

    test("shares of any readings sum to 1 when there were requests", () => {
        for (let i = 0; i < 200; i++) {
            const before = { blue: Math.floor(Math.random() * 1000), green: Math.floor(Math.random() * 1000) };
            const after = { blue: before.blue + Math.floor(Math.random() * 50), green: before.green + Math.floor(Math.random() * 50) };
            const r = shareBetween(before, after);
            if (r.requests > 0) {
                expect(Object.values(r.share).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
            } else {
                expect(r.share).toEqual({});
            }
        }
    });
});

describe("routersOf", () => {
    test("several hosts: one router per host, from the hosts output", () => {
        const outputs = {
            routerContainer: "s-router",
            hosts: [
                { name: "web-1", host: "ssh://a", routerContainer: "s-router", routerConfigSha256: "x" },
                { name: "web-2", host: "ssh://b", routerContainer: "s-router", routerConfigSha256: "y" },
            ],
        };
        expect(routersOf(outputs, "unix:///var/run/docker.sock", "fallback")).toEqual([
            { name: "web-1", host: "ssh://a", container: "s-router" },
            { name: "web-2", host: "ssh://b", container: "s-router" },
        ]);
    });

    test.each([
        ["the stack's router", { routerContainer: "s-router" }, "s-router"],
        ["a stack without outputs yet", {}, "fallback"],
    ])("one host: %s", (_name, outputs, container) => {
        expect(routersOf(outputs, "unix:///x", "fallback")).toEqual([{ name: "", host: "unix:///x", container }]);
    });
});
