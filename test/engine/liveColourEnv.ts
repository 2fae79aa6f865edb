// Imported first by liveColour.test.ts: its own stack and router port (the harness reads these at import).
process.env.SWITCHYARD_E2E_STACK = process.env.SWITCHYARD_E2E_LIVE_STACK ?? "e2e-live";
process.env.SWITCHYARD_E2E_PORT = process.env.SWITCHYARD_E2E_LIVE_PORT ?? "18780";

export {};
