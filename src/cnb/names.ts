/** Buildpack ids and layer names, validated where they enter, as the CNB buildpack spec defines them. */
import { TiltLiveError } from "../core/errors.js";

declare const buildpackIdBrand: unique symbol;
export type BuildpackId = string & { readonly [buildpackIdBrand]: true };

declare const layerNameBrand: unique symbol;
export type LayerName = string & { readonly [layerNameBrand]: true };

const RESERVED_IDS = new Set(["config", "app", "sbom"]);
const RESERVED_LAYER_NAMES = new Set(["launch", "build", "store"]);

export function buildpackId(value: string, source = "buildpack id"): BuildpackId {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value) || RESERVED_IDS.has(value) || value.includes("..")) {
    throw new TiltLiveError("invalid-metadata", `"${value}" is not a valid buildpack id`, { path: source });
  }
  return value as BuildpackId;
}

/** The directory name the lifecycle uses for a buildpack id: every "/" becomes "_". */
export function escapeBuildpackId(id: BuildpackId | string): string {
  return id.replaceAll("/", "_");
}

export function layerName(value: string): LayerName {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value) || RESERVED_LAYER_NAMES.has(value)) {
    throw new TiltLiveError("invalid-metadata", `"${value}" is not a valid layer name`);
  }
  return value as LayerName;
}
