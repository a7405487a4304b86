import { describe, expect, it } from "vitest";
import { describe as describeError, formatError, toTiltLiveError, TiltLiveError, type ErrorCode } from "./errors.js";

function errno(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: operation failed, open '${path}'`), { code, path });
}

describe("error messages", () => {
  it("maps filesystem errors users can act on, keeping the cause", () => {
    const full = errno("ENOSPC", "/layers/x");
    const e = toTiltLiveError(full);
    expect(e.code).toBe("disk-full");
    expect(e.cause).toBe(full);
    expect(formatError(full)).toBe(
      [
        "ERROR: No space left on the device while writing /layers/x",
        "  Why: The filesystem holding the layers, the app dir or /tmp is full.",
        "  Fix: Free space (or give the container a larger volume) and run the rebuild again; the running app was not touched.",
      ].join("\n"),
    );
    // copyFile names the source as `path` and the target as `dest`: the full disk is the target's.
    const copyFull = Object.assign(errno("ENOSPC", "/layers/tilt-live/src/big.bin"), { dest: "/workspace/big.bin" });
    expect(formatError(copyFull)).toContain("ERROR: No space left on the device while writing /workspace/big.bin\n");
    expect(toTiltLiveError(errno("EACCES", "/layers/y")).code).toBe("unwritable");
    expect(toTiltLiveError(errno("EROFS", "/layers/y")).code).toBe("unwritable");
    expect(toTiltLiveError(new Error("boom")).code).toBe("internal");
  });

  it("says what happened, why and how to fix it, for every code", () => {
    // For each code: the error, then a piece of its headline, its why and its fix that must be there.
    const cases: Record<ErrorCode, [TiltLiveError, string, string, string]> = {
      "missing-file": [
        new TiltLiveError("missing-file", "The lifecycle's group.toml is missing", { path: "/layers/group.toml" }),
        "The lifecycle's group.toml is missing: /layers/group.toml does not exist",
        "should have written",
        "pack build",
      ],
      "malformed-toml": [
        new TiltLiveError("malformed-toml", "cannot parse", { path: "/m/plan.toml", detail: "Unexpected character at row 2" }),
        "/m/plan.toml is not valid TOML",
        "Unexpected character at row 2",
        "Fix or restore the file",
      ],
      "invalid-metadata": [
        new TiltLiveError("invalid-metadata", 'field "id" must be a non-empty string', { path: "/m/group.toml" }),
        '/m/group.toml has unexpected content: field "id" must be a non-empty string',
        "CNB specification",
        "rebuild the image with `pack build`",
      ],
      "empty-app-dir": [
        new TiltLiveError("empty-app-dir", "empty", { path: "/workspace" }),
        "The app directory is empty",
        "deleted the source",
        "--pre-buildpack tilt-live/source",
      ],
      unwritable: [
        new TiltLiveError("unwritable", "EACCES", { path: "/layers/x", detail: "EACCES: permission denied" }),
        "Cannot write /layers/x",
        "EACCES: permission denied",
        "as the user that built the image",
      ],
      "disk-full": [
        new TiltLiveError("disk-full", "ENOSPC", { path: "/workspace/a" }),
        "No space left on the device while writing /workspace/a",
        "is full",
        "Free space",
      ],
      "no-supervisor": [
        new TiltLiveError("no-supervisor", "no supervisor listens", { detail: "/tmp/tilt-live/control.sock: ENOENT" }),
        "No tilt-live supervisor is running",
        "/tmp/tilt-live/control.sock: ENOENT",
        "`rebuild --no-restart`",
      ],
      "build-failed": [
        new TiltLiveError("build-failed", "Rebuild failed: the build phase exited with status 1"),
        "Rebuild failed: the build phase exited with status 1",
        "its output is above",
        "Fix the error in your source",
      ],
      "uid-mismatch": [
        new TiltLiveError("uid-mismatch", "rebuild runs as uid 1002, but the image was built by uid 1000"),
        "rebuild runs as uid 1002",
        "belong to the user that built it",
        "--user <uid>:<gid>",
      ],
      config: [
        new TiltLiveError("config", 'BP_TILT_LIVE_WATCH must be true or false, got "maybe"', {
          variable: "BP_TILT_LIVE_WATCH",
          allowed: "true or false",
        }),
        'BP_TILT_LIVE_WATCH must be true or false, got "maybe"',
        "reads BP_TILT_LIVE_WATCH",
        "Set BP_TILT_LIVE_WATCH to true or false.",
      ],
      "bad-usage": [
        new TiltLiveError("bad-usage", "tilt-live-supervise needs the process type to run", {
          usage: "tilt-live-supervise <process type>",
        }),
        "needs the process type",
        "was not understood",
        "Call it as: tilt-live-supervise <process type>",
      ],
      internal: [
        new TiltLiveError("internal", "boom", { detail: "stack" }),
        "tilt-live failed unexpectedly: boom",
        "stack",
        "Please report this",
      ],
      "image-build-needed": [
        new TiltLiveError("image-build-needed", "project.toml is read only by the image build"),
        "Only a new image can take this change: project.toml is read only by the image build",
        "Nothing was built and the app keeps serving",
        "rebuild exits with status 3",
      ],
      "builder-killed": [
        new TiltLiveError("builder-killed", "Rebuild failed: the lifecycle builder was killed by SIGKILL"),
        "the lifecycle builder was killed by SIGKILL",
        "not failed by your source",
        "Give the container more memory",
      ],
      "app-start-failed": [
        new TiltLiveError("app-start-failed", "The app did not start after a good build: it exited with status 7"),
        "The app did not start after a good build: it exited with status 7",
        "the new process did not come up",
        "BP_TILT_LIVE_READY_TIMEOUT",
      ],
    };
    for (const [code, [error, headline, why, fix]] of Object.entries(cases)) {
      const m = describeError(error);
      expect(m.headline, code).toContain(headline);
      expect(m.why, code).toContain(why);
      expect(m.fix, code).toContain(fix);
      expect(formatError(error).split("\n"), code).toEqual([`ERROR: ${m.headline}`, `  Why: ${m.why}`, `  Fix: ${m.fix}`]);
    }
  });

  it("a usage error without a usage line points at --help", () => {
    expect(describeError(new TiltLiveError("bad-usage", 'rebuild: unknown argument "-x"')).fix).toBe(
      "Run the tool with --help for its usage.",
    );
  });

  it("internal errors ask for a report", () => {
    expect(formatError(new Error("unexpected"))).toContain("Please report this");
  });
});
