/**
 * Test helper: the native programs (native/tilt-live-init.c, tilt-live-rebuild.c, tilt-live-sbom.c) built as
 * scripts/build.sh builds them, with the flags in native/cflags (the one place both read), for tests that run
 * them for real.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const NATIVE = resolve(import.meta.dirname, "../../native");

/**
 * The host's gcc. Missing, it fails the test that needs it, loudly, instead of skipping it: the project's setup
 * installs gcc (a build without the native programs is not what ships).
 */
function gcc(): string {
  try {
    execFileSync("sh", ["-c", "command -v gcc"], { stdio: "ignore" });
  } catch (error) {
    throw new Error("gcc is not installed: the tests of native/ compile it with the host's gcc (apt-get install gcc)", { cause: error });
  }
  return "gcc";
}

/** The compiler flags of the native programs, shared with scripts/build.sh. */
export function initCflags(): string[] {
  return readFileSync(resolve(NATIVE, "cflags"), "utf8").trim().split(/\s+/);
}

/** Compiles the init to `output` with the host's gcc. */
export function buildInit(output: string): void {
  execFileSync(gcc(), [...initCflags(), "-o", output, resolve(NATIVE, "tilt-live-init.c")], { stdio: "inherit" });
}

/** Compiles the small rebuild client to `output` with the host's gcc, talking to `socketPath`. */
export function buildRebuildClient(output: string, socketPath: string): void {
  const source = resolve(NATIVE, "tilt-live-rebuild.c");
  execFileSync(gcc(), [...initCflags(), `-DTILT_LIVE_SOCKET="${socketPath}"`, "-o", output, source], { stdio: "inherit" });
}

/** Compiles the SBOM writer that stands in for syft during rebuilds to `output` with the host's gcc. */
export function buildSbomWriter(output: string, version = "0.0.0-test"): void {
  const source = resolve(NATIVE, "tilt-live-sbom.c");
  execFileSync(gcc(), [...initCflags(), `-DTILT_LIVE_VERSION="${version}"`, "-o", output, source], { stdio: "inherit" });
}
