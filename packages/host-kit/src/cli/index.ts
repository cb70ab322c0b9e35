export { type Command, Option } from "commander";
export { caUrlSetting } from "./ca-url.js";
export { createProgram, HostCommand } from "./host-command.js";
export { isHelpDisplayed, type RunProgramOptions, runProgram } from "./run-program.js";
export { UsageError } from "./usage-error.js";
