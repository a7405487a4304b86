// Sample app for tilt-live: an HTTP server whose answer tests and the demo change to see an update land.
"use strict";
const http = require("node:http");
const { greet } = require("greeting");

// message is what GET / answers; tests edit this line.
const message = "v1";

const port = Number(process.env.PORT || 8080);
const server = http.createServer((req, res) => {
  if (req.url !== "/") {
    res.writeHead(404).end("not found\n");
    return;
  }
  res.writeHead(200, { "content-type": "text/plain" }).end(message + "\n");
});

server.listen(port, () => console.log(`${greet("node sample")}: listening on :${port}, message ${JSON.stringify(message)}`));

function shutdown(signal) {
  console.log(signal === "SIGTERM" ? "received SIGTERM, shutting down" : `received ${signal}, shutting down`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
