// Spring Boot sample for tilt-live: one controller whose answer tests and the demo change to see an update land.
package dev.tiltlive.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@SpringBootApplication
@RestController
public class Application {
    /** What GET / answers; tests edit this line. */
    static String message() {
        return "v1";
    }

    @GetMapping("/")
    String index() {
        return message() + "\n";
    }

    public static void main(String[] args) {
        SpringApplication.run(Application.class, args);
    }
}
