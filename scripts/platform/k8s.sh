#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions are called through util::timed and traps
# A single-node Kubernetes cluster from parts, for the Kubernetes integration test and the demo: no registry, no
# internet. Kubernetes K8S_VERSION built from the Go module proxy's k8s.io/kubernetes, Debian's etcd-server,
# containerd (a second one, with its own root, state and socket), the CNI bridge plugin and docker-registry on
# 127.0.0.1 (and on the pod bridge's address, for pods). Binaries are cached by version; the cluster's state (PKI, data, logs, pids) lives in one directory
# that `stop` leaves clean. See docs/kubernetes-notes.md for what each choice works around.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

usage() {
  cat <<USAGE
Usage: scripts/platform/k8s.sh [start|stop|status|env|build|kubeconfig]
  start       (default) build what is missing, then start the cluster (no-op when it already runs)
  stop        delete every pod, stop all cluster processes this script started, unmount, remove the bridge and the
              iptables chains the kubelet added, and wipe the cluster's state (etcd, containerd, registry)
  status      print each component's state; exit 0 only when the whole cluster is up
  env         print shell exports: KUBECONFIG, PATH (kubectl ${K8S_VERSION}), TILT_LIVE_K8S_{CONTEXT,REGISTRY,POD_REGISTRY,CONTAINERD}
  build       only build the binaries, install the Debian packages and make the pause image
  kubeconfig  print the path of the kubeconfig (context tilt-live, admin user)
Binaries: \${TILT_LIVE_CACHE}/k8s/v${K8S_VERSION}/bin   (TILT_LIVE_CACHE=${TILT_LIVE_CACHE})
State:    \${TILT_LIVE_CACHE}/k8s/cluster   (kubeconfig: cluster/kubeconfig; logs: cluster/logs; pids: cluster/pids)
Build logs: \${TILT_LIVE_CACHE}/k8s/logs
Needs root (containerd, kubelet, iptables). Never touches ~/.kube/config.
USAGE
}

K8S_MODULE="k8s.io/kubernetes"
K8S_HOME="${TILT_LIVE_CACHE}/k8s"
K8S_BIN="${K8S_HOME}/v${K8S_VERSION}/bin"
K8S_BUILD_LOGS="${K8S_HOME}/logs"
K8S_COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl kubeadm)
K8S_DEBS=("etcd-server=${K8S_ETCD_DEB_VERSION}" "containerd=${K8S_CONTAINERD_DEB_VERSION}"
  "containernetworking-plugins=${K8S_CNI_DEB_VERSION}" "docker-registry=${K8S_REGISTRY_DEB_VERSION}")
K8S_CNI_BIN_DIR=/usr/lib/cni

# ---- the cluster ------------------------------------------------------------------------------------------------

K8S_STATE="${K8S_HOME}/cluster"
K8S_PKI="${K8S_STATE}/pki"
K8S_LOGS="${K8S_STATE}/logs"
K8S_PIDS="${K8S_STATE}/pids"
K8S_KUBECONFIG="${K8S_STATE}/kubeconfig"
K8S_CONTEXT="tilt-live"
K8S_NODE_NAME="tilt-live"
K8S_BRIDGE="tiltlive0"
K8S_POD_SUBNET="${K8S_POD_SUBNET:-10.88.0.0/24}"
K8S_SERVICE_SUBNET="10.96.0.0/16"
K8S_API_PORT="${K8S_API_PORT:-6443}"
K8S_REGISTRY_PORT="${K8S_REGISTRY_PORT:-5000}"
K8S_REGISTRY="127.0.0.1:${K8S_REGISTRY_PORT}"
# The same registry (one storage) as pods reach it: on the bridge's own address, the subnet's first (host-local IPAM
# keeps it for the gateway, so no pod gets it). Pods have only the bridge's on-link route, and a pod's 127.0.0.1 is
# the pod: what runs a registry client in a pod (kpack's build pods) names this address, and so does the node.
K8S_BRIDGE_IP="${K8S_POD_SUBNET%.*/*}.1"
K8S_POD_REGISTRY="${K8S_BRIDGE_IP}:${K8S_REGISTRY_PORT}"
K8S_CONTAINERD_SOCK="${K8S_STATE}/containerd/containerd.sock"
K8S_START_TIMEOUT="${K8S_START_TIMEOUT:-120}"
# Start order; stop goes backwards (etcd before the apiserver would hang it, containerd last).
K8S_DAEMONS=(containerd etcd kube-apiserver kube-controller-manager kube-scheduler registry pod-registry kubelet)
# What the kubelet may add to iptables (pkg/kubelet/kubelet_network_linux.go). The config below turns that off
# (makeIPTablesUtilChains: false: these protect kube-proxy's route_localnet, and there is no kube-proxy); stop still
# removes any of them that was not there before start.
K8S_KUBELET_CHAINS=("filter KUBE-FIREWALL" "mangle KUBE-IPTABLES-HINT" "mangle KUBE-KUBELET-CANARY"
  "nat KUBE-KUBELET-CANARY" "filter KUBE-KUBELET-CANARY")

k8s::kubectl() { "${K8S_BIN}/kubectl" --kubeconfig "${K8S_KUBECONFIG}" "$@"; }
k8s::ctr() { ctr --address "${K8S_CONTAINERD_SOCK}" --namespace k8s.io "$@"; }

# The concerns, one file each: building the parts, running daemons, their configuration, start, stop.
source "$(dirname "${BASH_SOURCE[0]}")/lib/k8s-build.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/k8s-process.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/k8s-config.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/k8s-start.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/k8s-stop.sh"

k8s::status() {
  local name pid ok=0
  for name in "${K8S_DAEMONS[@]}"; do
    if pid=$(k8s::pid_of "$name"); then printf '%-24s running (pid %s)\n' "$name" "$pid"
    else printf '%-24s stopped\n' "$name"; ok=1; fi
  done
  if [[ -s "${K8S_KUBECONFIG}" ]] && k8s::kubectl get --raw /readyz >/dev/null 2>&1; then
    printf '%-24s %s\n' "node ${K8S_NODE_NAME}" "$(k8s::node_ready && echo Ready || echo NotReady)"
    k8s::node_ready || ok=1
  else
    printf '%-24s %s\n' "apiserver" "not answering"; ok=1
  fi
  return "$ok"
}

k8s::print_env() {
  k8s::binaries_ok || util::die "Kubernetes ${K8S_VERSION} is not built yet: run scripts/platform/k8s.sh build"
  printf 'export KUBECONFIG=%q\n' "${K8S_KUBECONFIG}"
  # shellcheck disable=SC2016 # $PATH is for the shell that evals this
  printf 'export PATH=%q:"$PATH"\n' "${K8S_BIN}"
  printf 'export TILT_LIVE_K8S_CONTEXT=%q\n' "${K8S_CONTEXT}"
  printf 'export TILT_LIVE_K8S_REGISTRY=%q\n' "${K8S_REGISTRY}"
  printf 'export TILT_LIVE_K8S_POD_REGISTRY=%q\n' "${K8S_POD_REGISTRY}"
  printf 'export TILT_LIVE_K8S_CONTAINERD=%q\n' "${K8S_CONTAINERD_SOCK}"
}

main() {
  local cmd="${1:-start}"
  case "$cmd" in
    -h | --help | help) usage ;;
    start) util::timed "Kubernetes cluster start" k8s::start ;;
    stop) util::timed "Kubernetes cluster stop" k8s::stop ;;
    status) trap - ERR; k8s::status ;;
    env) k8s::print_env ;;
    kubeconfig) printf '%s\n' "${K8S_KUBECONFIG}" ;;
    build)
      util::timed "Kubernetes binaries" k8s::build
      k8s::install_debs
      k8s::make_pause_image
      ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"; exit $?  # one line: the script may be edited while it runs
