/** <layers>/<layer>.toml (buildpack spec, "Layer Content Metadata"). */
import { join } from "node:path";
import type { LayerName } from "./names.js";
import { optionalBoolean, optionalTable, readOptionalToml, writeToml, type TomlTable } from "./toml.js";
import { TiltLiveError } from "../core/errors.js";

/**
 * The mtime the lifecycle gives every file it exports (lifecycle archive/writer.go NormalizedModTime, written by
 * layers/writer.go): a file of the image that still has it was not written since the image was built.
 */
export const EXPORTED_MTIME_MS = Date.UTC(1980, 0, 1, 0, 0, 1);

export interface LayerTypes {
  launch: boolean;
  build: boolean;
  cache: boolean;
}

export interface LayerMetadata {
  types: LayerTypes;
  metadata: TomlTable;
}

export function parseLayerToml(table: TomlTable, path: string): LayerMetadata {
  for (const flag of ["launch", "build", "cache"]) {
    if (flag in table) {
      throw new TiltLiveError("invalid-metadata", `top-level "${flag}" flag; flags belong under [types]`, { path });
    }
  }
  const types = optionalTable(table, "types", path) ?? {};
  return {
    types: {
      launch: optionalBoolean(types, "launch", path) ?? false,
      build: optionalBoolean(types, "build", path) ?? false,
      cache: optionalBoolean(types, "cache", path) ?? false,
    },
    metadata: optionalTable(table, "metadata", path) ?? {},
  };
}

export async function readLayerToml(path: string): Promise<LayerMetadata | undefined> {
  const table = await readOptionalToml(path);
  return table ? parseLayerToml(table, path) : undefined;
}

/** Writes `<name>.toml` into a buildpack's own layers dir. */
export async function writeLayerToml(ownLayersDir: string, name: LayerName, layer: LayerMetadata): Promise<void> {
  await writeToml(join(ownLayersDir, `${name}.toml`), { types: { ...layer.types }, metadata: layer.metadata });
}
