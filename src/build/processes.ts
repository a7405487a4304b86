/**
 * The app's processes: collected from the earlier buildpacks' launch.toml files (a later buildpack's type
 * overrides an earlier one's, as the lifecycle does), then declared again to run under the supervisor.
 */
import { join } from "node:path";
import type { GroupEntry } from "../cnb/group.js";
import { readLaunchProcesses, type Process } from "../cnb/launch.js";
import { escapeBuildpackId } from "../cnb/names.js";
import type { RecordedProcess } from "../context.js";

export async function collectProcesses(layersRoot: string, earlier: GroupEntry[]): Promise<RecordedProcess[]> {
  const byType = new Map<string, RecordedProcess>();
  for (const bp of earlier) {
    const path = join(layersRoot, escapeBuildpackId(bp.id), "launch.toml");
    for (const p of await readLaunchProcesses(path, bp.api)) {
      byType.delete(p.type); // keep declaration order of the winner
      byType.set(p.type, { ...p, buildpackId: bp.id });
    }
  }
  return [...byType.values()];
}

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
