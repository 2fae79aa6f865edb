/**
 * Builds a `promtool test rules` file: synthetic series (15 s samples, 30 min) for each alert, with
 * the alert expected to be absent, then firing, then cleared. Expected labels are written out here;
 * expected annotations are the rendered templates with `{{ $labels.color }}` expanded.
 */
import { parse } from "yaml";
import { ALERTS, RELEASE_IN_PROGRESS } from "../../../components/observability/alertRules";
import { JOBS, ROUTER_LATENCY_BUCKETS, ROUTER_METRICS as R } from "../../../components/observability/metricNames";

export const STEP_SECONDS = 15;
export const SAMPLES = 121; // 0..30 min

type Color = "blue" | "green";
interface RenderedRule {
    alert?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}
interface InputSeries {
    series: string;
    values: string;
}
interface ExpectedAlert {
    exp_labels: Record<string, string>;
    exp_annotations: Record<string, string>;
}

/** Counter from per-step increments: inc(stepIndex) for steps 1..SAMPLES-1. */
export function counter(inc: (step: number) => number): string {
    const out: number[] = [0];
    for (let i = 1; i < SAMPLES; i++) out.push(+(out[i - 1] + inc(i)).toFixed(6));
    return out.join(" ");
}
const constant = (v: number) => `${v}x${SAMPLES - 1}`;
/** Step index of a time in minutes. */
const at = (min: number) => (min * 60) / STEP_SECONDS;
/** true while step is in [fromMin, toMin). */
const during = (step: number, fromMin: number, toMin: number) => step > at(fromMin) && step <= at(toMin);

export function buildRuleTests(rulesYaml: string, ruleFile: string, stack: string): string {
    const rules = (parse(rulesYaml) as { groups: { rules: RenderedRule[] }[] }).groups[0].rules;
    const sel = (labels: Record<string, string>) =>
        `{${Object.entries({ stack, ...labels })
            .map(([k, v]) => `${k}="${v}"`)
            .join(",")}}`;
    const expected = (alertname: string, color: Color, phase?: "steady" | "release"): ExpectedAlert => {
        const rule = rules.find((r) => r.alert === alertname && (phase === undefined || r.labels?.phase === phase));
        if (!rule || !rule.labels || !rule.annotations) throw new Error(`rendered rules lack ${alertname} ${phase ?? ""}`);
        const ann = Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, v.split("{{ $labels.color }}").join(color)]));
        return { exp_labels: { color, ...rule.labels }, exp_annotations: ann };
    };
    const weights = (blue: number, green: number): InputSeries[] => [
        { series: `${R.colorWeightRatio}${sel({ color: "blue" })}`, values: constant(blue) },
        { series: `${R.colorWeightRatio}${sel({ color: "green" })}`, values: constant(green) },
    ];
    const oneConfig: InputSeries = {
        series: `${R.configLastSeen}${sel({ active_color: "blue", config_sha256: "aaaaaaaa" })}`,
        values: constant(1),
    };
    const requests = (color: Color, cls: string, inc: (s: number) => number): InputSeries => ({
        series: `${R.requestsTotal}${sel({ color, status_class: cls })}`,
        values: counter(inc),
    });
    /** Latency histogram: `perStep` requests per step at <= 10 ms, except `slow(step).n` of them in bucket `slow(step).le`. */
    const latency = (color: Color, perStep: number, slow: (s: number) => { le: number; n: number }): InputSeries[] =>
        [...ROUTER_LATENCY_BUCKETS.map(String), "+Inf"].map((le) => {
            const bound = le === "+Inf" ? Infinity : Number(le);
            return {
                series: `${R.requestDurationSeconds}_bucket${sel({ color, le })}`,
                values: counter((s) => {
                    const x = slow(s);
                    return (bound >= 0.01 ? perStep - x.n : 0) + (bound >= x.le ? x.n : 0);
                }),
            };
        });
    const none = { le: 0.01, n: 0 };
    const alertTests = (alertname: string, cases: [number, ExpectedAlert[]][]) =>
        cases.map(([min, exp]) => ({ eval_time: `${min}m`, alertname, exp_alerts: exp }));

    const tests = [
        {
            name: "error rate, steady: 0.33% on blue from 5m to 15m fires the steady alert only",
            input_series: [
                ...weights(1, 0),
                oneConfig,
                requests("blue", "2xx", () => 600),
                requests("blue", "5xx", (s) => (during(s, 5, 15) ? 2 : 0)),
            ],
            alert_rule_test: alertTests(ALERTS.errorRate, [
                [4, []],
                [10, [expected(ALERTS.errorRate, "blue", "steady")]],
                [20, []],
            ]),
            promql_expr_test: [
                {
                    expr: `${RELEASE_IN_PROGRESS}{stack="${stack}"}`,
                    eval_time: "10m",
                    exp_samples: [{ labels: `${RELEASE_IN_PROGRESS}${sel({})}`, value: 0 }],
                },
            ],
        },
        {
            name: "error rate, release (traffic split): 0.3% is tolerated, 1% on green fires the release alert",
            input_series: [
                ...weights(0.9, 0.1),
                oneConfig,
                requests("blue", "2xx", () => 540),
                requests("green", "2xx", () => 60),
                requests("green", "5xx", (s) => (during(s, 0, 10) ? 0.18 : during(s, 10, 20) ? 0.6 : 0)),
            ],
            alert_rule_test: alertTests(ALERTS.errorRate, [
                [8, []],
                [17, [expected(ALERTS.errorRate, "green", "release")]],
                [28, []],
            ]),
            promql_expr_test: [
                {
                    expr: `${RELEASE_IN_PROGRESS}{stack="${stack}"}`,
                    eval_time: "8m",
                    exp_samples: [{ labels: `${RELEASE_IN_PROGRESS}${sel({})}`, value: 1 }],
                },
            ],
        },
        {
            name: "release window: a router config change at 5m counts as a release for 10m",
            input_series: [
                ...weights(1, 0),
                { series: `${R.configLastSeen}${sel({ active_color: "blue", config_sha256: "aaaaaaaa" })}`, values: `1x20 stale` },
                { series: `${R.configLastSeen}${sel({ active_color: "green", config_sha256: "bbbbbbbb" })}`, values: `_x20 1x100` },
            ],
            promql_expr_test: [4, 6, 14, 20].map((min) => ({
                expr: `${RELEASE_IN_PROGRESS}{stack="${stack}"}`,
                eval_time: `${min}m`,
                exp_samples: [{ labels: `${RELEASE_IN_PROGRESS}${sel({})}`, value: min >= 5 && min < 15 ? 1 : 0 }],
            })),
        },
        {
            name: "p95, steady: 10% of blue requests at 50-100 ms from 5m to 20m",
            input_series: [...weights(1, 0), oneConfig, ...latency("blue", 100, (s) => (during(s, 5, 20) ? { le: 0.1, n: 10 } : none))],
            alert_rule_test: alertTests(ALERTS.latencyP95, [
                [4, []],
                [15, [expected(ALERTS.latencyP95, "blue", "steady")]],
                [28, []],
            ]),
        },
        {
            name: "p95, release: 75 ms is tolerated, 2.25 s on green fires the release alert",
            input_series: [
                ...weights(0.9, 0.1),
                oneConfig,
                ...latency("green", 100, (s) => (during(s, 0, 10) ? { le: 0.1, n: 10 } : during(s, 10, 20) ? { le: 2.5, n: 10 } : none)),
            ],
            alert_rule_test: alertTests(ALERTS.latencyP95, [
                [8, []],
                [18, [expected(ALERTS.latencyP95, "green", "release")]],
                [28, []],
            ]),
        },
        {
            name: "no healthy container: green-0 down at 5m, green-1 down at 8m, both back at 15m",
            input_series: [
                { series: `up${sel({ job: JOBS.app, color: "blue", container: "b0" })}`, values: constant(1) },
                { series: `up${sel({ job: JOBS.app, color: "green", container: "g0" })}`, values: `1x19 0x40 1x60` },
                { series: `up${sel({ job: JOBS.app, color: "green", container: "g1" })}`, values: `1x31 0x28 1x60` },
            ],
            alert_rule_test: alertTests(ALERTS.noHealthyContainer, [
                [7, []],
                [12, [expected(ALERTS.noHealthyContainer, "green")]],
                [20, []],
            ]),
        },
        {
            name: "traffic share: green (weight 10%) gets nothing from 10m to 20m",
            input_series: [
                ...weights(0.9, 0.1),
                oneConfig,
                requests("blue", "2xx", (s) => (during(s, 10, 20) ? 60 : 54)),
                requests("green", "2xx", (s) => (during(s, 10, 20) ? 0 : 6)),
            ],
            alert_rule_test: alertTests(ALERTS.trafficShare, [
                [8, []],
                [18, [expected(ALERTS.trafficShare, "blue"), expected(ALERTS.trafficShare, "green")]],
                [29, []],
            ]),
        },
        {
            name: "traffic share: a weighted colour that never got a request still counts (share 0)",
            input_series: [...weights(0.9, 0.1), oneConfig, requests("blue", "2xx", () => 60)],
            alert_rule_test: alertTests(ALERTS.trafficShare, [
                [3, []],
                [10, [expected(ALERTS.trafficShare, "blue"), expected(ALERTS.trafficShare, "green")]],
            ]),
        },
        {
            name: "traffic share: not judged below the minimum request rate (0.6 req/s)",
            input_series: [...weights(0.9, 0.1), oneConfig, requests("blue", "2xx", () => 9)],
            alert_rule_test: alertTests(ALERTS.trafficShare, [[10, []]]),
        },
    ];
    const withInterval = tests.map((t) => ({ interval: `${STEP_SECONDS}s`, ...t }));
    return JSON.stringify({ rule_files: [ruleFile], evaluation_interval: `${STEP_SECONDS}s`, tests: withInterval }, null, 1);
}
