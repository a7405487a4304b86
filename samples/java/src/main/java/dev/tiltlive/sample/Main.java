// Sample app for tilt-live: an HTTP server whose answer tests and the demo change to see an update land.
package dev.tiltlive.sample;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import sun.misc.Signal;

public final class Main {
    /** What GET / answers; tests edit this line. */
    static String message() {
        return "v1";
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/", exchange -> {
            byte[] body = (exchange.getRequestURI().getPath().equals("/") ? message() + "\n" : "not found\n")
                .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/") ? 200 : 404, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        // A handler of our own, not a shutdown hook: the JVM would exit with 143 after the hooks ran.
        Signal.handle(new Signal("TERM"), signal -> {
            System.out.println("received SIGTERM, shutting down");
            server.stop(0);
            System.exit(0);
        });
        server.start();
        System.out.println("listening on :" + port + ", message \"" + message() + "\"");
    }
}
