/**
 * Reading a file tilt-live depends on: a missing one becomes a "missing-file" error that says what it is; an
 * optional JSON record is undefined when absent and an "invalid-metadata" error naming it when it is not JSON.
 */
import { readFile } from "node:fs/promises";
import { TiltLiveError } from "../core/errors.js";
import { isMissing, unlessMissing } from "../core/errno.js";

export async function readRequiredFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (isMissing(error)) {
      throw new TiltLiveError("missing-file", what, { path }, { cause: error });
    }
    throw error;
  }
}

/** The parsed JSON at `path`, or undefined when there is no such file. */
export async function readOptionalJson(path: string): Promise<unknown> {
  const text = await unlessMissing(readFile(path, "utf8"));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new TiltLiveError("invalid-metadata", "not valid JSON", { path, detail: (error as Error).message }, { cause: error });
  }
}
