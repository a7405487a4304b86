/** The single executable's entry point (scripts/build.sh bundles from here): main() on the real process. */
import { main } from "./cli/main.js";

declare const TILT_LIVE_VERSION: string | undefined;
const VERSION = typeof TILT_LIVE_VERSION === "string" ? TILT_LIVE_VERSION : "0.0.0-dev";

main(process.argv, { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr }, VERSION).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tilt-live: unexpected failure: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
