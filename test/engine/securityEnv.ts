// Imported first by security.test.ts: its own stack and router port (the harness reads these at import).
process.env.SWITCHYARD_E2E_STACK = process.env.SWITCHYARD_E2E_SEC_STACK ?? "e2e-sec";
process.env.SWITCHYARD_E2E_PORT = process.env.SWITCHYARD_E2E_SEC_PORT ?? "18800";

export {};
