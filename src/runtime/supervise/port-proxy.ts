/**
 * The supervisor's HTTP proxy (TILT_LIVE_PROXY=LISTEN:APP): it owns the port clients reach and forwards each
 * request to the app on 127.0.0.1:APP, so a client's connection outlives the app's restarts.
 *
 * Why: on Kubernetes a client reaches the pod through a port-forward, and containerd's CRI port-forward keeps a
 * connection's stream open for up to a second after the pod side closed it (`sandbox_portforward_linux.go`,
 * `const timeout = time.Second`). A client that reuses a kept-alive connection across an app restart sends its
 * request into that second and waits it out. Behind the proxy, the app's exit closes only the proxy's own
 * connection to the app; the client's stays open and its next request goes to the new app.
 *
 * A request that finds nothing listening on APP (the app is restarting, or still starting) waits for it, up to
 * `holdMs`, instead of failing: connection refused is retried, every other error answers 502. Upgrades
 * (WebSocket) are passed through as raw bytes once the app accepted the connection.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { errnoCode } from "../../core/errno.js";
import { setTimeout as sleep } from "node:timers/promises";

/** How long a refused connection waits before the next try: about a Go app's bind after exec. */
const RETRY_MS = 20;

/** Longer than clients keep idle connections (undici 4 s, browsers up to 5 min are cut by this): the client closes first. */
const CLIENT_KEEP_ALIVE_MS = 120_000;

/** Headers that describe one hop, not the message (RFC 9110 7.6.1): each side of the proxy has its own. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);

export interface PortProxyOptions {
  listenPort: number;
  appPort: number;
  /** How long a request waits for the app to listen before it is answered 502. */
  holdMs: number;
  /** One line for the supervisor's log: the app did not listen within holdMs (once until it listens again). */
  onUnreachable: (detail: string) => void;
  /** The address the app is reached at; 127.0.0.1 (what containerd dials inside the pod, too). */
  appHost?: string;
  /** The address the proxy listens on; all interfaces by default, as the app's port would be. */
  listenHost?: string;
}

export interface PortProxy {
  /** The port it listens on (listenPort, or the one the kernel chose for 0). */
  port: number;
  close(): Promise<void>;
}

/** Copies a message's headers without the hop-by-hop ones and those its Connection header names. */
export function endToEndHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== ""),
  );
  const kept: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && !named.has(name) && value !== undefined) kept[name] = value;
  }
  return kept;
}

/** Whether a request carries a body (RFC 9112 6.3): one that has none can be sent again as it was. */
function hasBody(req: IncomingMessage): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

function connectOnce(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

export function startPortProxy(options: PortProxyOptions): Promise<PortProxy> {
  const appHost = options.appHost ?? "127.0.0.1";
  let unreachableSaid = false;
  let boundPort = options.listenPort;
  const upgraded = new Set<Duplex>();

  /** A connection to the app, waiting while nothing listens there (a restart) until the request's deadline. */
  const connectApp = async (deadline: number): Promise<Socket> => {
    for (;;) {
      try {
        const socket = await connectOnce(appHost, options.appPort);
        unreachableSaid = false;
        return socket;
      } catch (error) {
        const code = errnoCode(error);
        if (code !== "ECONNREFUSED" || Date.now() >= deadline) {
          const detail =
            code === "ECONNREFUSED"
              ? `nothing listened on ${appHost}:${options.appPort} for ${options.holdMs / 1000} s`
              : `${appHost}:${options.appPort}: ${(error as Error).message}`;
          if (!unreachableSaid) options.onUnreachable(detail);
          unreachableSaid = true;
          throw new Error(detail, { cause: error });
        }
        await sleep(RETRY_MS);
      }
    }
  };

  const badGateway = (res: ServerResponse, detail: string): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(502, { "content-type": "text/plain; charset=utf-8", connection: "close" });
    res.end(`tilt-live proxy (TILT_LIVE_PROXY=${boundPort}:${options.appPort}): ${detail}\n`);
  };

  /**
   * One request to the app. A request without a body that the app dropped before answering (it was stopped for
   * a restart) is sent again to the next app, within holdMs; any other is answered 502.
   */
  const forward = async (req: IncomingMessage, res: ServerResponse, deadline: number): Promise<void> => {
    let socket: Socket;
    try {
      socket = await connectApp(deadline);
    } catch (error) {
      req.resume();
      badGateway(res, (error as Error).message);
      return;
    }
    const upstream = httpRequest({
      createConnection: () => socket,
      method: req.method,
      path: req.url,
      headers: { ...endToEndHeaders(req.headers), connection: "close" },
    });
    let answered = false;
    upstream.on("response", (answer) => {
      answered = true;
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEndHeaders(answer.headers));
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    upstream.on("error", (error) => {
      if (!answered && !hasBody(req) && !res.destroyed && Date.now() < deadline) {
        void sleep(RETRY_MS).then(() => forward(req, res, deadline));
      } else badGateway(res, `the app dropped the request: ${error.message}`);
    });
    // The client went away before the answer was complete: so does the request to the app.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (hasBody(req)) req.pipe(upstream);
    else upstream.end();
  };

  const passUpgrade = async (req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> => {
    let app: Socket;
    try {
      app = await connectApp(Date.now() + options.holdMs);
    } catch (error) {
      client.end(
        `HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\nx-tilt-live-proxy: ${(error as Error).message}\r\n\r\n`,
      );
      return;
    }
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    app.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (head.length > 0) app.write(head);
    upgraded.add(client);
    const end = () => {
      upgraded.delete(client);
      client.destroy();
      app.destroy();
    };
    app.on("error", end).on("close", end);
    client.on("error", end).on("close", end);
    app.pipe(client);
    client.pipe(app);
  };

  const server: Server = createServer({ keepAliveTimeout: CLIENT_KEEP_ALIVE_MS }, (req, res) => {
    void forward(req, res, Date.now() + options.holdMs);
  });
  server.on("upgrade", (req: IncomingMessage, client: Duplex, head: Buffer) => void passUpgrade(req, client, head));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.listenPort, options.listenHost, () => {
      server.off("error", reject);
      const address = server.address();
      if (typeof address === "object" && address) boundPort = address.port;
      resolve({
        port: boundPort,
        close: () =>
          new Promise<void>((done) => {
            for (const client of upgraded) client.destroy();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
