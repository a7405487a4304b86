/**
 * The app's processes, declared again by tilt-live to run under the supervisor (src/recorded-processes.ts
 * collects them, for the build and for a rebuild alike).
 */
import type { Process } from "../cnb/launch.js";
import type { RecordedProcess } from "../context.js";

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
