import { chmod, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { livePaths } from "../../contract/context.js";
import { tempDir } from "../../testing/temp-dir.js";
import { skipSbomWork } from "./rebuild-sbom.js";

/** A layers root as a rebuild sees it: the tools layer's writer, and a syft layer of paketo-buildpacks/syft when asked. */
async function layers(options: { syftLayer?: boolean; writer?: boolean } = {}) {
  const root = await tempDir("rebuild-sbom-");
  const layersRoot = join(root, "layers");
  const paths = livePaths(layersRoot);
  await mkdir(paths.rebuildBin, { recursive: true });
  if (options.writer ?? true) {
    await writeFile(join(paths.rebuildBin, "syft"), "");
    await chmod(join(paths.rebuildBin, "syft"), 0o755);
  }
  await mkdir(join(layersRoot, "paketo-buildpacks_maven", "cache"), { recursive: true });
  if (options.syftLayer ?? true) {
    await mkdir(join(layersRoot, "paketo-buildpacks_syft", "syft", "bin"), { recursive: true });
    await writeFile(join(layersRoot, "paketo-buildpacks_syft", "syft", "bin", "syft"), "");
  }
  const platform = join(root, "platform");
  await mkdir(join(platform, "env"), { recursive: true });
  return { layersRoot, paths, platform, env: join(platform, "env") };
}

const vars =
  (values: Record<string, string> = {}) =>
  (name: string) =>
    values[name];

async function envFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(dir)) out[name] = await readFile(join(dir, name), "utf8");
  return out;
}

describe("the SBOM work a rebuild skips", () => {
  it("puts the writer first on the buildpacks' PATH and turns the BOM label off, and says so", async () => {
    const l = await layers();
    const note = await skipSbomWork(l.platform, l.layersRoot, l.paths, vars());
    expect(note).toBe(
      "SBOMs: tilt-live's writer answers for syft, BP_BOM_LABEL_DISABLED=true (a rebuild exports no image; BP_TILT_LIVE_SBOM_STAND_IN=false runs syft)",
    );
    expect(await envFiles(l.env)).toEqual({ PATH: l.paths.rebuildBin, BP_BOM_LABEL_DISABLED: "true" });
  });

  it("keeps a PATH and a BOM label setting the build was given", async () => {
    const l = await layers();
    await writeFile(join(l.env, "PATH"), "/opt/tools/bin");
    const note = await skipSbomWork(l.platform, l.layersRoot, l.paths, vars({ BP_BOM_LABEL_DISABLED: "false" }));
    expect(note).toBe(
      "SBOMs: tilt-live's writer answers for syft (a rebuild exports no image; BP_TILT_LIVE_SBOM_STAND_IN=false runs syft)",
    );
    expect(await envFiles(l.env)).toEqual({ PATH: `${l.paths.rebuildBin}:/opt/tools/bin` });
  });

  it("does nothing when BP_TILT_LIVE_SBOM_STAND_IN is false, and refuses a value that is not a boolean", async () => {
    const l = await layers();
    expect(await skipSbomWork(l.platform, l.layersRoot, l.paths, vars({ BP_TILT_LIVE_SBOM_STAND_IN: "false" }))).toBeUndefined();
    expect(await envFiles(l.env)).toEqual({});
    await expect(skipSbomWork(l.platform, l.layersRoot, l.paths, vars({ BP_TILT_LIVE_SBOM_STAND_IN: "later" }))).rejects.toThrow(
      /BP_TILT_LIVE_SBOM_STAND_IN must be true or false/,
    );
  });

  it("changes nothing and says nothing where no buildpack has syft, or the image has no writer", async () => {
    for (const l of [await layers({ syftLayer: false }), await layers({ writer: false })]) {
      expect(await skipSbomWork(l.platform, l.layersRoot, l.paths, vars())).toBeUndefined();
      expect(await envFiles(l.env)).toEqual({});
    }
  });
});
