import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runtimePaths } from "../contract/context.js";
import { serveControl } from "../runtime/supervise/control.js";
import { captureIo } from "../testing/io.js";
import { tempDir } from "../testing/temp-dir.js";
import { runTool } from "./tools.js";
import { supervisorStatus } from "../testing/supervisor-status.js";

/** A layers root with nothing in it, and a runtime dir of its own (no supervisor unless the test starts one). */
async function container() {
  const root = await tempDir("tilt-live-tools-");
  return { tmpDir: root, env: { CNB_LAYERS_DIR: join(root, "layers") } };
}

describe("rebuild", () => {
  it("asks the supervisor and exits with the build's exit code, streaming its output", async () => {
    const c = await container();
    const server = await serveControl(runtimePaths(c.tmpDir).socket, {
      rebuild: async (request, onLog) => {
        onLog(`restart=${request.restart}\n`);
        return { ok: false, exitCode: 3, timings: {} };
      },
      status: () => supervisorStatus({ appPid: 1, appRunning: true }),
    });
    try {
      const io = captureIo(c.env);
      expect(await runTool("rebuild", ["--no-restart"], io, { tmpDir: c.tmpDir })).toBe(3);
      expect(io.out()).toBe("restart=false\n");
      expect(io.err()).toContain("[tilt-live] rebuild failed (exit 3)");
    } finally {
      await server.close();
    }
  });

  it("without a supervisor, builds in its own process, says the app is not restarted, and fails on a missing context", async () => {
    const c = await container();
    const io = captureIo(c.env);
    expect(await runTool("rebuild", [], io, { tmpDir: c.tmpDir })).toBe(1);
    expect(io.err()).toBe("[tilt-live] no supervisor in this container: building here; the app is not restarted\n");
    expect(io.out()).toContain(
      `ERROR: tilt-live's build context is missing (was the image built with tilt-live?): ${join(c.env.CNB_LAYERS_DIR, "tilt-live", "meta", "context.json")} does not exist`,
    );
    const quiet = captureIo(c.env);
    expect(await runTool("rebuild", ["--no-restart"], quiet, { tmpDir: c.tmpDir })).toBe(1);
    expect(quiet.err()).toBe(""); // --no-restart asked for no restart: nothing to warn about
  });

  it("prints its usage, and rejects an unknown argument with exit 1", async () => {
    const c = await container();
    const help = captureIo(c.env);
    expect(await runTool("rebuild", ["--help"], help, { tmpDir: c.tmpDir })).toBe(0);
    expect(help.out()).toContain("Usage: rebuild [--no-restart] [--clean] [--help]");
    const bad = captureIo(c.env);
    expect(await runTool("rebuild", ["--force"], bad, { tmpDir: c.tmpDir })).toBe(1);
    expect(bad.err()).toContain('ERROR: rebuild: unknown argument "--force"');
    expect(bad.err()).toContain("Fix: Run the tool with --help for its usage.");
  });
});

describe("tilt-live-supervise", () => {
  it("without a process type exits 1 and says how it is called", async () => {
    const c = await container();
    const io = captureIo(c.env);
    expect(await runTool("tilt-live-supervise", [], io, { tmpDir: c.tmpDir })).toBe(1);
    expect(io.err()).toContain("ERROR: tilt-live-supervise needs the process type to run");
    expect(io.err()).toContain("Fix: Call it as: tilt-live-supervise <process type>");
  });

  it("with an image that has no tilt-live context exits 1 and names the file", async () => {
    const c = await container();
    const io = captureIo(c.env);
    expect(await runTool("tilt-live-supervise", ["web"], io, { tmpDir: c.tmpDir })).toBe(1);
    expect(io.err()).toContain(`${join(c.env.CNB_LAYERS_DIR, "tilt-live", "meta", "context.json")} does not exist`);
  });
});
