export * from "./healthGate";
export * from "./releaseStamp";
export * from "./migration";
export * from "./plan";
export * from "./release";
export * from "./hostRelease";
export * from "./previous";
