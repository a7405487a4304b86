/**
 * The app's processes (collected from the earlier buildpacks' launch.toml files by src/contract/recorded-processes.ts,
 * which a rebuild uses too), declared again to run under the supervisor.
 */
import type { Process } from "../cnb/launch.js";
import type { RecordedProcess } from "../contract/context.js";

export interface SupervisorCommand {
  /** tools/bin/tilt-live-supervise inside the image. */
  supervise: string;
  /** The static init that reaps orphans when the supervisor is PID 1; absent when it was not built. */
  init?: string;
}

export function wrapProcesses(processes: RecordedProcess[], tools: SupervisorCommand): Process[] {
  return processes.map((p) => ({
    type: p.type,
    command: [...(tools.init ? [tools.init] : []), tools.supervise, p.type],
    args: [],
    default: p.default,
    direct: true,
    ...(p.workingDir ? { workingDir: p.workingDir } : {}),
  }));
}
