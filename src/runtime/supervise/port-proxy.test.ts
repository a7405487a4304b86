import { once } from "node:events";
import { Agent, createServer, request, type IncomingMessage, type RequestListener, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../testing/free-port.js";
import { endToEndHeaders, startPortProxy, type PortProxy } from "./port-proxy.js";

const started: { close(): unknown }[] = [];

afterEach(async () => {
  for (const s of started.splice(0).reverse()) await s.close();
});

/** An app: an HTTP server on 127.0.0.1:`port` (0: the kernel's choice). */
async function app(handler: RequestListener, port = 0): Promise<Server & { port: number }> {
  const server = createServer(handler);
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  started.push({ close: () => stopApp(server) });
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}

/** Stops an app as a restart does: its connections, kept-alive ones included, go with it. */
async function stopApp(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, "close");
  server.close();
  server.closeAllConnections();
  await closed;
}

async function proxy(appPort: number, holdMs = 5_000): Promise<PortProxy & { unreachable: string[] }> {
  const unreachable: string[] = [];
  const p = await startPortProxy({ listenPort: 0, appPort, holdMs, listenHost: "127.0.0.1", onUnreachable: (d) => unreachable.push(d) });
  started.push(p);
  return Object.assign(p, { unreachable });
}

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
  reusedSocket: boolean;
}

function send(
  port: number,
  options: { method?: string; path?: string; body?: string; agent?: Agent; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      method: options.method ?? "GET",
      path: options.path ?? "/",
      agent: options.agent,
      headers: options.headers,
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, reusedSocket: req.reusedSocket }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("endToEndHeaders", () => {
  it("drops the hop-by-hop headers and those Connection names, and keeps the rest", () => {
    expect(
      endToEndHeaders({
        connection: "keep-alive, x-hop",
        "keep-alive": "timeout=5",
        "transfer-encoding": "chunked",
        upgrade: "h2c",
        "x-hop": "1",
        host: "example",
        "set-cookie": ["a=1", "b=2"],
      }),
    ).toEqual({ host: "example", "set-cookie": ["a=1", "b=2"] });
  });
});

describe("the supervisor's port proxy", () => {
  it("forwards a request with its method, path, headers and body, and the answer with its status and headers", async () => {
    const target = await app((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk));
      req.on("end", () => {
        res.writeHead(201, {
          "set-cookie": ["a=1", "b=2"],
          "x-seen": `${req.method} ${req.url} ${req.headers["x-mine"]} ${req.headers.host}`,
        });
        res.end(`got ${body}`);
      });
    });
    const p = await proxy(target.port);
    const answer = await send(p.port, { method: "POST", path: "/items?x=1", body: "payload", headers: { "x-mine": "yes" } });
    expect(answer.status).toBe(201);
    expect(answer.body).toBe("got payload");
    expect(answer.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(answer.headers["x-seen"]).toBe(`POST /items?x=1 yes 127.0.0.1:${p.port}`);
  });

  it("keeps the client's connection across an app restart: the next request on it reaches the new app", async () => {
    const port = await freePort();
    const first = await app((_req, res) => res.end("v1"), port);
    const p = await proxy(port);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    started.push({ close: () => agent.destroy() });
    expect((await send(p.port, { agent })).body).toBe("v1");

    await stopApp(first);
    await app((_req, res) => res.end("v2"), port);
    const second = await send(p.port, { agent });
    expect(second).toMatchObject({ status: 200, body: "v2", reusedSocket: true });
  });

  it("holds a request while nothing listens on the app's port, and forwards it once the app listens", async () => {
    const port = await freePort();
    const p = await proxy(port);
    const pending = send(p.port, { path: "/late" });
    await new Promise((done) => setTimeout(done, 300));
    await app((req, res) => res.end(`late app: ${req.url}`), port);
    expect(await pending).toMatchObject({ status: 200, body: "late app: /late" });
    expect(p.unreachable).toEqual([]);
  });

  it("sends a request without a body again when the app drops it unanswered (stopped for a restart)", async () => {
    const port = await freePort();
    let drops = 0;
    // The app is stopped while the request is in it: the request is dropped and the port refuses for a while.
    const stopping = await app((req) => {
      drops++;
      req.socket.destroy();
      void stopApp(stopping);
    }, port);
    const p = await proxy(port);
    const pending = send(p.port);
    await new Promise((done) => setTimeout(done, 200));
    expect(drops).toBe(1);
    await app((_req, res) => res.end("answered by the next app"), port);
    expect(await pending).toMatchObject({ status: 200, body: "answered by the next app" });
  });

  it("answers 502 with the reason when the app does not listen within the hold time, and says so once", async () => {
    const port = await freePort();
    const p = await proxy(port, 200);
    const answers = [await send(p.port), await send(p.port)];
    for (const answer of answers) {
      expect(answer.status).toBe(502);
      expect(answer.body).toBe(`tilt-live proxy (TILT_LIVE_PROXY=${p.port}:${port}): nothing listened on 127.0.0.1:${port} for 0.2 s\n`);
    }
    expect(p.unreachable).toEqual([`nothing listened on 127.0.0.1:${port} for 0.2 s`]);
  });

  it("answers 502 when the app drops a request with a body: it is not sent twice", async () => {
    const target = await app((req) => req.socket.destroy());
    const p = await proxy(target.port);
    const answer = await send(p.port, { method: "POST", body: "once" });
    expect(answer.status).toBe(502);
    expect(answer.body).toMatch(/the app dropped the request: socket hang up/);
  });

  it("passes an upgrade (WebSocket) through as bytes once the app switched protocols", async () => {
    const target = await app((_req, res) => res.end());
    target.on("upgrade", (req: IncomingMessage, socket, head: Buffer) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: echo\r\nconnection: Upgrade\r\nx-path: ${req.url}\r\n\r\n`);
      if (head.length > 0) socket.write(head);
      socket.pipe(socket);
    });
    const p = await proxy(target.port);
    const client = connect(p.port, "127.0.0.1");
    started.push({ close: () => client.destroy() });
    await once(client, "connect");
    client.write("GET /ws HTTP/1.1\r\nhost: x\r\nupgrade: echo\r\nconnection: Upgrade\r\n\r\nhello");
    let received = "";
    client.setEncoding("utf8");
    client.on("data", (chunk: string) => (received += chunk));
    const deadline = Date.now() + 5_000;
    while (!received.endsWith("hello") && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
    expect(received).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(received).toContain("x-path: /ws\r\n");
    expect(received.endsWith("\r\n\r\nhello")).toBe(true);
  });
});
