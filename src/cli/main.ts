/**
 * The single executable's dispatcher: picks the phase or tool by the name it was called by (bin/detect,
 * bin/build, rebuild, tilt-live-supervise), or by the first argument when called as `tilt-live <tool>`.
 * src/entry.ts calls it with the real process.
 */
import { basename } from "node:path";
import { TOOL_NAMES } from "../contract/context.js";
import { runBuild, runDetect, type PhaseIo } from "./phases.js";
import { runTool, type ToolOptions } from "./tools.js";

export function invokedAs(argv: string[]): { name: string; args: string[] } {
  // In a single executable argv[1] is the path it was called by; under plain node it is the script.
  const name = basename(argv[1] ?? "");
  if (name === "tilt-live" || name.endsWith(".cjs") || name.endsWith(".ts") || name.endsWith(".js")) {
    return { name: argv[2] ?? "help", args: argv.slice(3) };
  }
  return { name, args: argv.slice(2) };
}

/** Runs what `argv` names and returns the exit code. */
export async function main(argv: string[], io: PhaseIo, version: string, toolOptions: ToolOptions = {}): Promise<number> {
  const { name, args } = invokedAs(argv);
  switch (name) {
    case "detect":
      return runDetect(io);
    case "build":
      return runBuild(io, version);
    case "--version":
    case "version":
      io.stdout.write(`tilt-live ${version}\n`);
      return 0;
    case "help":
    case "--help":
    case "-h":
      io.stdout.write(`tilt-live ${version}\nUsage: tilt-live <${["detect", "build", ...TOOL_NAMES].join("|")}> [args]\n`);
      return 0;
    default:
      return runTool(name, args, io, toolOptions);
  }
}
