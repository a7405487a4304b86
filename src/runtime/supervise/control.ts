/**
 * The supervisor's control channel: a Unix socket only its owner can use (directory 0700, socket 0600),
 * speaking newline-delimited JSON. A client sends one request line; the server answers with zero or more
 * `log` lines and one final line (`result`, `status` or `error`), then closes the connection.
 *
 *   {"op":"rebuild","restart":true,"clean":false} -> {"type":"log","text":"..."}* {"type":"result","ok":true,"exitCode":0,"timings":{...},"summary":"..."}
 *   {"op":"status"}                 -> {"type":"status", ...}
 *
 * The summary is the line a client prints last; native/tilt-live-rebuild.c, the small client, relies on this
 * shape (one JSON.stringify line per message, `text`, `exitCode` and `summary`).
 */
import { chmod, lstat, mkdir, unlink } from "node:fs/promises";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { dirname } from "node:path";
import { TiltLiveError } from "../../core/errors.js";
import { formatSeconds } from "../../log/logger.js";
import type { BuildResult } from "../rebuild/build-queue.js";

export type ControlRequest = { op: "rebuild"; restart: boolean; clean?: boolean } | { op: "status" };

export interface SupervisorStatus {
  processType: string;
  appPid: number | null;
  appRunning: boolean;
  building: boolean;
  builds: number;
  watching: boolean;
  /** The supervisor's own memory (process.memoryUsage(), KB): the soak checks that it levels off. */
  memoryKb: { rss: number; heapUsed: number; heapTotal: number; external: number };
}

export type ControlMessage =
  | { type: "log"; text: string }
  | ({ type: "result"; summary: string } & BuildResult)
  | ({ type: "status" } & SupervisorStatus)
  | { type: "error"; message: string };

export interface ControlHandlers {
  rebuild(request: { restart: boolean; clean?: boolean }, onLog: (text: string) => void): Promise<BuildResult>;
  status(): SupervisorStatus;
}

export interface ControlServer {
  close(): Promise<void>;
}

/** The line a rebuild client prints after the build's output: the outcome and every step's time. */
export function rebuildSummary(result: BuildResult): string {
  const steps = Object.entries(result.timings)
    .map(([name, ms]) => `${name} ${formatSeconds(ms)}`)
    .join(", ");
  return `[tilt-live] rebuild ${result.ok ? "succeeded" : "failed"} (exit ${result.exitCode})${steps ? `: ${steps}` : ""}`;
}

/** A request line, or undefined for anything else (not JSON, not an object, an unknown op, a non-boolean flag). */
export function parseRequest(line: string): ControlRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { op, restart, clean } = value as { op?: unknown; restart?: unknown; clean?: unknown };
  const flag = (v: unknown) => v === undefined || typeof v === "boolean";
  if (op === "status") return { op: "status" };
  if (op === "rebuild" && flag(restart) && flag(clean)) return { op: "rebuild", restart: restart !== false, clean: clean === true };
  return undefined;
}

/** A reply line from the supervisor, or undefined when it is not one. */
function parseMessage(line: string): ControlMessage | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string"
      ? (value as ControlMessage)
      : undefined;
  } catch {
    return undefined;
  }
}

function send(socket: Socket, message: ControlMessage): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
}

/** Reads the first line from a socket. */
function firstLine(socket: Socket, onLine: (line: string) => void): void {
  let buffer = "";
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    const nl = buffer.indexOf("\n");
    if (nl === -1) return;
    socket.off("data", onData);
    onLine(buffer.slice(0, nl));
  };
  socket.on("data", onData);
}

async function handle(socket: Socket, line: string, handlers: ControlHandlers): Promise<void> {
  const request = parseRequest(line);
  if (!request) {
    send(socket, { type: "error", message: `not a request: ${line.slice(0, 200)}` });
  } else if (request.op === "status") {
    send(socket, { type: "status", ...handlers.status() });
  } else {
    const result = await handlers.rebuild({ restart: request.restart, clean: request.clean }, (text) =>
      send(socket, { type: "log", text }),
    );
    send(socket, { type: "result", ...result, summary: rebuildSummary(result) });
  }
  socket.end();
}

/** Removes a socket file nobody listens on; fails when a live server already owns the path. */
async function clearStaleSocket(path: string): Promise<void> {
  try {
    await lstat(path);
  } catch {
    return;
  }
  const live = await new Promise<boolean>((resolve) => {
    const probe = createConnection(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (live) {
    throw new TiltLiveError("internal", "another tilt-live supervisor already listens on the control socket", {
      path,
      detail: "Only one supervised process per container can serve rebuilds.",
    });
  }
  await unlink(path);
}

export async function serveControl(socketPath: string, handlers: ControlHandlers): Promise<ControlServer> {
  const dir = dirname(socketPath);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await clearStaleSocket(socketPath);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    firstLine(socket, (line) => {
      handle(socket, line, handlers).catch((error: unknown) => {
        send(socket, { type: "error", message: error instanceof Error ? error.message : String(error) });
        socket.end();
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  await chmod(socketPath, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Sends one request and calls `onMessage` for every line the server sends back; resolves with the final
 * message. A missing socket, or one nobody listens on, is a TiltLiveError("no-supervisor").
 */
export function sendControl(
  socketPath: string,
  request: ControlRequest,
  onMessage: (message: ControlMessage) => void = () => {},
): Promise<ControlMessage> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let buffer = "";
    let final: ControlMessage | undefined;
    socket.once("connect", () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (let nl = buffer.indexOf("\n"); nl !== -1; nl = buffer.indexOf("\n")) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim() === "") continue;
        const message = parseMessage(line);
        if (!message) {
          // Not the supervisor's protocol (another program on the socket, or a torn write): stop reading.
          socket.destroy();
          reject(
            new TiltLiveError("internal", `the control socket sent a line that is not a tilt-live message: ${line.slice(0, 200)}`, {
              path: socketPath,
            }),
          );
          return;
        }
        onMessage(message);
        if (message.type !== "log") final = message;
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") {
        reject(
          new TiltLiveError(
            "no-supervisor",
            "no supervisor listens",
            { path: socketPath, detail: `${socketPath}: ${error.code}` },
            { cause: error },
          ),
        );
      } else {
        reject(error);
      }
    });
    socket.on("close", () => {
      if (final) resolve(final);
      else reject(new TiltLiveError("internal", "the supervisor closed the control connection without a result", { path: socketPath }));
    });
  });
}
