import { describe, expect, it } from "vitest";
import { goBuildMs, rebuildSummarySteps, supervisorRebuildSteps } from "./rebuild-log.js";

describe("rebuildSummarySteps", () => {
  it("reads the client's summary line, wherever it sits in the text", () => {
    const text =
      "  Ran the build phase (1.2s)\n     web │ [tilt-live] rebuild succeeded (exit 0): mirror 0.012s, build 1.5s, total 1.61s, restart 0.04s, ready 0.021s\n";
    expect(rebuildSummarySteps(text)).toEqual({ mirror: 12, build: 1500, total: 1610, restart: 40, ready: 21 });
  });
  it("has no steps for a failed rebuild or no summary", () => {
    expect(rebuildSummarySteps("[tilt-live] rebuild failed (exit 1): build 0.5s")).toEqual({});
    expect(rebuildSummarySteps("")).toEqual({});
  });
});

describe("supervisorRebuildSteps", () => {
  it("reads a watcher's rebuild: total, restart and ready", () => {
    expect(
      supervisorRebuildSteps(
        "app-1 | [tilt-live] rebuild #3 succeeded in 1.234s; app restarted in 0.04s (old app: exited 0 after SIGTERM in 0.01s); listening on 8080 after 0.02s",
      ),
    ).toEqual({ total: 1234, restart: 40, ready: 20 });
    expect(supervisorRebuildSteps("[tilt-live] rebuild #4 (restart only) succeeded in 0.1s; app restarted in 0.03s")).toEqual({
      total: 100,
      restart: 30,
    });
  });
  it("ignores every other line", () => {
    expect(supervisorRebuildSteps("[tilt-live] rebuild #3 started")).toBeUndefined();
    expect(supervisorRebuildSteps("[tilt-live] rebuild #3 failed with exit 1 in 0.9s; the app was left as it was (pid 7)")).toBeUndefined();
  });
});

describe("goBuildMs", () => {
  it("takes go-build's Completed in after its go build line, in s or ms", () => {
    const lines = ["  Completed in 5ms", "    Running 'go build -o /layers/x/bin ./...'", "      Completed in 1.015s"];
    expect(goBuildMs(lines)).toBe(1015);
    expect(goBuildMs(["Running 'go build ./...'", "  Completed in 850ms"])).toBe(850);
  });
  it("is undefined when go build did not run", () => {
    expect(goBuildMs(["Change set: restart only", "  Completed in 1s"])).toBeUndefined();
  });
});
