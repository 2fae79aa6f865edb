// Imported first by releaseDriver.test.ts: its own stack, router port and Prometheus port (the harness reads these at import).
process.env.SWITCHYARD_E2E_STACK = process.env.SWITCHYARD_E2E_REL_STACK ?? "e2e-rel";
process.env.SWITCHYARD_E2E_PORT = process.env.SWITCHYARD_E2E_REL_PORT ?? "18580";
export const PROMETHEUS_PORT = Number(process.env.SWITCHYARD_E2E_REL_PROMETHEUS_PORT ?? 18590);
