/**
 * Seed alert thresholds, shared by the config defaults and the alert rule renderer: 0.1% errors and
 * p95 50 ms in steady state; 0.5% and 2 s while a release is in progress.
 */
export const DEFAULT_ALERT_THRESHOLDS = {
    steady: { errorRatio: 0.001, p95Seconds: 0.05 },
    release: { errorRatio: 0.005, p95Seconds: 2 },
} as const;
