import { describe, expect, it } from "vitest";
import { longestGet, skaffoldSteps, tiltSteps } from "./orchestrator-steps.js";

const at = (entries: Array<[number, string]>) => entries.map(([ms, text]) => ({ ms, text }));

describe("tiltSteps", () => {
  const lines = at([
    [120, "     web │ 1 File Changed: [main.go]"],
    [150, "     web │ Will copy 1 file(s) to container: [abc]"],
    [151, "     web │ - '/tmp/app/main.go' --> '/layers/tilt-live/src/main.go'"],
    [260, "     web │ [CMD 1/1] /layers/tilt-live/tools/bin/rebuild"],
    [900, "     web │     Running 'go build -o /layers/paketo-buildpacks_go-build/targets/bin ./...'"],
    [1500, "     web │       Completed in 0.6s"],
    [1700, "     web │ [tilt-live] rebuild succeeded (exit 0): mirror 0.01s, build 1.2s, total 1.3s, restart 0.03s, ready 0.02s"],
    [1760, "     web │   → Container abc updated!"],
  ]);

  it("splits the edit into consecutive steps that add up to the edit → response time", () => {
    const steps = tiltSteps(lines, 1800);
    expect(steps).toMatchObject({ watch: 120, queue: 30, syncExec: 110, runExec: 1500, untilResponse: 40 });
    expect(steps.watch! + steps.queue! + steps.syncExec! + steps.runExec! + steps.untilResponse!).toBe(1800);
  });
  it("puts the rebuild's own account inside the run exec, and the exec's overhead beside it", () => {
    const steps = tiltSteps(lines, 1800);
    expect(steps).toMatchObject({
      "rebuild.build": 1200,
      "rebuild.total": 1300,
      "rebuild.restart": 30,
      "rebuild.ready": 20,
      "rebuild.goBuild": 600,
      execOverhead: 1500 - 1350,
    });
  });
  it("times a lost port-forward from Tilt's line until GET answered", () => {
    const lost = [
      ...lines,
      ...at([[1790, "example-go │ Reconnecting... Error port-forwarding example-go (8080 -> 8080): lost connection to pod"]]),
    ];
    expect(tiltSteps(lost, 2800).portForwardDown).toBe(1010);
    expect(tiltSteps(lines, 1800).portForwardDown).toBeUndefined();
  });
  it("says so with a negative step when GET answered before Tilt logged the end", () => {
    expect(tiltSteps(lines, 1740).untilResponse).toBe(-20);
  });
  it("leaves out the steps around a mark that never showed, and reads no lines before the file change", () => {
    const noCopy = lines.filter((line) => !line.text.includes("Will copy"));
    const steps = tiltSteps(noCopy, 1800);
    expect(steps.queue).toBeUndefined();
    expect(steps.syncExec).toBeUndefined();
    expect(steps).toMatchObject({ watch: 120, runExec: 1500, untilResponse: 40 });
  });
});

describe("skaffoldSteps", () => {
  const lines = at([
    [1050, "Syncing 1 files for tilt-live-test-x-skaffold-app-1"],
    [1200, "Watching for changes..."],
    [1330, "[tilt-live-test-x-skaffold-app-1] [tilt-live] rebuild #2 started"],
    [1400, "[tilt-live-test-x-skaffold-app-1]     Running 'go build -o /x ./...'"],
    [2000, "[tilt-live-test-x-skaffold-app-1]       Completed in 0.58s"],
    [
      2500,
      "[tilt-live-test-x-skaffold-app-1] [tilt-live] rebuild #2 succeeded in 1.1s; app restarted in 0.04s (old app: exited 0); listening on 8080 after 0.02s",
    ],
  ]);

  it("splits the edit into Skaffold's watch, its sync, the watcher's start and rebuild, then the answer", () => {
    const steps = skaffoldSteps(lines, 2560);
    expect(steps).toMatchObject({ watch: 1050, sync: 150, watcherStart: 130, watcherRebuild: 1170, untilResponse: 60 });
    expect(steps.watch! + steps.sync! + steps.watcherStart! + steps.watcherRebuild! + steps.untilResponse!).toBe(2560);
    expect(steps).toMatchObject({ "rebuild.total": 1100, "rebuild.restart": 40, "rebuild.ready": 20, "rebuild.goBuild": 580 });
  });
  it("counts the sync up to the rebuild's start when Skaffold's end of sync came later", () => {
    const late = lines.map((line) => (line.text === "Watching for changes..." ? { ...line, ms: 2600 } : line));
    const steps = skaffoldSteps(late, 2560);
    expect(steps.sync).toBe(280);
    expect(steps.watcherStart).toBeUndefined();
    expect(steps).toMatchObject({ watch: 1050, watcherRebuild: 1170, untilResponse: 60 });
  });
});

describe("longestGet", () => {
  it("takes the longest time between a poll's start (the previous answer plus the pause) and its answer", () => {
    expect(longestGet([5, 60, 1130, 1190], 50)).toBe(1020);
    expect(longestGet([3], 50)).toBe(3);
    expect(longestGet([], 50)).toBe(0);
  });
});
