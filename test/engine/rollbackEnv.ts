// Imported first by rollback.test.ts: its own stack and router port (the harness reads these at import).
process.env.SWITCHYARD_E2E_STACK = process.env.SWITCHYARD_E2E_OPS_STACK ?? "e2e-ops";
process.env.SWITCHYARD_E2E_PORT = process.env.SWITCHYARD_E2E_OPS_PORT ?? "18600";
