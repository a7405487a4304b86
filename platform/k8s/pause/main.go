// The pod sandbox ("pause") process of tilt-live's local Kubernetes (scripts/platform/k8s.sh): holds the pod's
// namespaces and waits until the runtime stops it. Made here because no registry serves registry.k8s.io/pause.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
