export * from "./backupSnapshot";
export * from "./manifest";
export * from "./retention";
