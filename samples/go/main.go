// Sample app for tilt-live: an HTTP server whose answer tests and the demo change to see an update land.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// message is what GET / answers; tests edit this line.
const message = "v1"

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, message)
	})
	server := &http.Server{Addr: ":" + port, Handler: mux, ReadHeaderTimeout: 5 * time.Second}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)

	errs := make(chan error, 1)
	go func() { errs <- server.ListenAndServe() }()
	log.Printf("listening on :%s, message %q", port, message)

	select {
	case err := <-errs:
		log.Fatalf("server failed: %v", err)
	case sig := <-stop:
		if sig == syscall.SIGTERM {
			log.Print("received SIGTERM, shutting down")
		} else {
			log.Printf("received %v, shutting down", sig)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Printf("shutdown: %v", err)
	}
	os.Exit(0)
}
