/**
 * The dev image's weigh-in: what each of tilt-live's launch layers adds to the image, so that a heavy dev image
 * says why in its own build log (issue 24: 2.7 GB for one Go service). Sizes are the bytes of the regular files
 * as the exporter tars them (it writes a hard-linked file in full at each of its paths, lifecycle archive/archive.go), so a
 * layer weighs what it adds to `docker image inspect`'s Size, give or take the tar headers.
 */
import { join } from "node:path";
import { Layers } from "../contract/context.js";
import { formatBytes, treeSize } from "../fsutil/copy.js";
import { layerNames, type CarriedLayer } from "./carried.js";

export interface LayerWeight {
  /** A layer of tilt-live (`src`, `tools`, ...) or a carried one (`carried <buildpack id>:<layer>`). */
  part: string;
  bytes: number;
}

/** tilt-live's launch layers, the carried ones each on its own, and `others` it adds elsewhere, heaviest first. */
export async function weighLayers(ownLayersDir: string, carried: CarriedLayer[], others: LayerWeight[] = []): Promise<LayerWeight[]> {
  const weights: LayerWeight[] = [...others];
  for (const name of await layerNames(ownLayersDir)) {
    if (name === Layers.carried) continue;
    weights.push({ part: name, bytes: await treeSize(join(ownLayersDir, name)) });
  }
  for (const layer of carried) weights.push({ part: `carried ${layer.buildpackId}:${layer.name}`, bytes: layer.bytes });
  return weights.sort((a, b) => b.bytes - a.bytes || a.part.localeCompare(b.part));
}

export function totalBytes(weights: LayerWeight[]): number {
  return weights.reduce((sum, w) => sum + w.bytes, 0);
}

/** One log line: the total, then each part. */
export function weightLine(weights: LayerWeight[]): string {
  const head = `Dev image weight: ${formatBytes(totalBytes(weights))} added`;
  return weights.length === 0 ? head : `${head} (${weights.map((w) => `${w.part} ${formatBytes(w.bytes)}`).join(", ")})`;
}
