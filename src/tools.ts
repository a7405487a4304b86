/** The in-container tools, by the name they are called by. Each returns an exit code. */
import { TiltLiveError, formatError } from "./errors.js";
import type { PhaseIo } from "./phases.js";
import { parseRebuildArgs, runRebuildClient } from "./runtime/rebuild-client.js";
import { createRebuild } from "./runtime/rebuild-steps.js";
import { rebuildInProcess } from "./runtime/standalone-rebuild.js";
import { runSupervisor } from "./runtime/supervisor.js";

export const TOOLS = ["rebuild", "tilt-live-supervise"] as const;

function rebuildSteps(io: PhaseIo, resident = false) {
  return createRebuild({ layersDir: io.env.CNB_LAYERS_DIR || "/layers", env: io.env, resident });
}

/** Through the supervisor when one serves the control socket; otherwise in this process, without a restart. */
async function rebuild(args: string[], io: PhaseIo): Promise<number> {
  const { restart } = parseRebuildArgs(args);
  try {
    return await runRebuildClient({ argv: args, stdout: io.stdout, stderr: io.stderr });
  } catch (error) {
    if (!(error instanceof TiltLiveError && error.code === "no-supervisor")) throw error;
    if (restart) io.stderr.write("[tilt-live] no supervisor in this container: building here; the app is not restarted\n");
  }
  return (await rebuildInProcess(rebuildSteps(io), io.stdout)).exitCode;
}

export async function runTool(name: string, args: string[], io: PhaseIo): Promise<number> {
  try {
    switch (name) {
      case "rebuild":
        return await rebuild(args, io);
      case "tilt-live-supervise":
        return await runSupervisor({ argv: args, env: io.env, stderr: io.stderr, build: rebuildSteps(io, true) });
      default:
        io.stderr.write(`tilt-live: unknown tool "${name}" (known: detect, build, ${TOOLS.join(", ")})\n`);
        return 2;
    }
  } catch (error) {
    io.stderr.write(`${formatError(error)}\n`);
    return 1;
  }
}
