// Names of everything a test run makes in Docker: `tilt-live-test-<run>-<kind>-<random>`, so a leak check can find
// exactly this run's containers, images and volumes (pack names its cache volumes after the image).
import { randomBytes } from "node:crypto";

export const TEST_PREFIX = "tilt-live-test-";

/** One id per test process; every name made here starts with `tilt-live-test-<runId>-`. */
export const runId: string = randomBytes(3).toString("hex");

export const runPrefix = `${TEST_PREFIX}${runId}-`;

export function randomName(kind: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(kind)) {
    throw new Error(`name kind must be lowercase letters, digits and '-': ${JSON.stringify(kind)}`);
  }
  return `${runPrefix}${kind}-${randomBytes(4).toString("hex")}`;
}
