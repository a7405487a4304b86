/**
 * The SBOM work a rebuild skips: a rebuild exports no image, so nobody reads the SBOMs or the BOM label the
 * buildpacks make on every build. libpak's buildpacks (maven, executable-jar, ...) run `syft scan` for them, about a
 * second of syft's start each, with no switch to skip it; libbs also hashes every jar of the Maven cache for the BOM
 * label unless BP_BOM_LABEL_DISABLED is true. So, unless BP_TILT_LIVE_SBOM_STAND_IN is false, a rebuild's platform
 * env puts the tools layer's `rebuild-bin` (whose `syft` is native/tilt-live-sbom.c: valid, empty SBOMs) first on
 * the buildpacks' PATH (the lifecycle prepends a platform env file of a path variable: env.WithOverrides), and sets
 * BP_BOM_LABEL_DISABLED=true where the build did not set it. The image build is untouched and keeps the real syft.
 */
import { access, constants, readFile, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { ConfigVars, readSbomStandIn } from "../../contract/config.js";
import type { LivePaths } from "../../contract/context.js";
import { exists, readdirIfExists } from "../../fsutil/copy.js";
import { unlessMissing } from "../../core/errno.js";
import type { RecordedVars } from "../../contract/recorded-vars.js";

const BOM_LABEL_DISABLED = "BP_BOM_LABEL_DISABLED";

/**
 * Writes the shortcuts into the rebuild's `<platform>/env` and returns the line the rebuild log shows about them,
 * or undefined when they do not apply: no buildpack of the group has syft, the image has no writer, or they are off.
 */
export async function skipSbomWork(
  platformDir: string,
  layersRoot: string,
  paths: Pick<LivePaths, "rebuildBin">,
  vars: RecordedVars,
): Promise<string | undefined> {
  if (!readSbomStandIn(vars)) return undefined;
  // libpak's buildpacks all require syft: a group without it has neither SBOM scans nor a libbs BOM label.
  if (!(await isExecutable(join(paths.rebuildBin, "syft"))) || !(await hasSyftLayer(layersRoot))) return undefined;
  const envDir = join(platformDir, "env");
  const bomLabel = vars(BOM_LABEL_DISABLED) === undefined;
  if (bomLabel) await writeFile(join(envDir, BOM_LABEL_DISABLED), "true");
  // A PATH the user gave the build (recorded platform env) stays, after the writer.
  const recorded = await unlessMissing(readFile(join(envDir, "PATH"), "utf8"));
  await writeFile(join(envDir, "PATH"), recorded ? `${paths.rebuildBin}${delimiter}${recorded}` : paths.rebuildBin);
  const skipped = bomLabel ? `, ${BOM_LABEL_DISABLED}=true` : "";
  return `SBOMs: tilt-live's writer answers for syft${skipped} (a rebuild exports no image; ${ConfigVars.sbomStandIn}=false runs syft)`;
}

/** The writer is missing from images built before it existed, or built where native/ was not compiled. */
async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Whether an earlier buildpack put syft in a layer (paketo-buildpacks/syft's `syft` layer: bin/syft). */
async function hasSyftLayer(layersRoot: string): Promise<boolean> {
  for (const bp of await readdirIfExists(layersRoot)) {
    for (const layer of await readdirIfExists(join(layersRoot, bp))) {
      if (await exists(join(layersRoot, bp, layer, "bin", "syft"))) return true;
    }
  }
  return false;
}
