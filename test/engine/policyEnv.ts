// Imported first by policies.test.ts: its own stack and router port (the harness reads these at import).
process.env.SWITCHYARD_E2E_STACK = process.env.SWITCHYARD_E2E_POLICY_STACK ?? "e2e-policy";
process.env.SWITCHYARD_E2E_PORT = process.env.SWITCHYARD_E2E_POLICY_PORT ?? "18480";

export {};
