// tilt-live bench overlay (samples/go-large/README.md): with no Kubernetes to reconcile, the controller binary
// answers GET / with a message from a deep package instead of starting its controllers. Everything else of
// ./cmd/controller is compiled and linked as kpack builds it.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/pivotal/kpack/pkg/apis/build/v1alpha2"
)

func init() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, v1alpha2.TiltLiveMessage())
	})
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
