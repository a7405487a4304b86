/**
 * The tools layer: fixed absolute paths for Tilt's run() steps (argv, no shell, no launcher). Every tool is
 * a link to tilt-live's single executable, which dispatches on the name it was called by; the executable
 * itself is the copy in the `buildpacks` layer, so the image holds it once. `rebuild` is the small static
 * client (native/tilt-live-rebuild.c) where the buildpack has one: Tilt starts it on every live update.
 * `rebuild-bin/syft` is the SBOM writer (native/tilt-live-sbom.c) that a rebuild runs in place of syft.
 */
import { mkdir, symlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { existsSync } from "node:fs";
import { EXECUTABLE, INIT, REBUILD_CLIENT, SBOM_WRITER, TOOL_NAMES, type LivePaths, type ToolName } from "../contract/context.js";

export function toolPaths(paths: LivePaths, buildpackDir: string) {
  // buildpackDir is <buildpacks root>/<escaped id>/<version>; its copy keeps that shape.
  const copy = join(paths.buildpacks, basename(dirname(buildpackDir)), basename(buildpackDir), "bin");
  const hasInit = existsSync(join(buildpackDir, "bin", INIT));
  const hasClient = existsSync(join(buildpackDir, "bin", REBUILD_CLIENT));
  const hasSbomWriter = existsSync(join(buildpackDir, "bin", SBOM_WRITER));
  return {
    bin: paths.toolsBin,
    executable: join(copy, EXECUTABLE),
    rebuild: join(paths.toolsBin, "rebuild" satisfies ToolName),
    supervise: join(paths.toolsBin, "tilt-live-supervise" satisfies ToolName),
    ...(hasInit ? { init: join(paths.toolsBin, INIT), initSource: join(copy, INIT) } : {}),
    ...(hasClient ? { rebuildClient: join(copy, REBUILD_CLIENT) } : {}),
    ...(hasSbomWriter ? { sbomWriter: join(copy, SBOM_WRITER) } : {}),
  };
}

export type ToolPaths = ReturnType<typeof toolPaths>;

export async function installTools(layerDir: string, tools: ToolPaths): Promise<void> {
  const bin = join(layerDir, "bin");
  await mkdir(bin, { recursive: true });
  await symlink(tools.executable, join(bin, EXECUTABLE));
  for (const name of TOOL_NAMES) {
    const small = name === "rebuild" ? tools.rebuildClient : undefined;
    await symlink(small ?? EXECUTABLE, join(bin, name));
  }
  if (tools.initSource) await symlink(tools.initSource, join(bin, INIT));
  if (tools.sbomWriter) {
    await mkdir(join(layerDir, "rebuild-bin"), { recursive: true });
    await symlink(tools.sbomWriter, join(layerDir, "rebuild-bin", "syft"));
  }
}
