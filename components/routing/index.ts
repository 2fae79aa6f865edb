export * from "./canaryRouter";
export * from "./nginxConfig";
export * from "./routerContainer";
export * from "./routerImage";
export * from "./weights";
