import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../testing/temp-dir.js";
import { BuildQueue } from "./rebuild/build-queue.js";
import { serveControl } from "./supervise/control.js";
import { runRebuildClient } from "./rebuild-client.js";
import { supervisorStatus } from "../testing/supervisor-status.js";

let root: string;
let socketPath: string;
beforeEach(async () => {
  root = await tempDir("rebuild-client-");
  socketPath = join(root, "tilt-live", "control.sock");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function sink() {
  const chunks: string[] = [];
  return {
    write: (c: string) => {
      chunks.push(c);
      return true;
    },
    text: () => chunks.join(""),
  };
}

describe("runRebuildClient", () => {
  it("streams the build output and returns the build's exit code; --no-restart reaches the build", async () => {
    const seen: boolean[] = [];
    let exitCode = 0;
    const queue = new BuildQueue(async (onOutput, run) => {
      seen.push(run.restart);
      onOutput("compiling\n");
      return { ok: exitCode === 0, exitCode, timings: { build: 1500 } };
    });
    const server = await serveControl(socketPath, {
      rebuild: (request, onLog) => queue.request({ restart: request.restart, onOutput: onLog }),
      status: () => supervisorStatus(),
    });
    try {
      const out = sink();
      const err = sink();
      expect(await runRebuildClient({ argv: [], stdout: out, stderr: err, socketPath })).toBe(0);
      expect(out.text()).toBe("compiling\n");
      expect(err.text()).toBe("[tilt-live] rebuild succeeded (exit 0): build 1.5s\n");
      exitCode = 3;
      expect(await runRebuildClient({ argv: ["--no-restart"], stdout: sink(), stderr: err, socketPath })).toBe(3);
      expect(seen).toEqual([true, false]);
    } finally {
      await server.close();
    }
  });

  it("prints usage for --help and rejects unknown flags", async () => {
    const out = sink();
    expect(await runRebuildClient({ argv: ["--help"], stdout: out, stderr: sink(), socketPath })).toBe(0);
    expect(out.text()).toContain("--no-restart");
    await expect(runRebuildClient({ argv: ["--force"], stdout: sink(), stderr: sink(), socketPath })).rejects.toMatchObject({
      code: "bad-usage",
    });
  });

  it("throws no-supervisor when the socket is missing", async () => {
    await expect(runRebuildClient({ argv: [], stdout: sink(), stderr: sink(), socketPath })).rejects.toMatchObject({
      code: "no-supervisor",
    });
  });
});
