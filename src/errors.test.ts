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

  it("has a headline, a reason and a fix for every code", () => {
    const codes: ErrorCode[] = [
      "missing-file", "malformed-toml", "invalid-metadata", "empty-app-dir", "unwritable", "disk-full",
      "no-supervisor", "build-failed", "uid-mismatch", "bad-usage", "internal",
    ];
    for (const code of codes) {
      const m = describeError(new TiltLiveError(code, "something went wrong", { path: "/p" }));
      expect(m.headline.length, code).toBeGreaterThan(5);
      expect(m.why.length, code).toBeGreaterThan(5);
      expect(m.fix.length, code).toBeGreaterThan(5);
    }
  });

  it("internal errors ask for a report", () => {
    expect(formatError(new Error("unexpected"))).toContain("Please report this");
  });
});
