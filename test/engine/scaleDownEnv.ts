// Imported first by scaleDown.test.ts: its own stack and router port (the harness reads these at import).
process.env.SWITCHYARD_E2E_STACK = process.env.SWITCHYARD_E2E_SCALE_STACK ?? "e2e-scale";
process.env.SWITCHYARD_E2E_PORT = process.env.SWITCHYARD_E2E_SCALE_PORT ?? "18920";

export {};
