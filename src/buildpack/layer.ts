/** Creating one layer from scratch: reset its directory, fill it, write its .toml, and log the decision. */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeLayerToml, type LayerTypes } from "../cnb/layer.js";
import { layerName } from "../cnb/names.js";
import type { Logger } from "../log/logger.js";

export const LAUNCH_ONLY: LayerTypes = { launch: true, build: false, cache: false };
export const BUILD_ONLY: LayerTypes = { launch: false, build: true, cache: false };

export async function contributeLayer(
  ownLayersDir: string,
  name: string,
  types: LayerTypes,
  logger: Logger,
  fill: (dir: string) => Promise<void>,
): Promise<string> {
  const dir = join(ownLayersDir, layerName(name));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await fill(dir);
  await writeLayerToml(ownLayersDir, layerName(name), { types, metadata: {} });
  logger.debug(`layer ${name}: ${JSON.stringify(types)}`);
  return dir;
}
