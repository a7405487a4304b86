/** Reading a file tilt-live depends on: a missing one becomes a "missing-file" error that says what it is. */
import { readFile } from "node:fs/promises";
import { TiltLiveError } from "../core/errors.js";
import { isMissing } from "../core/errno.js";

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
