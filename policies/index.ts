// The switchyard policy pack's modules. The engine starts the pack from pack.ts (package.json "main");
// this file only re-exports, so tests and tools can import policies without starting a policy server.
export * from "./appHealthcheckRequired";
export * from "./appResourceLimits";
export * from "./backupBeforeRelease";
export * from "./canaryWeightBounds";
export * from "./deploymentWindow";
export * from "./enforcement";
export * from "./facts";
export * from "./noPlaintextSecrets";
export * from "./pinnedImageVersions";
export * from "./policies";
export * from "./snapshotBucketHardened";
