import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describe as describeError, formatError } from "../../core/errors.js";
import { buildFailure, readOomKills } from "./build-failure.js";
import { tempDir } from "../../testing/temp-dir.js";

describe("a failed build phase's message", () => {
  it("blames the source for a plain non-zero exit", () => {
    const error = buildFailure({ exitCode: 51, outputTail: "ERROR: failed to build: exit status 1\n", oomKills: 0 });
    expect(error.code).toBe("build-failed");
    expect(formatError(error)).toContain("Fix the error in your source");
  });

  it("says the builder was killed, and by what, not that the source is wrong", () => {
    const error = buildFailure({ exitCode: 1, signal: "SIGKILL", outputTail: "", oomKills: 0 });
    expect(error.message).toBe("Rebuild failed: the lifecycle builder was killed by SIGKILL");
    const message = describeError(error);
    expect(message.why).toContain("killed by a signal, not failed by your source");
    expect(message.fix).toContain("more memory");
    expect(formatError(error)).not.toContain("Fix the error in your source");
  });

  it("reads the lifecycle's 'signal: killed' for a buildpack, and the cgroup's OOM kills", () => {
    const killed = buildFailure({ exitCode: 51, outputTail: "ERROR: failed to build: signal: killed\n", oomKills: 0 });
    expect(killed.message).toBe("Rebuild failed: a buildpack's build was killed (signal: killed)");
    const oom = buildFailure({ exitCode: 51, outputTail: "ERROR: failed to build: signal: killed\n", oomKills: 1 });
    expect(oom.message).toBe("Rebuild failed: a buildpack's build was killed (signal: killed), out of memory");
    expect(describeError(oom).why).toContain("OOM killer ended 1 process(es)");
    // go build's compiler killed: go-build exits 1, only the cgroup knows.
    expect(buildFailure({ exitCode: 51, outputTail: "exit status 1", oomKills: 2 }).code).toBe("builder-killed");
  });

  it("counts OOM kills from cgroup v2's memory.events or v1's memory.oom_control", async () => {
    const dir = await tempDir("tilt-live-oom-");
    await writeFile(join(dir, "v2"), "low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\n");
    await writeFile(join(dir, "v1"), "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n");
    expect(await readOomKills([join(dir, "v2"), join(dir, "v1")])).toBe(2);
    expect(await readOomKills([join(dir, "missing"), join(dir, "v1")])).toBe(5);
    expect(await readOomKills([join(dir, "missing")])).toBe(0);
  });
});
