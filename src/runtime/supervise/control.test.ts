import { spawn } from "node:child_process";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../testing/temp-dir.js";
import { TiltLiveError } from "../../core/errors.js";
import { parseRequest, sendControl, serveControl, type ControlHandlers, type ControlMessage } from "./control.js";

let root: string;
let socket: string;
beforeEach(async () => {
  root = await tempDir("control-");
  socket = join(root, "tilt-live", "control.sock");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const handlers: ControlHandlers = {
  async rebuild(request, onLog) {
    onLog("step one\n");
    onLog(`restart=${request.restart}\n`);
    return { ok: true, exitCode: 0, timings: { build: 12 } };
  },
  status: () => ({
    processType: "web",
    appPid: 42,
    appRunning: true,
    building: false,
    builds: 3,
    watching: false,
    memoryKb: { rss: 1, heapUsed: 2, heapTotal: 3, external: 4 },
  }),
};

describe("control channel", () => {
  it("streams logs then the result, and answers status; dir 0700 and socket 0600", async () => {
    const server = await serveControl(socket, handlers);
    try {
      expect((await stat(join(root, "tilt-live"))).mode & 0o777).toBe(0o700);
      expect((await stat(socket)).mode & 0o777).toBe(0o600);
      const messages: ControlMessage[] = [];
      const final = await sendControl(socket, { op: "rebuild", restart: false }, (m) => messages.push(m));
      expect(messages).toEqual([
        { type: "log", text: "step one\n" },
        { type: "log", text: "restart=false\n" },
        { type: "result", ok: true, exitCode: 0, timings: { build: 12 }, summary: "[tilt-live] rebuild succeeded (exit 0): build 0.012s" },
      ]);
      expect(final).toEqual(messages[2]);
      expect(await sendControl(socket, { op: "status" })).toMatchObject({ type: "status", appPid: 42, builds: 3 });
    } finally {
      await server.close();
    }
  });

  it("answers a malformed request with an error line", async () => {
    const server = await serveControl(socket, handlers);
    try {
      const reply = await new Promise<string>((resolve) => {
        const child = spawn(process.execPath, [
          "-e",
          `const s=require("net").createConnection(${JSON.stringify(socket)});let d="";s.on("data",c=>d+=c);s.on("close",()=>process.stdout.write(d));s.write("hello\\n")`,
        ]);
        let out = "";
        child.stdout.on("data", (c) => (out += c));
        child.on("close", () => resolve(out));
      });
      expect(JSON.parse(reply)).toMatchObject({ type: "error" });
    } finally {
      await server.close();
    }
  });

  it("parses only well-formed requests", () => {
    expect(parseRequest('{"op":"rebuild"}')).toEqual({ op: "rebuild", restart: true, clean: false });
    expect(parseRequest('{"op":"rebuild","restart":false}')).toEqual({ op: "rebuild", restart: false, clean: false });
    expect(parseRequest('{"op":"rebuild","clean":true}')).toEqual({ op: "rebuild", restart: true, clean: true });
    expect(parseRequest('{"op":"status"}')).toEqual({ op: "status" });
    for (const line of [
      "hello",
      "null",
      "42",
      '"rebuild"',
      '{"op":"build"}',
      '{"op":"rebuild","restart":"no"}',
      '{"op":"rebuild","clean":1}',
      "{",
    ]) {
      expect(parseRequest(line), line).toBeUndefined();
    }
  });

  it("rejects a reply line that is not a tilt-live message instead of throwing", async () => {
    const { createServer } = await import("node:net");
    await mkdir(dirname(socket), { recursive: true });
    const impostor = createServer((s) => s.end("not json\n"));
    await new Promise<void>((resolve) => impostor.listen(socket, resolve));
    try {
      await expect(sendControl(socket, { op: "status" })).rejects.toThrow(/a line that is not a tilt-live message: not json/);
    } finally {
      impostor.close();
    }
  });

  it("removes a stale socket file left by a dead supervisor", async () => {
    // A real socket file with no listener: a child process binds it and is killed without cleanup.
    await serveControl(socket, handlers).then((s) => s.close());
    const child = spawn(process.execPath, [
      "-e",
      `require("net").createServer().listen(${JSON.stringify(socket)}, () => console.log("up"))`,
    ]);
    await new Promise((r) => child.stdout.once("data", r));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    await expect(stat(socket)).resolves.toBeTruthy();
    const server = await serveControl(socket, handlers);
    try {
      expect((await sendControl(socket, { op: "status" })).type).toBe("status");
    } finally {
      await server.close();
    }
  });

  it("refuses to take over a socket a live server listens on", async () => {
    const server = await serveControl(socket, handlers);
    try {
      await expect(serveControl(socket, handlers)).rejects.toThrow(/already listens/);
    } finally {
      await server.close();
    }
  });

  it("reports no-supervisor when the socket is missing or dead", async () => {
    await expect(sendControl(socket, { op: "status" })).rejects.toMatchObject({ code: "no-supervisor" });
    await writeFile(join(root, "plain"), "");
    const error = await sendControl(join(root, "plain"), { op: "status" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TiltLiveError);
    expect((error as TiltLiveError).code).toBe("no-supervisor");
  });
});
