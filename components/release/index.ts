export * from "./deploymentId";
export * from "./healthGate";
export * from "./releaseStamp";
export * from "./version";
export * from "./migration";
export * from "./plan";
export * from "./release";
