export * from "./backupSnapshot";
export * from "./preDeploy";
export * from "./backupRunner";
