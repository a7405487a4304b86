/**
 * Test helper: native/tilt-live-init.c built as scripts/build.sh builds it, with the flags in native/cflags
 * (the one place both read), for tests that run real processes under the init.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const NATIVE = resolve(import.meta.dirname, "../../native");

export function hasGcc(): boolean {
  try {
    execFileSync("sh", ["-c", "command -v gcc"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The compiler flags of the init, shared with scripts/build.sh. */
export function initCflags(): string[] {
  return readFileSync(resolve(NATIVE, "cflags"), "utf8").trim().split(/\s+/);
}

/** Compiles the init to `output` with the host's gcc. */
export function buildInit(output: string): void {
  execFileSync("gcc", [...initCflags(), "-o", output, resolve(NATIVE, "tilt-live-init.c")], { stdio: "inherit" });
}
