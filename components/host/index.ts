export * from "./dockerHost";
