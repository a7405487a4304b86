/** The in-container tools, by the name they are called by. Each returns an exit code. */
import { layersRoot, runtimePaths, TOOL_NAMES } from "../contract/context.js";
import { TiltLiveError, formatError } from "../core/errors.js";
import type { PhaseIo } from "./phases.js";
import { parseRebuildArgs, runRebuildClient } from "../runtime/rebuild-client.js";
import { createRebuild } from "../runtime/rebuild/rebuild-steps.js";
import { rebuildInProcess } from "../runtime/standalone-rebuild.js";
import { runSupervisor } from "../runtime/supervise/supervisor.js";

export interface ToolOptions {
  /** Parent of the runtime dir (control socket, rebuild lock); default /tmp. Tests point it elsewhere. */
  tmpDir?: string;
}

/** Through the supervisor when one serves the control socket; otherwise in this process, without a restart. */
async function rebuild(args: string[], io: PhaseIo, root: string, options: ToolOptions): Promise<number> {
  const { restart, clean } = parseRebuildArgs(args);
  try {
    const socketPath = runtimePaths(options.tmpDir).socket;
    return await runRebuildClient({ argv: args, stdout: io.stdout, stderr: io.stderr, socketPath });
  } catch (error) {
    if (!(error instanceof TiltLiveError && error.code === "no-supervisor")) throw error;
    if (restart) io.stderr.write("[tilt-live] no supervisor in this container: building here; the app is not restarted\n");
  }
  const build = createRebuild({ layersRoot: root, env: io.env, tmpDir: options.tmpDir });
  return (await rebuildInProcess((onOutput) => build(onOutput, { clean }), io.stdout, { tmpDir: options.tmpDir })).exitCode;
}

export async function runTool(name: string, args: string[], io: PhaseIo, options: ToolOptions = {}): Promise<number> {
  try {
    const root = layersRoot(io.env);
    switch (name) {
      case "rebuild":
        return await rebuild(args, io, root, options);
      case "tilt-live-supervise":
        return await runSupervisor({
          argv: args,
          env: io.env,
          layersRoot: root,
          stderr: io.stderr,
          tmpDir: options.tmpDir,
          // The supervisor lives as long as the container: it keeps language parsers running between rebuilds.
          build: createRebuild({ layersRoot: root, env: io.env, tmpDir: options.tmpDir, resident: true }),
        });
      default:
        io.stderr.write(`tilt-live: unknown tool "${name}" (known: detect, build, ${TOOL_NAMES.join(", ")})\n`);
        return 2;
    }
  } catch (error) {
    io.stderr.write(`${formatError(error)}\n`);
    return 1;
  }
}
