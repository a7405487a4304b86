/**
 * native/tilt-live-rebuild.c, the small `rebuild` client, built as the packaging script builds it (with a test
 * socket path), against the real control server: the same output, summary and exit code as the Node client,
 * and everything else handed to the single executable next to it.
 */
import { execFile } from "node:child_process";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { buildRebuildClient } from "../testing/init-binary.js";
import { tempDir } from "../testing/temp-dir.js";
import { BuildQueue } from "./rebuild/build-queue.js";
import { serveControl } from "./supervise/control.js";
import { supervisorStatus } from "../testing/supervisor-status.js";

async function run(client: string, args: string[] = []): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(client, args, { encoding: "utf8" });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe("the native rebuild client", () => {
  let dir: string;
  let client: string;
  let socket: string;
  beforeAll(async () => {
    dir = await tempDir("rebuild-client-c-");
    socket = join(dir, "run", "control.sock");
    client = join(dir, "tilt-live-rebuild");
    buildRebuildClient(client, socket);
    // The single executable next to it, as in the buildpack's bin/: here a script that shows its argv.
    await writeFile(join(dir, "tilt-live"), '#!/bin/sh\necho "single executable: $*"\nexit 4\n');
    await chmod(join(dir, "tilt-live"), 0o755);
  });

  it("streams the log text byte for byte, prints the summary and exits with the build's status", async () => {
    let exitCode = 0;
    const text = 'compiling "main.go"\n\ttab \\ back\\slash ünïcødé ✓ 🚀 \u0001\n';
    const queue = new BuildQueue(async (onOutput) => {
      onOutput(text);
      onOutput(`${"x".repeat(100_000)}\n`);
      return { ok: exitCode === 0, exitCode, timings: { mirror: 12, build: 1500 } };
    });
    const server = await serveControl(socket, {
      rebuild: (request, onLog) => queue.request({ restart: request.restart, onOutput: onLog }),
      status: () => supervisorStatus(),
    });
    try {
      const good = await run(client);
      expect(good.stdout).toBe(`${text}${"x".repeat(100_000)}\n`);
      expect(good.stderr).toBe("[tilt-live] rebuild succeeded (exit 0): mirror 0.012s, build 1.5s\n");
      expect(good.code).toBe(0);
      exitCode = 3;
      const refused = await run(client);
      expect(refused.stderr).toBe("[tilt-live] rebuild failed (exit 3): mirror 0.012s, build 1.5s\n");
      expect(refused.code).toBe(3);
    } finally {
      await server.close();
    }
  });

  it("hands arguments, and a container without a supervisor, to the single executable", async () => {
    expect(await run(client, ["--no-restart"])).toEqual({ stdout: "single executable: rebuild --no-restart\n", stderr: "", code: 4 });
    expect(await run(client)).toEqual({ stdout: "single executable: rebuild\n", stderr: "", code: 4 });
  });
});
