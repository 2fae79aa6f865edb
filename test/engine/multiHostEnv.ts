// Imported first by multiHost.test.ts: its own stack and router port (the harness reads these at import).
process.env.SWITCHYARD_E2E_STACK = process.env.SWITCHYARD_E2E_MULTI_STACK ?? "e2e-multi";
process.env.SWITCHYARD_E2E_PORT = process.env.SWITCHYARD_E2E_MULTI_PORT ?? "18870";
