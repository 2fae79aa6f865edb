/**
 * Prometheus alert rules for one stack, from router-measured metrics (what users get, including
 * 502/504 the apps never see) and the app scrape health.
 *
 * Two threshold sets, steady and release: a release is "in progress" while traffic is split between
 * the colours, or when the router config changed within `releaseWindow` (a blue/green cutover).
 * That state is measured (recording rule `switchyard:release_in_progress`), so the rule file does
 * not have to be re-rendered when a release starts.
 */
import { stringify } from "yaml";
import { z } from "zod";
import { DEFAULT_ALERT_THRESHOLDS } from "../../domain/alertThresholds";
import { BACKUP_METRICS, JOBS, ROUTER_METRICS } from "./metricNames";
import { durationSchema, YAML_OPTIONS } from "./prometheusConfig";
import { parse } from "./validate";

export const ALERTS = {
    errorRate: "SwitchyardErrorRateHigh",
    latencyP95: "SwitchyardLatencyP95High",
    noHealthyContainer: "SwitchyardColorNoHealthyContainer",
    trafficShare: "SwitchyardTrafficShareOffWeight",
    backupStale: "SwitchyardBackupStale",
} as const;

/** Recording rule: 1 while a release is in progress, else 0 (label `stack`). */
export const RELEASE_IN_PROGRESS = "switchyard:release_in_progress";

const ratio = z.number().gt(0).lt(1);
const thresholdSet = z
    .object({
        /** 5xx responses / all responses per colour, e.g. 0.001 for 0.1%. */
        errorRatio: ratio,
        /** p95 of the router-measured latency per colour, seconds. Best on a bucket boundary
         * (ROUTER_LATENCY_BUCKETS), else the quantile is interpolated inside a bucket. */
        p95Seconds: z.number().gt(0).max(60),
    })
    .strict();

export const AlertRulesInputSchema = z
    .object({
        stack: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, '_', '.', '-'"),
        /** @default steady 0.1% / 50 ms; release 0.5% / 2 s */
        thresholds: z
            .object({ steady: thresholdSet, release: thresholdSet })
            .strict()
            .default({ steady: { ...DEFAULT_ALERT_THRESHOLDS.steady }, release: { ...DEFAULT_ALERT_THRESHOLDS.release } }),
        /** Largest tolerated |measured share - configured weight| per colour (0.05 = 5 points). @default 0.05 */
        trafficShareTolerance: ratio.default(0.05),
        /** The share alert only judges when the router serves at least this many requests/s. @default 1 */
        minRequestsPerSecond: z.number().positive().default(1),
        /** Window of rate(). @default "1m" */
        rateWindow: durationSchema.default("1m"),
        /** How long after a router config change the release thresholds still apply. @default "10m" */
        releaseWindow: durationSchema.default("10m"),
        /** `for:` of each alert. @default errorRate 2m, latency 5m, noHealthyContainer 1m, trafficShare 5m */
        for: z
            .object({
                errorRate: durationSchema.default("2m"),
                latency: durationSchema.default("5m"),
                noHealthyContainer: durationSchema.default("1m"),
                trafficShare: durationSchema.default("5m"),
            })
            .strict()
            .default({ errorRate: "2m", latency: "5m", noHealthyContainer: "1m", trafficShare: "5m" }),
        /**
         * Scheduled backups: SwitchyardBackupStale fires when the newest verified snapshot is older than
         * maxAgeSeconds (or none is seen) or the last scheduled run failed, for `for`.
         * @default - no backup alert
         */
        backup: z.object({ maxAgeSeconds: z.number().int().positive(), for: durationSchema }).strict().optional(),
    })
    .strict()
    .refine((v) => v.thresholds.release.errorRatio >= v.thresholds.steady.errorRatio, {
        message: "thresholds.release.errorRatio must be >= thresholds.steady.errorRatio",
        path: ["thresholds", "release", "errorRatio"],
    });
export type AlertRulesInput = z.input<typeof AlertRulesInputSchema>;
type Thresholds = z.output<typeof thresholdSet>;

export interface RuleExpressions {
    releaseInProgress: string;
    errorRatio: string;
    latencyP95: string;
    noHealthyContainer: string;
    trafficShareDeviation: string;
    /** Present when `backup` is set: one series per reason (age | failed), value in seconds or 1. */
    backupStale?: string;
}

/** The PromQL behind the rules (exported for tests and for the release analysis). */
export function ruleExpressions(input: AlertRulesInput): RuleExpressions {
    const v = parse(AlertRulesInputSchema, input, "alert rules input");
    const s = `stack="${v.stack}"`;
    const R = ROUTER_METRICS;
    const w = v.rateWindow;
    const reqRate = `sum by (color) (rate(${R.requestsTotal}{${s}}[${w}]))`;
    const total = `sum(rate(${R.requestsTotal}{${s}}[${w}]))`;
    const weight = `max by (color) (${R.colorWeightRatio}{${s}})`;
    const split = `count((${R.colorWeightRatio}{${s}} > 0) < 1) > 0`;
    const configs = `count(count by (config_sha256) (last_over_time(${R.configLastSeen}{${s}}[${v.releaseWindow}]))) > 1`;
    return {
        releaseInProgress:
            `label_replace(clamp_max(max_over_time((${split})[${v.releaseWindow}:]) or (${configs}), 1) or vector(0), ` +
            `"stack", "${v.stack}", "", "")`,
        errorRatio: `sum by (color) (rate(${R.requestsTotal}{${s},status_class="5xx"}[${w}])) / ${reqRate}`,
        latencyP95: `histogram_quantile(0.95, sum by (color, le) (rate(${R.requestDurationSeconds}_bucket{${s}}[${w}])))`,
        noHealthyContainer: `max by (color) (up{job="${JOBS.app}",${s}}) == 0`,
        trafficShareDeviation:
            `abs(((${reqRate} / scalar(${total})) or on (color) (${weight} * 0)) - on (color) ${weight})` +
            ` and on () (${total} >= ${v.minRequestsPerSecond})`,
        ...(v.backup ? { backupStale: backupStaleExpr(v.stack, v.backup.maxAgeSeconds) } : {}),
    };
}

/**
 * Too old: time since the newest complete snapshot above the limit, or no such series at all (no
 * snapshot, or the runner unreachable). Failed: the last scheduled run failed. Each carries `reason`.
 */
function backupStaleExpr(stack: string, maxAgeSeconds: number): string {
    const s = `stack="${stack}"`;
    const B = BACKUP_METRICS;
    const age = `(time() - max(${B.newestSnapshotTimestamp}{${s}}) > ${maxAgeSeconds})`;
    const absent = `absent(${B.newestSnapshotTimestamp}{${s}})`;
    const failed = `max(${B.lastRunSuccess}{${s}}) == 0`;
    return `label_replace(${age} or ${absent}, "reason", "age", "", "") ` + `or label_replace(${failed}, "reason", "failed", "", "")`;
}

/** Renders the rule file (recording rule + alerts) for one stack. Deterministic. */
export function renderAlertRules(input: AlertRulesInput): string {
    const v = parse(AlertRulesInputSchema, input, "alert rules input");
    const e = ruleExpressions(input);
    const gate = (inRelease: boolean) => `and on () (${RELEASE_IN_PROGRESS}{stack="${v.stack}"} == ${inRelease ? 1 : 0})`;
    const phases = [
        { phase: "steady", inRelease: false, t: v.thresholds.steady },
        { phase: "release", inRelease: true, t: v.thresholds.release },
    ] as const;
    const labels = (phase: string | undefined, severity: string) => ({
        stack: v.stack,
        ...(phase ? { phase } : {}),
        severity,
    });
    const rules: object[] = [{ record: RELEASE_IN_PROGRESS, expr: e.releaseInProgress }];
    // Each phased alert once per phase, in this order: the rule file stays byte-identical.
    const phased = [
        {
            alert: ALERTS.errorRate,
            expr: e.errorRatio,
            for: v.for.errorRate,
            severity: "critical",
            limit: (t: Thresholds) => ({ value: t.errorRatio, shown: pct(t.errorRatio) }),
            summary: "Error rate",
            description: `5xx share of the requests the router sent to {{ $labels.color }} over ${v.rateWindow} exceeds`,
        },
        {
            alert: ALERTS.latencyP95,
            expr: e.latencyP95,
            for: v.for.latency,
            severity: "warning",
            limit: (t: Thresholds) => ({ value: t.p95Seconds, shown: ms(t.p95Seconds) }),
            summary: "p95 latency",
            description: `Router-measured p95 latency of {{ $labels.color }} over ${v.rateWindow} exceeds`,
        },
    ];
    for (const a of phased) {
        for (const p of phases) {
            const limit = a.limit(p.t);
            rules.push({
                alert: a.alert,
                expr: `(${a.expr}) > ${num(limit.value)} ${gate(p.inRelease)}`,
                for: a.for,
                labels: labels(p.phase, a.severity),
                annotations: {
                    summary: `${a.summary} of {{ $labels.color }} above ${limit.shown} (${p.phase})`,
                    description: `${a.description} ${limit.shown}.`,
                },
            });
        }
    }
    rules.push({
        alert: ALERTS.noHealthyContainer,
        expr: e.noHealthyContainer,
        for: v.for.noHealthyContainer,
        labels: labels(undefined, "critical"),
        annotations: {
            summary: `No healthy {{ $labels.color }} container`,
            description: `Every {{ $labels.color }} container of stack ${v.stack} fails its metrics scrape.`,
        },
    });
    rules.push({
        alert: ALERTS.trafficShare,
        expr: `(${e.trafficShareDeviation}) > ${num(v.trafficShareTolerance)}`,
        for: v.for.trafficShare,
        labels: labels(undefined, "warning"),
        annotations: {
            summary: `Traffic share of {{ $labels.color }} off its configured weight`,
            description: `The share of requests the router sends to {{ $labels.color }} differs from its configured weight by more than ${+(v.trafficShareTolerance * 100).toPrecision(6)} percentage points.`,
        },
    });
    if (v.backup && e.backupStale) {
        rules.push({
            alert: ALERTS.backupStale,
            expr: e.backupStale,
            for: v.backup.for,
            labels: labels(undefined, "critical"),
            annotations: {
                summary: `Backups of stack ${v.stack} are stale or failing ({{ $labels.reason }})`,
                description:
                    `The newest verified snapshot of stack ${v.stack} is older than ${v.backup.maxAgeSeconds} s (or none is seen), ` +
                    "or the last scheduled run failed: see the backup runner's log (docker logs <stack>-backup-runner).",
            },
        });
    }
    return stringify({ groups: [{ name: `switchyard-${v.stack}`, rules }] }, YAML_OPTIONS);
}

function num(x: number): string {
    return String(x);
}
function pct(x: number): string {
    return `${+(x * 100).toPrecision(6)}%`;
}
function ms(x: number): string {
    return x >= 1 ? `${+x.toPrecision(6)}s` : `${+(x * 1000).toPrecision(6)}ms`;
}
