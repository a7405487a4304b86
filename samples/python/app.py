"""Sample app for tilt-live: an HTTP server whose answer tests and the demo change to see an update land."""
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from banner import startup_line
from greeting import greet

# message is what GET / answers; tests edit this line.
message = "v1"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = (message + "\n").encode() if self.path == "/" else b"not found\n"
        self.send_response(200 if self.path == "/" else 404)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class Stop(Exception):
    """Raised by the signal handler to leave serve_forever at once."""


def main():
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer(("", port), Handler)

    # serve_forever() checks for shutdown() only between polls of 0.5 s, so a restart would wait up to half a
    # second for the old app to go; raising in the main thread (where Python runs signal handlers) ends it now.
    def shutdown(signum, _frame):
        name = "SIGTERM" if signum == signal.SIGTERM else signal.Signals(signum).name
        print(f"received {name}, shutting down", flush=True)
        raise Stop

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    print(startup_line(greet("python sample"), port, message), flush=True)
    try:
        server.serve_forever()
    except Stop:
        pass
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
