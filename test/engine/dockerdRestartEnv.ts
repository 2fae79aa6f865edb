// Imported first by dockerdRestart.test.ts: its own stack and router port (the harness reads these at import).
process.env.SWITCHYARD_E2E_STACK = process.env.SWITCHYARD_E2E_DFAULT_STACK ?? "e2e-dfault";
process.env.SWITCHYARD_E2E_PORT = process.env.SWITCHYARD_E2E_DFAULT_PORT ?? "18960";

export {};
