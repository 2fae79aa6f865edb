/**
 * Real engine: the smoke version of `npm run bench` (one short run of every section) on a stack of
 * its own (`e2e-bench`, router port 18050, Prometheus 18059 for the release driver). It proves the benchmarks run and measure what they say
 * (a flip loses nothing, the measured canary share is the configured one, every figure is a number)
 * and that the bench leaves the stack's config as it found it. It asserts no speed.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

process.env.SWITCHYARD_E2E_STACK = "e2e-bench";
process.env.SWITCHYARD_E2E_PORT = "18050";
// The harness reads the stack name and port when it loads: load it after setting them.
const h: typeof import("./harness") = require("./harness");
import type { BenchReport } from "../../tools/bench/report";

jest.setTimeout(20 * 60_000);

let outDir = "";
afterAll(async () => {
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
    await h.destroyStack();
});

test("npm run bench --smoke: every section measures, a flip loses nothing, config is put back", async () => {
    await h.freshStack({
        ...h.baseConfig(),
        "switchyard:monitoring": {
            enabled: true,
            prometheus: { mode: "container", image: "switchyard/prometheus:local", port: 18059 },
        },
    });
    await h.up();
    const configBefore = fs.readFileSync(path.join(h.ROOT, `Pulumi.${h.STACK}.yaml`), "utf8");
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), "sy-bench-"));
    const { bench, parseBenchArgs } = require("../../tools/bench/run") as typeof import("../../tools/bench/run");
    const { renderReport } = require("../../tools/bench/report") as typeof import("../../tools/bench/report");
    const t0 = Date.now();
    let report: BenchReport;
    try {
        report = await bench(parseBenchArgs(["--stack", h.STACK, "--smoke", "--out", outDir]));
    } finally {
        expect(fs.readFileSync(path.join(h.ROOT, `Pulumi.${h.STACK}.yaml`), "utf8")).toBe(configBefore);
    }
    process.stdout.write(renderReport(report));

    expect(report.errors).toEqual([]);
    const sections = new Set(report.rows.map((r) => r.section));
    expect([...sections].sort()).toEqual(["backup", "canary", "engine", "release", "router", "switch"]);
    for (const r of report.rows) {
        expect({ row: `${r.section} ${r.command} ${r.load} ${r.metric}`, finite: Number.isFinite(r.spread.median) }).toEqual({
            row: `${r.section} ${r.command} ${r.load} ${r.metric}`,
            finite: true,
        });
    }
    const value = (section: string, prefix: string, metric: string) => {
        const r = report.rows.find((x) => x.section === section && x.command.startsWith(prefix) && x.metric === metric);
        if (!r) throw new Error(`no ${section} row ${prefix}… ${metric}`);
        return r.spread.median;
    };
    // Zero-drop flips are the promise the bench compares against the script.
    expect(value("switch", "switchyard flip", "failed requests")).toBe(0);
    expect(value("switch", "switchyard flip", "requests sent")).toBeGreaterThan(0);
    expect(value("switch", "docker stop + docker run", "wall s")).toBeGreaterThan(0);
    expect(value("router", "through the router (published port)", "failed requests")).toBe(0);
    // A promoted release moves traffic as a flip does: nothing lost.
    expect(value("release", "switchyard release (promoted)", "failed requests")).toBe(0);
    // nginx's smooth weighted round-robin: 10% configured is 10% measured, within 2 points over 2,000 requests.
    expect(Math.abs(value("canary", "share of requests (configured 10%)", "measured %") - 10)).toBeLessThanOrEqual(2);
    expect(Math.abs(value("canary", "share of sticky clients (configured 10%)", "measured %") - 10)).toBeLessThanOrEqual(6);

    const files = fs.readdirSync(outDir);
    expect(files).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(path.join(outDir, files[0]), "utf8")).rows).toHaveLength(report.rows.length);

    const preview = await h.previewNoChanges();
    expect(preview.code).toBe(0);
    h.report("bench-smoke", { seconds: (Date.now() - t0) / 1000, rows: report.rows.length, findings: report.findings });
});
