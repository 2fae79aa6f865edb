// Imported first by monitoring.test.ts: its own stack and router port (the harness reads these at import).
process.env.SWITCHYARD_E2E_STACK = process.env.SWITCHYARD_E2E_MON_STACK ?? "e2e-mon";
process.env.SWITCHYARD_E2E_PORT = process.env.SWITCHYARD_E2E_MON_PORT ?? "18380";
export const PROMETHEUS_PORT = Number(process.env.SWITCHYARD_E2E_MON_PROMETHEUS_PORT ?? 18390);
