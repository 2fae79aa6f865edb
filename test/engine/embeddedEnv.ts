// Imported first by embedded.test.ts: its own stack and router port (the harness reads these at import).
process.env.SWITCHYARD_E2E_STACK = process.env.SWITCHYARD_E2E_EMBED_STACK ?? "e2e-embed";
process.env.SWITCHYARD_E2E_PORT = process.env.SWITCHYARD_E2E_EMBED_PORT ?? "18940";

export {};
