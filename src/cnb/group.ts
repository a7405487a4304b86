/** group.toml: the ordered buildpacks the detector chose (platform spec, "group.toml"). */
import { buildpackId, type BuildpackId } from "./names.js";
import { expectString, optionalBoolean, optionalTableArray, readToml } from "./toml.js";
import { TiltLiveError } from "../core/errors.js";

export interface GroupEntry {
  id: BuildpackId;
  version: string;
  api: string;
  optional: boolean;
}

export async function readGroup(path: string): Promise<GroupEntry[]> {
  const table = await readToml(path, "The lifecycle's group.toml is missing");
  const entries = optionalTableArray(table, "group", path).map((entry) => ({
    id: buildpackId(expectString(entry, "id", path), path),
    version: expectString(entry, "version", path),
    api: expectString(entry, "api", path),
    optional: optionalBoolean(entry, "optional", path) ?? false,
  }));
  if (entries.length === 0) {
    throw new TiltLiveError("invalid-metadata", "the group has no buildpacks", { path });
  }
  return entries;
}
