// Sample app for tilt-live: an HTTP server whose answer tests and the demo change to see an update land.
package dev.tiltlive.sample;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

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
        // SIGTERM runs the shutdown hooks; halting from one makes the exit status 0 instead of 143 (128 + TERM).
        // The server stops first: the JVM's exit waits up to 300 ms for threads in native code (the server's
        // selector), and every live update waits for the old JVM to exit (stop(0): 9 ms, halt alone: 320 ms).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("received SIGTERM, shutting down");
            System.out.flush();
            server.stop(0);
            Runtime.getRuntime().halt(0);
        }));
        server.start();
        System.out.println("listening on :" + port + ", message \"" + message() + "\"");
    }
}
