export * from "./backupSnapshot";
export * from "./preDeploy";
