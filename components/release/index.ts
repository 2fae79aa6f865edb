export * from "./healthGate";
export * from "./releaseStamp";
export * from "./migration";
