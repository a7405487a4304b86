/**
 * The group a rebuild runs: the image's group without tilt-live's own two buildpacks. In a rebuild they
 * would only re-read the processes (tilt-live/source has nothing to snapshot, tilt-live's layers are kept
 * as they are), at the cost of two starts of a 95 MB executable; the rebuild does that part itself:
 *
 * - processes.json from the other buildpacks' launch.toml files, as tilt-live's build records it;
 * - the launcher's metadata.toml as the image has it: the lifecycle rewrites it from the group it ran, which
 *   would drop the supervisor from the processes a `docker restart` starts. The image's file declares the
 *   same process types, each under the supervisor, which is what tilt-live in the group would have written.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readGroup, type GroupEntry } from "../../cnb/group.js";
import { readToml, stringifyToml } from "../../cnb/toml.js";
import { OWN_BUILDPACK_IDS, writeJson, type LivePaths } from "../../contract/context.js";
import { collectProcesses } from "../../contract/recorded-processes.js";

/** Writes the group without tilt-live's buildpacks to `dest`; returns its members. */
export async function writeRebuildGroup(groupPath: string, dest: string): Promise<GroupEntry[]> {
  const members = (await readGroup(groupPath)).filter((bp) => !OWN_BUILDPACK_IDS.has(bp.id));
  const table = await readToml(groupPath, "The exported group.toml is missing");
  const entries = (table.group as Record<string, unknown>[]).filter((entry) => !OWN_BUILDPACK_IDS.has(String(entry.id)));
  await writeFile(dest, stringifyToml({ ...table, group: entries }));
  return members;
}

/** The launcher's metadata file under the layers root (platform spec: <layers>/config/metadata.toml). */
export function launchMetadataPath(layersRoot: string): string {
  return join(layersRoot, "config", "metadata.toml");
}

/** Runs `build`, then puts the launcher's metadata.toml back as it was before (if there was one). */
export async function keepingLaunchMetadata<T>(layersRoot: string, build: () => Promise<T>): Promise<T> {
  const path = launchMetadataPath(layersRoot);
  const before = await readFile(path).catch(() => undefined);
  try {
    return await build();
  } finally {
    if (before !== undefined) await writeFile(path, before);
  }
}

/** What tilt-live's build would record after the rebuild: the group's processes, a later type winning. */
export async function recordProcesses(layersRoot: string, members: GroupEntry[], paths: Pick<LivePaths, "processes">): Promise<void> {
  await writeJson(paths.processes, await collectProcesses(layersRoot, members));
}
