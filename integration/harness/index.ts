export * from "./docker.js";
export * from "./names.js";
export * from "./pack.js";
export * from "./platform.js";
export * from "./resources.js";
export * from "./versions.js";
