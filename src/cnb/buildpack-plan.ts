/** The buildpack plan a buildpack receives at CNB_BP_PLAN_PATH (buildpack spec, "Buildpack Plan"). */
import { expectString, optionalTable, optionalTableArray, readOptionalToml, type TomlTable } from "./toml.js";

export interface PlanEntry {
  name: string;
  metadata: TomlTable;
}

export async function readBuildpackPlan(path: string): Promise<PlanEntry[]> {
  const table = await readOptionalToml(path);
  if (!table) return [];
  return optionalTableArray(table, "entries", path).map((e) => ({
    name: expectString(e, "name", path),
    metadata: optionalTable(e, "metadata", path) ?? {},
  }));
}
