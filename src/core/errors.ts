/**
 * Every failure tilt-live reports to a user is a TiltLiveError with a code. `describe` maps each code to a
 * headline, the reason and how to fix it; the switch is exhaustive, so a new code cannot ship without a message.
 */
import { errnoCode } from "./errno.js";

export type ErrorCode =
  | "missing-file"
  | "malformed-toml"
  | "invalid-metadata"
  | "empty-app-dir"
  | "unwritable"
  | "disk-full"
  | "no-supervisor"
  | "build-failed"
  | "uid-mismatch"
  | "config"
  | "bad-usage"
  | "internal"
  | "image-build-needed"
  | "builder-killed"
  | "app-start-failed";

export interface ErrorDetails {
  /** The file or directory the error is about, when there is one. */
  path?: string;
  /** Free-form detail shown under the headline (e.g. the parser's message). */
  detail?: string;
  /** "config": the environment variable that is wrong or missing. */
  variable?: string;
  /** "config": what the variable may be set to, e.g. "true or false". */
  allowed?: string;
  /** "bad-usage": how the command is called. */
  usage?: string;
}

export class TiltLiveError extends Error {
  override readonly name = "TiltLiveError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface UserMessage {
  headline: string;
  why: string;
  fix: string;
}

export function describe(error: TiltLiveError): UserMessage {
  const where = error.details.path ?? "(unknown path)";
  switch (error.code) {
    case "missing-file":
      return {
        headline: `${error.message}: ${where} does not exist`,
        why: "tilt-live reads this file, which the lifecycle or an earlier tilt-live step should have written.",
        fix: "Build the image again with `pack build` using tilt-live/source first and tilt-live last in the group; if the file is a lifecycle file, use a platform that keeps the lifecycle's default layout (pack does).",
      };
    case "malformed-toml":
      return {
        headline: `${where} is not valid TOML`,
        why: error.details.detail ?? error.message,
        fix: "Fix or restore the file (rebuild the image with `pack build` if it came from the image).",
      };
    case "invalid-metadata":
      return {
        headline: `${where} has unexpected content: ${error.message}`,
        why: error.details.detail ?? "The file parsed, but does not have the fields the CNB specification requires.",
        fix: "Restore the file, or rebuild the image with `pack build`.",
      };
    case "empty-app-dir":
      return {
        headline: "The app directory is empty: there is no source to snapshot",
        why: "A buildpack that ran before tilt-live (go-build does this) deleted the source after compiling it.",
        fix: "Add tilt-live/source before the language buildpacks: `--pre-buildpack tilt-live/source` or first in `--buildpack` order.",
      };
    case "unwritable":
      return {
        headline: `Cannot write ${where}`,
        why: error.details.detail ?? error.message,
        fix: "Run the container as the user that built the image (the CNB user), and keep the layers dir, the app dir and /tmp writable.",
      };
    case "disk-full":
      return {
        headline: `No space left on the device while writing ${where}`,
        why: "The filesystem holding the layers, the app dir or /tmp is full.",
        fix: "Free space (or give the container a larger volume) and run the rebuild again; the running app was not touched.",
      };
    case "no-supervisor":
      return {
        headline: "No tilt-live supervisor is running in this container",
        why: error.details.detail ?? "The app was not started through a process type that tilt-live wrapped.",
        fix: "Start the container with its default entrypoint (or /cnb/process/<type>), or run `rebuild --no-restart`.",
      };
    case "build-failed":
      return {
        headline: error.message,
        why: error.details.detail ?? "A buildpack's build exited non-zero; its output is above.",
        fix: "Fix the error in your source and save again; the app that was running keeps serving meanwhile.",
      };
    case "uid-mismatch":
      return {
        headline: error.message,
        why: error.details.detail ?? "The image's layers belong to the user that built it; another user cannot rewrite them.",
        fix: "Run the container as the build user (`--user <uid>:<gid>`), or use the build image as the dev run image (`pack build --run-image <build image>`).",
      };
    case "config":
      return {
        headline: error.message,
        why: error.details.detail ?? `tilt-live reads ${error.details.variable ?? "this setting"} and cannot use its value.`,
        fix: `Set ${error.details.variable ?? "the variable"} to ${error.details.allowed ?? "a valid value"}.`,
      };
    case "bad-usage":
      return {
        headline: error.message,
        why: error.details.detail ?? "The command line was not understood.",
        fix: error.details.usage ? `Call it as: ${error.details.usage}` : "Run the tool with --help for its usage.",
      };
    case "internal":
      return {
        headline: `tilt-live failed unexpectedly: ${error.message}`,
        why: error.details.detail ?? String(error.cause ?? "no further detail"),
        fix: "Please report this at the tilt-live issue tracker with the full output above.",
      };
    case "image-build-needed":
      return {
        headline: `Only a new image can take this change: ${error.message}`,
        why:
          error.details.detail ??
          "The group, its detection or its build env come from the image build; a rebuild in the container keeps them as they were. Nothing was built and the app keeps serving.",
        fix: "Build the image again (`pack build`; with Tilt, list the file in fall_back_on_files). rebuild exits with status 3 for this.",
      };
    case "builder-killed":
      return {
        headline: error.message,
        why:
          error.details.detail ??
          "The build was killed by a signal, not failed by your source: the container's memory limit (the kernel's OOM killer) or a `docker kill`/`docker stop` during the build.",
        fix: "Give the container more memory (`docker run --memory`, the pod's limits) or build less at once, then save again; the app that was running keeps serving meanwhile.",
      };
    case "app-start-failed":
      return {
        headline: error.message,
        why: error.details.detail ?? "The build succeeded, but the new process did not come up: its output is above.",
        fix: "Fix the start-up error shown in the app's output and save again; a slow start can get more time with BP_TILT_LIVE_READY_TIMEOUT.",
      };
  }
}

/** Turns anything thrown into a TiltLiveError, recognising the filesystem errors users can act on. */
export function toTiltLiveError(error: unknown, path?: string): TiltLiveError {
  if (error instanceof TiltLiveError) return error;
  const code = errnoCode(error);
  // copyFile and rename report the source as `path` and the target as `dest`: a full disk is the target's.
  const dest = (error as { dest?: unknown } | undefined)?.dest;
  const errPath =
    (code === "ENOSPC" || code === "EDQUOT") && typeof dest === "string" ? dest : ((error as { path?: string } | undefined)?.path ?? path);
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new TiltLiveError("disk-full", message, { path: errPath }, { cause: error });
  }
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
    return new TiltLiveError("unwritable", message, { path: errPath, detail: message }, { cause: error });
  }
  return new TiltLiveError("internal", message, { path: errPath, detail: message }, { cause: error });
}

/** The text printed for an error: headline, then why and how to fix it, indented. */
export function formatError(error: unknown): string {
  const e = toTiltLiveError(error);
  const m = describe(e);
  return [`ERROR: ${m.headline}`, `  Why: ${m.why}`, `  Fix: ${m.fix}`].join("\n");
}
