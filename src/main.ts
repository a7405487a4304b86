/**
 * The single executable's entry: dispatches on the name it was called by (bin/detect, bin/build, rebuild,
 * tilt-live-supervise, tilt-live-watch), or on the first argument when called as `tilt-live <tool>`.
 */
import { basename } from "node:path";
import { runBuild, runDetect } from "./phases.js";
import { TOOL_NAMES } from "./context.js";
import { runTool } from "./tools.js";

declare const TILT_LIVE_VERSION: string | undefined;
const VERSION = typeof TILT_LIVE_VERSION === "string" ? TILT_LIVE_VERSION : "0.0.0-dev";

function invokedAs(argv: string[]): { name: string; args: string[] } {
  // In a single executable argv[1] is the path it was called by; under plain node it is the script.
  const name = basename(argv[1] ?? "");
  if (name === "tilt-live" || name.endsWith(".cjs") || name.endsWith(".ts") || name.endsWith(".js")) {
    return { name: argv[2] ?? "help", args: argv.slice(3) };
  }
  return { name, args: argv.slice(2) };
}

async function main(): Promise<number> {
  const { name, args } = invokedAs(process.argv);
  const io = { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr };
  switch (name) {
    case "detect":
      return runDetect(io);
    case "build":
      return runBuild(io, VERSION);
    case "--version":
    case "version":
      io.stdout.write(`tilt-live ${VERSION}\n`);
      return 0;
    case "help":
    case "--help":
    case "-h":
      io.stdout.write(`tilt-live ${VERSION}\nUsage: tilt-live <${["detect", "build", ...TOOL_NAMES].join("|")}> [args]\n`);
      return 0;
    default:
      return runTool(name, args, io);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tilt-live: unexpected failure: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
