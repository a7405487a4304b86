/** The in-container tools, by the name they are called by. Each returns an exit code. */
import { formatError } from "./errors.js";
import type { PhaseIo } from "./phases.js";
import { createRebuild } from "./runtime/rebuild-steps.js";
import { rebuildInProcess } from "./runtime/standalone-rebuild.js";

export const TOOLS = ["rebuild", "tilt-live-supervise", "tilt-live-watch"] as const;

const REBUILD_USAGE = `Usage: rebuild [--no-restart]
Mirrors the synced source into the app dir, re-runs the buildpacks' build phase in this container and, when
it succeeds, restarts the app. A failed build leaves the running app as it was.
`;

function layersDir(env: NodeJS.ProcessEnv): string {
  return env.CNB_LAYERS_DIR || "/layers";
}

async function rebuild(args: string[], io: PhaseIo): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout.write(REBUILD_USAGE);
    return 0;
  }
  const unknown = args.filter((a) => a !== "--no-restart");
  if (unknown.length > 0) {
    io.stderr.write(`rebuild: unknown argument ${unknown[0]}\n${REBUILD_USAGE}`);
    return 2;
  }
  const result = await rebuildInProcess(createRebuild({ layersDir: layersDir(io.env), env: io.env }), io.stdout);
  return result.exitCode;
}

export async function runTool(name: string, args: string[], io: PhaseIo): Promise<number> {
  try {
    switch (name) {
      case "rebuild":
        return await rebuild(args, io);
      default:
        io.stderr.write(`tilt-live: unknown tool "${name}" (known: detect, build, ${TOOLS.join(", ")})\n`);
        return 2;
    }
  } catch (error) {
    io.stderr.write(`${formatError(error)}\n`);
    return 1;
  }
}
