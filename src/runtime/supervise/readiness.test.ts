import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { listeningPorts, waitUntilListening } from "./readiness.js";

/** A child in its own process group that listens on `port` (0: the kernel's choice) after `delayMs` and prints it. */
function listener(delayMs: number, port = 0) {
  const script = `setTimeout(() => { const s = require("net").createServer().listen(${port}, "127.0.0.1", () => console.log(s.address().port)); }, ${delayMs});`;
  const child = spawn(process.execPath, ["-e", script], { detached: true, stdio: ["ignore", "pipe", "inherit"] });
  const exited = once(child, "exit").then(([code]) => ({ status: Number(code ?? 1) }));
  const printed = once(child.stdout!, "data").then(([chunk]) => Number(String(chunk).trim()));
  return { child, exited, port: printed };
}

describe("readiness from /proc", () => {
  it("finds the ports a process group listens on, and waits until a new group listens there", async () => {
    const first = listener(0);
    const port = await first.port;
    expect(await listeningPorts(first.child.pid!)).toEqual(new Set([port]));
    expect(await listeningPorts(process.pid)).not.toContain(port);
    first.child.kill();
    await first.exited;

    const late = listener(300, port);
    const t0 = performance.now();
    expect(await waitUntilListening(late.child.pid!, new Set([port]), { timeoutMs: 5000, exited: late.exited })).toEqual({ ready: true });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    expect(await late.port).toBe(port);
    late.child.kill();
    await late.exited;
  });

  it("stops waiting when the app exits or the timeout passes, and says which", async () => {
    const crash = spawn(process.execPath, ["-e", "process.exit(7)"], { detached: true, stdio: "ignore" });
    const exited = once(crash, "exit").then(([code]) => ({ status: Number(code) }));
    expect(await waitUntilListening(crash.pid!, new Set([1]), { timeoutMs: 5000, exited })).toEqual({
      ready: false,
      why: "it exited with status 7 before it listened on port 1",
    });
    const idle = spawn(process.execPath, ["-e", "setTimeout(() => {}, 5000)"], { detached: true, stdio: "ignore" });
    const never = once(idle, "exit").then(() => ({ status: 0 }));
    const result = await waitUntilListening(idle.pid!, new Set([1]), { timeoutMs: 200, exited: never });
    expect(result).toEqual({ ready: false, why: "it did not listen on port 1 within 0.2 s (BP_TILT_LIVE_READY_TIMEOUT)" });
    idle.kill();
  });

  it("counts an app that listens only on another port for a second as moved, not as failed", async () => {
    const moved = listener(0);
    const port = await moved.port;
    const result = await waitUntilListening(moved.child.pid!, new Set([1]), { timeoutMs: 5000, exited: moved.exited });
    expect(result).toEqual({ ready: true, note: `it listens on port ${port}, no longer on 1` });
    moved.child.kill();
    await moved.exited;
  });

  it("is ready at once when the old app listened on nothing", async () => {
    expect(await waitUntilListening(process.pid, new Set(), { timeoutMs: 1, exited: new Promise(() => {}) })).toEqual({ ready: true });
  });
});
