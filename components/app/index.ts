export * from "./colorStack";
export * from "./containerSpec";
