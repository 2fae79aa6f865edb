// Imported first by faults.test.ts: its own stack and router port (the harness reads these at import).
process.env.SWITCHYARD_E2E_STACK = process.env.SWITCHYARD_E2E_FAULT_STACK ?? "e2e-fault";
process.env.SWITCHYARD_E2E_PORT = process.env.SWITCHYARD_E2E_FAULT_PORT ?? "18850";

export {};
