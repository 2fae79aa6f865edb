import { findings, parseBenchArgs } from "./run";
import { BenchRow } from "./report";
import { spread } from "./stats";

const r = (section: string, command: string, load: string, metric: string, values: number[]): BenchRow => ({
    section,
    command,
    load,
    metric,
    spread: spread(values),
});

describe("bench arguments", () => {
    test("defaults: the local stack, 5 runs of 5 s, every section", () => {
        expect(parseBenchArgs([])).toMatchObject({
            stack: "local",
            runs: 5,
            seconds: 5,
            only: ["router", "switch", "release", "engine", "canary", "backup"],
            replicas: [2, 4, 8, 16],
            smoke: false,
        });
    });
    test("--smoke is one 1-second run whatever --runs says", () => {
        expect(parseBenchArgs(["--smoke", "--runs", "9", "--replicas", "8"])).toMatchObject({
            runs: 1,
            seconds: 1,
            smoke: true,
            replicas: [2],
        });
    });
    test("--replicas picks the engine rows' sizes", () => {
        expect(parseBenchArgs(["--replicas", "2, 4"]).replicas).toEqual([2, 4]);
    });
    test.each([
        [["--runs", "0"], /--runs must be a whole number of at least 1, got '0'/],
        [["--runs", "2.5"], /--runs must be a whole number/],
        [["--seconds", "x"], /--seconds must be a whole number/],
        [["--replicas", "2,0"], /--replicas must be a whole number of at least 1, got '0'/],
        [["--replicas", "4,"], /--replicas must be a whole number of at least 1, got ''/],
        [["--only", "router,speed"], /--only: unknown section\(s\) speed; choose from router, switch, release, engine, canary, backup/],
    ])("%j is refused", (argv, message) => {
        expect(() => parseBenchArgs(argv)).toThrow(message);
    });
});

describe("findings", () => {
    test("router overhead, flip and preview goals, and growth per engine command", () => {
        const rows = [
            r("router", "direct to one blue container", "500 req/s keep-alive GET", "p99 ms", [4, 5, 6]),
            r("router", "through the router (published port)", "500 req/s keep-alive GET", "p99 ms", [6.5, 7.5, 9]),
            r("router", "through the router (container address)", "500 req/s keep-alive GET", "p99 ms", [5, 5.8, 7]),
            r("release", "switchyard release (promoted)", "200 req/s", "wall s", [30, 32, 40]),
            r("release", "switchyard release, canary killed at its first step", "200 req/s", "kill to canary 0% s", [1.5, 2, 2.5]),
            r("switch", "switchyard flip (config set activeColor + up)", "500 req/s keep-alive GET", "wall s", [4, 4.5, 6]),
            ...[2, 4, 8, 16].map((n) => r("engine", "no-op preview", `${n} replicas per colour`, "wall s", [4.8])),
            ...[2, 4, 8, 16].map((n) => r("engine", "flip (config set + up)", `${n} replicas per colour`, "wall s", [4 + n])),
        ];
        expect(findings(rows)).toEqual([
            "router p99 overhead at 500 req/s keep-alive GET, (container address): 0.80 ms (goal ≤ 1 ms: met)",
            "router p99 overhead at 500 req/s keep-alive GET, (published port): 2.50 ms (goal ≤ 1 ms: missed by 1.50 ms)",
            "flip wall time median 4.50 s (goal ≤ 5 s: met)",
            "release driver: canary at 0% 2.00 s after its containers were killed; a full release 32.0 s (median)",
            "no-op preview median 4.80 s at 2 replicas (goal ≤ 5 s: met)",
            "no-op preview: constant in replicas (2: 4.8 s, 4: 4.8 s, 8: 4.8 s, 16: 4.8 s)",
            "flip (config set + up): linear in replicas (2: 6.0 s, 4: 8.0 s, 8: 12.0 s, 16: 20.0 s)",
        ]);
    });
    test("nothing measured, nothing concluded", () => {
        expect(findings([])).toEqual([]);
    });
});
