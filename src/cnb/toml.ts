/**
 * The only module that touches the TOML library (@iarna/toml implements TOML 0.5 with quirks; keeping it
 * behind this seam lets it be swapped). Parse errors name the file they came from.
 */
import TOML from "@iarna/toml";
import { readFile, writeFile } from "node:fs/promises";
import { TiltLiveError } from "../core/errors.js";
import { unlessMissing } from "../core/errno.js";
import { readRequiredFile } from "../fsutil/read.js";

export type TomlTable = Record<string, unknown>;

export function parseToml(text: string, path: string): TomlTable {
  try {
    // Round-trip through JSON: @iarna/toml returns objects with symbol-tagged prototypes and Date subclasses.
    return JSON.parse(JSON.stringify(TOML.parse(text))) as TomlTable;
  } catch (error) {
    throw new TiltLiveError("malformed-toml", `cannot parse ${path}`, { path, detail: (error as Error).message }, { cause: error });
  }
}

export async function readToml(path: string, what: string): Promise<TomlTable> {
  return parseToml(await readRequiredFile(path, what), path);
}

/** Like readToml, but a missing file is `undefined` rather than an error. */
export async function readOptionalToml(path: string): Promise<TomlTable | undefined> {
  const text = await unlessMissing(readFile(path, "utf8"));
  return text === undefined ? undefined : parseToml(text, path);
}

export function stringifyToml(table: TomlTable): string {
  return TOML.stringify(table as TOML.JsonMap);
}

export async function writeToml(path: string, table: TomlTable): Promise<void> {
  await writeFile(path, stringifyToml(table));
}

/** Small typed accessors that report the file and field on a mismatch. */
export function expectString(table: TomlTable, key: string, path: string): string {
  const value = table[key];
  if (typeof value !== "string" || value === "") {
    throw new TiltLiveError("invalid-metadata", `field "${key}" must be a non-empty string`, { path });
  }
  return value;
}

export function optionalBoolean(table: TomlTable, key: string, path: string): boolean | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") {
    throw new TiltLiveError("invalid-metadata", `field "${key}" must be true or false`, { path });
  }
  return value;
}

export function optionalTable(table: TomlTable, key: string, path: string): TomlTable | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TiltLiveError("invalid-metadata", `field "${key}" must be a table`, { path });
  }
  return value as TomlTable;
}

export function optionalTableArray(table: TomlTable, key: string, path: string): TomlTable[] {
  const value = table[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "object" || v === null || Array.isArray(v))) {
    throw new TiltLiveError("invalid-metadata", `field "${key}" must be an array of tables`, { path });
  }
  return value as TomlTable[];
}
