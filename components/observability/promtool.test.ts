/**
 * promtool (Debian prometheus package) on what the program renders: check config, check rules,
 * and rule unit tests that fire and clear every alert on synthetic series.
 */
import * as fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ALERTS, renderAlertRules } from "./alertRules";
import { BACKUP_METRICS } from "./metricNames";
import { AppTarget, renderPrometheusConfig } from "./prometheusConfig";
import { parseStackConfig } from "../../config/parse";
import { buildRuleTests } from "../../test/support/observability/ruleTestFile";
import { run, tempDir } from "../../test/support/observability/tools";

const dir = tempDir("promtool");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
}

const targets: AppTarget[] = [
    { address: "switchyard-dev-blue-0:8080", color: "blue", version: "1.4.0", container: "switchyard-dev-blue-0" },
    { address: "switchyard-dev-blue-1:8080", color: "blue", version: "1.4.0", container: "switchyard-dev-blue-1" },
    { address: "switchyard-dev-green-0:8080", color: "green", version: "1.5.0-rc.1", container: "switchyard-dev-green-0" },
];

describe("promtool check", () => {
    test("check config passes on the rendered config with its rule file", () => {
        write("rules.yml", renderAlertRules({ stack: "dev" }));
        const cfg = write(
            "prometheus.yml",
            renderPrometheusConfig({
                stack: "dev",
                appTargets: targets,
                router: { address: "switchyard-dev-router:3903" },
                ruleFiles: ["rules.yml"],
            }),
        );
        const r = run("promtool", ["check", "config", cfg]);
        expect(r.output).toContain("SUCCESS: 1 rule files found");
        expect(r.status).toBe(0);
    });

    test.each([
        ["defaults", { stack: "dev" }],
        [
            "custom thresholds",
            {
                stack: "prod",
                thresholds: { steady: { errorRatio: 0.002, p95Seconds: 0.1 }, release: { errorRatio: 0.01, p95Seconds: 2.5 } },
                rateWindow: "2m",
                trafficShareTolerance: 0.02,
            },
        ],
    ])("check rules passes (%s): 1 recording rule + 6 alerts", (_n, input) => {
        const r = run("promtool", ["check", "rules", write(`rules-${_n.replace(/ /g, "-")}.yml`, renderAlertRules(input))]);
        expect(r.output).toContain("SUCCESS: 7 rules found");
        expect(r.status).toBe(0);
    });

    test("check config fails on a config promtool must reject (the check is real)", () => {
        const bad = renderPrometheusConfig({ stack: "dev", appTargets: targets, router: { address: "r:3903" } }).replace(
            "scrape_interval: 15s",
            "scrape_interval: fifteen",
        );
        const r = run("promtool", ["check", "config", write("bad.yml", bad)]);
        expect(r.status).not.toBe(0);
    });

    test("property: random valid inputs render configs promtool accepts (a handful: promtool is slow)", () => {
        const target = fc.record({
            host: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/),
            port: fc.integer({ min: 1, max: 65535 }),
            color: fc.constantFrom("blue" as const, "green" as const),
            version: fc.stringMatching(/^\d{1,3}\.\d{1,3}\.\d{1,3}(-[a-z0-9.]{1,10})?$/),
        });
        fc.assert(
            fc.property(
                fc.uniqueArray(target, { selector: (t) => t.host, maxLength: 6 }),
                fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
                fc.constantFrom("5s", "15s", "1m"),
                (ts, stack, interval) => {
                    const text = renderPrometheusConfig({
                        stack,
                        scrapeInterval: interval,
                        appTargets: ts.map((t) => ({
                            address: `${t.host}:${t.port}`,
                            color: t.color,
                            version: t.version,
                            container: t.host,
                        })),
                        router: { address: "router:3903" },
                    });
                    const r = run("promtool", ["check", "config", write("prop.yml", text)]);
                    if (r.status !== 0) throw new Error(r.output);
                },
            ),
            { numRuns: 5, seed: 42 },
        );
    });
});

describe("every monitoring config the schema accepts passes promtool", () => {
    // Stack names YAML would read as other types, versions with long prereleases and build
    // metadata, odd intervals and thresholds: refused by the schema, or accepted by promtool.
    const identifier = fc.stringMatching(/^[0-9A-Za-z-]{1,12}$/);
    const generated = fc
        .tuple(
            fc.nat(999),
            fc.nat(999),
            fc.nat(999),
            fc.option(fc.array(identifier, { minLength: 1, maxLength: 8 }), { nil: undefined }),
            fc.option(fc.array(identifier, { minLength: 1, maxLength: 3 }), { nil: undefined }),
        )
        .map(([a, b, c, pre, build]) => `${a}.${b}.${c}${pre ? `-${pre.join(".")}` : ""}${build ? `+${build.join(".")}` : ""}`);
    const version = fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom("1.0.0", "2.3.4-rc.1", "10.20.30+build.7", "1.0.0-alpha-1.beta.2+sha.0a1b2c3") },
        { weight: 1, arbitrary: generated },
    );
    const raw = fc.record({
        stack: fc.oneof(
            // Valid stack names that YAML would read as null, booleans or numbers when unquoted.
            { weight: 3, arbitrary: fc.constantFrom("null", "true", "yes", "no", "1e3", "0x1F", "1.0", "on", "a.b-c_d") },
            { weight: 2, arbitrary: fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,20}$/) },
            { weight: 1, arbitrary: fc.constantFrom("-1", "~", "a b", "a:b") },
        ),
        blue: version,
        green: version,
        scrapeInterval: fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom("15s", "1m", "500ms", "1h30m", "1d", "90s") },
            { weight: 1, arbitrary: fc.constantFrom("0s", "15", "1y", "-1s", "15 s") },
        ),
        errorRatio: fc.oneof(
            { weight: 4, arbitrary: fc.double({ min: 0.0001, max: 0.9999, noNaN: true }) },
            { weight: 1, arbitrary: fc.constantFrom(0, 1, 1.5) },
        ),
        p95Seconds: fc.oneof(
            { weight: 4, arbitrary: fc.double({ min: 0.001, max: 60, noNaN: true }) },
            { weight: 1, arbitrary: fc.constantFrom(0, 61) },
        ),
    });
    test("for 10 generated configs (promtool is slow)", () => {
        let accepted = 0;
        fc.assert(
            fc.property(raw, (r) => {
                const parsed = parseStackConfig(
                    r.stack,
                    {
                        activeColor: "blue",
                        colors: { blue: { version: r.blue }, green: { version: r.green } },
                        app: { image: "switchyard/demo-app", replicas: 2 },
                        monitoring: {
                            enabled: true,
                            prometheus: { scrapeInterval: r.scrapeInterval },
                            thresholds: { release: { errorRatio: r.errorRatio, p95Seconds: r.p95Seconds } },
                        },
                    },
                    new Set(),
                );
                if (!parsed.ok) {
                    expect(parsed.errors.every((e) => /^(switchyard:[a-z]|stack name )/.test(e))).toBe(true);
                    return;
                }
                accepted++;
                const c = parsed.config;
                const m = c.monitoring;
                write("prop-rules.yml", renderAlertRules({ stack: c.stack, thresholds: m.thresholds }));
                const text = renderPrometheusConfig({
                    stack: c.stack,
                    scrapeInterval: m.prometheus.scrapeInterval,
                    appTargets: (["blue", "green"] as const).flatMap((color) =>
                        [1, 2].map((n) => ({
                            address: `${c.stack}-${c.app.name}-${color}-${n}:${c.app.port}`,
                            color,
                            version: c.colors[color].version.semver,
                            container: `${c.stack}-${c.app.name}-${color}-${n}`,
                        })),
                    ),
                    router: { address: `${c.stack}-router:3903` },
                    ruleFiles: ["prop-rules.yml"],
                });
                const r2 = run("promtool", ["check", "config", write("prop-config.yml", text)]);
                if (r2.status !== 0) throw new Error(`${r2.output}\n--- config ---\n${text}`);
            }),
            { numRuns: 10, seed: 11 },
        );
        expect(accepted).toBeGreaterThanOrEqual(3);
    });
});

describe("promtool test rules", () => {
    test("every alert fires and clears on synthetic series (generated tests pass)", () => {
        const rules = renderAlertRules({ stack: "t" });
        write("rules-t.yml", rules);
        const testFile = write("tests.json", buildRuleTests(rules, "rules-t.yml", "t"));
        const covered = new Set(
            (JSON.parse(fs.readFileSync(testFile, "utf8")).tests as { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[])
                .flatMap((t) => t.alert_rule_test ?? [])
                .filter((a) => a.exp_alerts.length > 0)
                .map((a) => a.alertname),
        );
        // The backup alert is only rendered with scheduled backups: tested on its own below.
        expect([...covered].sort()).toEqual(
            Object.values(ALERTS)
                .filter((a) => a !== ALERTS.backupStale)
                .sort(),
        );
        const r = run("promtool", ["test", "rules", testFile], dir);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });

    test.each([
        [
            "steady error threshold raised to 0.5%",
            { thresholds: { steady: { errorRatio: 0.005, p95Seconds: 0.05 }, release: { errorRatio: 0.005, p95Seconds: 2 } } },
            ["error rate, steady"],
        ],
        [
            "release p95 threshold raised to 2.5 s",
            { thresholds: { steady: { errorRatio: 0.001, p95Seconds: 0.05 }, release: { errorRatio: 0.005, p95Seconds: 2.5 } } },
            ["p95, release"],
        ],
        [
            "traffic tolerance widened to 20 points",
            { trafficShareTolerance: 0.2 },
            ["traffic share: green (weight 10%)", "traffic share: a weighted colour"],
        ],
    ])("the same scenarios fail when a threshold changes (%s): the alert no longer fires", (_n, change, failingTests) => {
        // expected annotations come from the changed rules, so only the firing can differ
        const changed = renderAlertRules({ stack: "t", ...change });
        write("rules-m.yml", changed);
        const r = run("promtool", ["test", "rules", write("tests-m.json", buildRuleTests(changed, "rules-m.yml", "t"))], dir);
        expect(r.status).not.toBe(0);
        const failures = r.output.split(/^ *name: /m).slice(1);
        expect(failures.map((f) => failingTests.find((n) => f.startsWith(n)))).toEqual(failingTests);
        for (const f of failures) expect(f).toContain("got:[]");
    });
});

describe("promtool test rules: SwitchyardBackupStale", () => {
    const stack = "t";
    const rules = renderAlertRules({ stack, backup: { maxAgeSeconds: 600, for: "1m" } });
    const rule = (
        parse(rules) as { groups: { rules: { alert?: string; labels: object; annotations: Record<string, string> }[] }[] }
    ).groups[0].rules.find((r) => r.alert === ALERTS.backupStale)!;
    const firing = (reason: string) => [
        {
            exp_labels: { reason, ...rule.labels },
            exp_annotations: Object.fromEntries(
                Object.entries(rule.annotations).map(([k, v]) => [k, v.split("{{ $labels.reason }}").join(reason)]),
            ),
        },
    ];
    const newest = (values: string) => ({ series: `${BACKUP_METRICS.newestSnapshotTimestamp}{stack="${stack}"}`, values });
    const success = (values: string) => ({ series: `${BACKUP_METRICS.lastRunSuccess}{stack="${stack}"}`, values });
    const alertAt = (min: number, exp: unknown[]) => ({ eval_time: `${min}m`, alertname: ALERTS.backupStale, exp_alerts: exp });
    // 1-minute samples; "0+60x30": a snapshot every minute (never older than a minute).
    const cases = [
        {
            name: "newest snapshot older than the limit (taken at 0, limit 10 min, for 1 min)",
            input_series: [newest("0x30"), success("1x30")],
            alert_rule_test: [alertAt(9, []), alertAt(10, []), alertAt(12, firing("age"))],
        },
        {
            name: "last run failed at 11 min, succeeded again at 16 min",
            input_series: [newest("0+60x30"), success("1x10 0x5 1x15")],
            alert_rule_test: [alertAt(10, []), alertAt(11, []), alertAt(13, firing("failed")), alertAt(20, [])],
        },
        {
            name: "no snapshot seen at all",
            input_series: [success("1x30")],
            alert_rule_test: [alertAt(0, []), alertAt(2, firing("age"))],
        },
        {
            name: "fresh snapshots and good runs: never fires",
            input_series: [newest("0+60x30"), success("1x30")],
            alert_rule_test: [alertAt(5, []), alertAt(29, [])],
        },
    ];

    test("fires on age, on a failed run and on no snapshot; clears when runs succeed again", () => {
        write("rules-b.yml", rules);
        const file = write(
            "tests-b.json",
            JSON.stringify({
                rule_files: ["rules-b.yml"],
                evaluation_interval: "1m",
                tests: cases.map((c) => ({
                    name: c.name,
                    interval: "1m",
                    input_series: c.input_series,
                    alert_rule_test: c.alert_rule_test,
                })),
            }),
        );
        const r = run("promtool", ["test", "rules", file], dir);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });

    test("the same scenarios fail with a 20-minute limit: the age alert no longer fires (the test is real)", () => {
        write("rules-b2.yml", renderAlertRules({ stack, backup: { maxAgeSeconds: 1200, for: "1m" } }));
        const file = write(
            "tests-b2.json",
            JSON.stringify({
                rule_files: ["rules-b2.yml"],
                evaluation_interval: "1m",
                tests: [cases[0]].map((c) => ({
                    name: c.name,
                    interval: "1m",
                    input_series: c.input_series,
                    alert_rule_test: c.alert_rule_test,
                })),
            }),
        );
        const r = run("promtool", ["test", "rules", file], dir);
        expect(r.status).not.toBe(0);
        expect(r.output).toContain("got:[]");
    });

    test("check config accepts the backup scrape job", () => {
        const cfg = write(
            "prometheus-b.yml",
            renderPrometheusConfig({
                stack: "dev",
                appTargets: targets,
                router: { address: "switchyard-dev-router:3903" },
                backupRunner: { address: "dev-backup-runner:9187" },
                ruleFiles: ["rules-b.yml"],
            }),
        );
        const r = run("promtool", ["check", "config", cfg]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
        expect(fs.readFileSync(cfg, "utf8")).toContain("job_name: switchyard-backup");
    });
});
