export * from "./metricNames";
export * from "./prometheusConfig";
export * from "./alertRules";
export * from "./routerExporter";
export * from "./queries";
export * from "./dashboard";
export * from "./grafanaProvisioning";
export * from "./monitoringStack";
