/**
 * What processes.json records (docs/layout.md): the processes of the group's launch.toml files, a later
 * buildpack's type overriding an earlier one's, as the lifecycle does. Shared by the build, which writes it, and
 * the rebuild, which writes it again (tilt-live is not in a rebuild's group).
 */
import { basename, join } from "node:path";
import type { GroupEntry } from "../cnb/group.js";
import { readLaunchProcesses, type Process } from "../cnb/launch.js";
import { escapeBuildpackId } from "../cnb/names.js";
import type { RecordedProcess } from "./context.js";

export async function collectProcesses(layersRoot: string, members: GroupEntry[]): Promise<RecordedProcess[]> {
  const byType = new Map<string, RecordedProcess>();
  for (const bp of members) {
    const path = join(layersRoot, escapeBuildpackId(bp.id), "launch.toml");
    for (const p of await readLaunchProcesses(path, bp.api)) {
      byType.delete(p.type); // keep declaration order of the winner
      byType.set(p.type, { ...unwrapWatchexec(p), buildpackId: bp.id });
    }
  }
  return [...byType.values()];
}

/**
 * Paketo's live reload (BP_LIVE_RELOAD_ENABLED) declares `watchexec --restart ... -- <command>`: tilt-live/source
 * stands in for the watchexec buildpack (detect.ts), and the supervisor restarts the app after each rebuild, so
 * the command after `--` runs directly.
 */
export function unwrapWatchexec(p: Process): Process {
  if (basename(p.command[0] ?? "") !== "watchexec") return p;
  const argv = [...p.command.slice(1), ...p.args];
  const dashes = argv.indexOf("--");
  if (dashes === -1 || dashes === argv.length - 1) return p;
  return { ...p, command: [argv[dashes + 1]!], args: argv.slice(dashes + 2) };
}
