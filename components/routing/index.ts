export * from "./canaryRouter";
export * from "./nginxConfig";
export * from "./routeFence";
export * from "./routerContainer";
// The shared words routing is built on (domain/), for callers of this barrel.
export * from "../../domain/color";
export * from "../../domain/routerImage";
export * from "../../domain/weights";
