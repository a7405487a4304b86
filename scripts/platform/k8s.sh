#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions are called through util::timed and traps
# A single-node Kubernetes cluster from parts, for the Kubernetes integration test and the demo: no registry, no
# internet. Kubernetes K8S_VERSION built from the Go module proxy's k8s.io/kubernetes, Debian's etcd-server,
# containerd (a second one, with its own root, state and socket), the CNI bridge plugin and docker-registry on
# 127.0.0.1. Binaries are cached by version; the cluster's state (PKI, data, logs, pids) lives in one directory
# that `stop` leaves clean. See docs/kubernetes-notes.md for what each choice works around.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

usage() {
  cat <<USAGE
Usage: scripts/platform/k8s.sh [start|stop|status|env|build|kubeconfig]
  start       (default) build what is missing, then start the cluster (no-op when it already runs)
  stop        delete every pod, stop all cluster processes this script started, unmount, remove the bridge and the
              iptables chains the kubelet added, and wipe the cluster's state (etcd, containerd, registry)
  status      print each component's state; exit 0 only when the whole cluster is up
  env         print shell exports: KUBECONFIG, PATH (kubectl ${K8S_VERSION}), TILT_LIVE_K8S_{CONTEXT,REGISTRY,CONTAINERD}
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

# ---- build ------------------------------------------------------------------------------------------------

# k8s::prepare SRC WORK: a writable copy of the module that builds on its own. The module zip has no staging/
# tree, so its `k8s.io/X => ./staging/src/k8s.io/X` replaces point at the published k8s.io/X v${K8S_STAGING_VERSION}
# instead; its go.work (which lists the missing staging dirs) and vendor/ (only modules.txt) go.
k8s::prepare() {
  local src="$1" work="$2"
  util::writable_copy "$src" "$work"
  rm -rf "$work/go.work" "$work/go.work.sum" "$work/vendor"
  sed -i -E "s#^(\s*k8s\.io/[a-z0-9-]+) => \./staging/src/k8s\.io/[a-z0-9-]+\$#\1 => \1 v${K8S_STAGING_VERSION}#" "$work/go.mod"
  if grep -q '=> ./staging' "$work/go.mod"; then
    util::die "step prepare: go.mod still replaces with ./staging after the rewrite: $(grep '=> ./staging' "$work/go.mod" | head -3)"
  fi
}

# k8s::compile WORK OUT: one `go build` for all six commands (they share most packages), static, with the version
# ldflags the release build sets (hack/lib/version.sh), else the binaries report v0.0.0.
k8s::compile() {
  local work="$1" out="$2" commit date ldflags pkg
  commit=$(sed -n 's/^\s*"Hash": "\([0-9a-f]*\)".*/\1/p' "${K8S_BUILD_LOGS}/download.log" | head -n1)
  date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$(go env GOMODCACHE)/cache/download/${K8S_MODULE}/@v/v${K8S_VERSION}.info")
  local major="${K8S_VERSION%%.*}" minor
  minor=$(cut -d. -f2 <<<"${K8S_VERSION}")
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X ${pkg}.gitVersion=v${K8S_VERSION} -X ${pkg}.gitMajor=${major} -X ${pkg}.gitMinor=${minor}"
    ldflags+=" -X ${pkg}.gitCommit=${commit:-unknown} -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=${date:-unknown}"
  done
  mkdir -p "$out"
  (
    cd "$work"
    export CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local
    nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$out/" \
      "${K8S_COMPONENTS[@]/#/./cmd/}"
  )
}

k8s::binaries_ok() {
  local c
  for c in "${K8S_COMPONENTS[@]}"; do [[ -x "${K8S_BIN}/$c" ]] || return 1; done
}

k8s::build() {
  util::cached_or_lock "Kubernetes ${K8S_VERSION}" "${K8S_BIN}" "${K8S_HOME}/build.lock" k8s::binaries_ok && return 0
  mkdir -p "${K8S_BUILD_LOGS}"
  command -v go >/dev/null || util::die "step build: go is not on PATH (building Kubernetes needs Go)"
  util::print::title "Building Kubernetes ${K8S_VERSION} from its Go module (${K8S_COMPONENTS[*]}; CGO_ENABLED=0, nice -n 10)"
  local src work="${K8S_HOME}/work/v${K8S_VERSION}" tmp="${K8S_BIN}.tmp"
  src=$(util::timed "Downloading ${K8S_MODULE}@v${K8S_VERSION}" util::go_module_or_die "${K8S_MODULE}@v${K8S_VERSION}" "${K8S_BUILD_LOGS}/download.log")
  [[ -d "$src" ]] || util::die "step download: no module directory for ${K8S_MODULE}@v${K8S_VERSION} (log: ${K8S_BUILD_LOGS}/download.log)"
  util::timed "Preparing a writable copy in ${work}" k8s::prepare "$src" "$work"
  rm -rf "$tmp"
  util::timed "Compiling (log: ${K8S_BUILD_LOGS}/build.log)" \
    util::run_logged "${K8S_BUILD_LOGS}/build.log" k8s::compile "$work" "$tmp"
  local c reported
  for c in "${K8S_COMPONENTS[@]}"; do
    case "$c" in
      kubectl) reported=$("$tmp/$c" version --client 2>&1 || true) ;;
      kubeadm) reported=$("$tmp/$c" version -o short 2>&1 || true) ;;
      *) reported=$("$tmp/$c" --version 2>&1 || true) ;;
    esac
    [[ "$reported" == *"v${K8S_VERSION}"* ]] ||
      util::die "step build: $tmp/$c reports '${reported}', expected v${K8S_VERSION} (log: ${K8S_BUILD_LOGS}/build.log)"
  done
  rm -rf "${K8S_BIN}"
  mv "$tmp" "${K8S_BIN}"
  rm -rf "$work"
  util::print::step "Kubernetes ${K8S_VERSION}: ${K8S_BIN}"
}

# ---- Debian parts and the pause image -------------------------------------------------------------------------

k8s::install_debs() {
  local missing=() spec pkg want
  for spec in "${K8S_DEBS[@]}"; do
    pkg="${spec%%=*}" want="${spec#*=}"
    [[ "$(dpkg-query -W -f='${Status} ${Version}' "$pkg" 2>/dev/null)" == "install ok installed ${want}" ]] || missing+=("$spec")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    util::print::step "Debian packages: ${K8S_DEBS[*]}"
    return 0
  fi
  [[ $(id -u) -eq 0 ]] || util::die "step packages: need root to install ${missing[*]} (apt-get)"
  mkdir -p "${K8S_BUILD_LOGS}"
  # apt-get update only when apt does not know a pinned version yet. Debian's policy-rc.d (or the lack of an init
  # system) keeps the packages' own services from starting; this script starts its own instances.
  local spec_known=true
  for spec in "${missing[@]}"; do apt-cache show "$spec" >/dev/null 2>&1 || spec_known=false; done
  if [[ "$spec_known" == false ]]; then
    util::timed "apt-get update" util::run_logged "${K8S_BUILD_LOGS}/apt-update.log" apt-get update
  fi
  util::timed "apt-get install ${missing[*]}" util::run_logged "${K8S_BUILD_LOGS}/apt-install.log" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

# The sandbox ("pause") image every pod starts with, made here: a static Go program that waits for SIGTERM, imported
# from a Docker image archive. containerd would otherwise pull registry.k8s.io/pause, which nothing here serves.
K8S_PAUSE_SRC="${TILT_LIVE_ROOT}/platform/k8s/pause"
k8s::pause_key() { { cat "${K8S_PAUSE_SRC}/main.go" "${K8S_PAUSE_SRC}/go.mod"; go env GOVERSION; } | sha256sum | cut -c1-12; }
k8s::pause_ref() { printf 'tilt-live/k8s-pause:%s' "$(k8s::pause_key)"; }
k8s::pause_tar() { printf '%s/pause-%s.tar' "${K8S_HOME}" "$(k8s::pause_key)"; }

k8s::make_pause_image() {
  local tar ref tmp
  tar=$(k8s::pause_tar) ref=$(k8s::pause_ref)
  if [[ -s "$tar" ]]; then
    util::print::step "Pause image: cached at ${tar}"
    return 0
  fi
  if ! { command -v docker >/dev/null && docker info >/dev/null 2>&1; }; then
    util::die "step pause image: Docker does not answer (run scripts/platform/setup.sh first)"
  fi
  tmp=$(mktemp -d)
  util::run_logged "${K8S_BUILD_LOGS}/pause.log" env CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    bash -c "cd '${K8S_PAUSE_SRC}' && go build -trimpath -ldflags='-s -w' -o '$tmp/pause' ."
  util::run_logged "${K8S_BUILD_LOGS}/pause.log" \
    bash -c "tar -C '$tmp' -c pause | docker import --change 'ENTRYPOINT [\"/pause\"]' - '$ref' &&
             docker save -o '$tar.tmp' '$ref' && docker rmi '$ref'"
  mv "$tar.tmp" "$tar"
  rm -rf "$tmp"
  util::print::step "Pause image: ${tar} (docker.io/${ref} on the node)"
}

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
K8S_CONTAINERD_SOCK="${K8S_STATE}/containerd/containerd.sock"
K8S_START_TIMEOUT="${K8S_START_TIMEOUT:-120}"
# Start order; stop goes backwards (etcd before the apiserver would hang it, containerd last).
K8S_DAEMONS=(containerd etcd kube-apiserver kube-controller-manager kube-scheduler registry kubelet)
# What the kubelet may add to iptables (pkg/kubelet/kubelet_network_linux.go). The config below turns that off
# (makeIPTablesUtilChains: false: these protect kube-proxy's route_localnet, and there is no kube-proxy); stop still
# removes any of them that was not there before start.
K8S_KUBELET_CHAINS=("filter KUBE-FIREWALL" "mangle KUBE-IPTABLES-HINT" "mangle KUBE-KUBELET-CANARY"
  "nat KUBE-KUBELET-CANARY" "filter KUBE-KUBELET-CANARY")

k8s::kubectl() { "${K8S_BIN}/kubectl" --kubeconfig "${K8S_KUBECONFIG}" "$@"; }
k8s::ctr() { ctr --address "${K8S_CONTAINERD_SOCK}" --namespace k8s.io "$@"; }

# The node's address: the first global IPv4 address. The apiserver refuses a loopback advertise address and the
# kubelet a loopback node IP; everything else (clients, registry, etcd) stays on 127.0.0.1.
k8s::node_ip() {
  ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | grep -v '^172\.17\.' | head -n1
}

# k8s::pid_of NAME: the pid recorded for NAME when that process still runs the binary we started.
k8s::pid_of() {
  local file="${K8S_PIDS}/$1.pid" pid exe
  [[ -s "$file" ]] || return 1
  read -r pid exe <"$file"
  [[ -d "/proc/$pid" && "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$exe" ]] || return 1
  printf '%s\n' "$pid"
}

# k8s::spawn NAME BINARY ARGS...: starts a daemon in its own session (it outlives this script and ignores the
# caller's terminal), without the caller's lock descriptors, and records its pid and binary.
k8s::spawn() {
  local name="$1" bin="$2"; shift 2
  local exe
  exe=$(readlink -f "$(command -v "$bin")")
  : >"${K8S_LOGS}/${name}.log"
  setsid "$exe" "$@" >>"${K8S_LOGS}/${name}.log" 2>&1 </dev/null 6>&- 7>&- 8>&- 9>&- &
  local pid=$! i
  printf '%s %s\n' "$pid" "$exe" >"${K8S_PIDS}/${name}.pid"
  # setsid execs the daemon in place (no fork: a background job is no group leader); wait until it has.
  for ((i = 0; i < 50; i++)); do
    [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$exe" || ! -d "/proc/$pid" ]] && break
    sleep 0.05
  done
  util::print::info "${name}: pid ${pid} (log: ${K8S_LOGS}/${name}.log)"
}

# k8s::wait_for STEP CHECK...: runs CHECK until it succeeds, up to K8S_START_TIMEOUT seconds; names the step and
# shows the end of its log when it does not.
k8s::wait_for() {
  local step="$1"; shift
  local waited=0
  until "$@" >/dev/null 2>&1; do
    if ! k8s::pid_of "$step" >/dev/null && [[ -f "${K8S_PIDS}/${step}.pid" ]]; then
      tail -n 30 "${K8S_LOGS}/${step}.log" >&2 || true
      util::die "step ${step}: the process exited (log: ${K8S_LOGS}/${step}.log)"
    fi
    if ((waited >= K8S_START_TIMEOUT * 10)); then
      tail -n 30 "${K8S_LOGS}/${step}.log" >&2 || true
      util::die "step ${step}: not ready after ${K8S_START_TIMEOUT}s ($*) (log: ${K8S_LOGS}/${step}.log)"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

k8s::port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

k8s::check_host() {
  [[ $(id -u) -eq 0 ]] || util::die "step host: the cluster needs root (containerd, kubelet, mounts, iptables)"
  local tool
  for tool in ip ss iptables iptables-save findmnt curl ctr runc etcd docker-registry; do
    command -v "$tool" >/dev/null || util::die "step host: '$tool' is missing (scripts/platform/k8s.sh build installs the Debian parts)"
  done
  [[ -x "${K8S_CNI_BIN_DIR}/bridge" && -x "${K8S_CNI_BIN_DIR}/host-local" ]] ||
    util::die "step host: the CNI plugins are missing in ${K8S_CNI_BIN_DIR} (Debian containernetworking-plugins)"
  local port
  for port in 2379 2380 "${K8S_API_PORT}" 10248 10250 10257 10259 "${K8S_REGISTRY_PORT}"; do
    k8s::port_free "$port" || util::die "step host: port ${port} is in use: $(ss -Hltnp "sport = :${port}" | head -n1)"
  done
}

# PKI and kubeconfigs from kubeadm's phases (no images, no preflight), made once per version and node address.
k8s::pki() {
  local node_ip="$1" key
  key="${K8S_VERSION} ${node_ip} ${K8S_API_PORT}"
  if [[ -s "${K8S_STATE}/pki.key" && "$(cat "${K8S_STATE}/pki.key")" == "$key" && -s "${K8S_KUBECONFIG}" ]]; then
    util::print::step "PKI and kubeconfigs: reused (${K8S_PKI})"
    return 0
  fi
  rm -rf "${K8S_PKI}" "${K8S_STATE}"/*.conf "${K8S_KUBECONFIG}"
  mkdir -p "${K8S_PKI}"
  cat >"${K8S_STATE}/kubeadm.yaml" <<EOF
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${node_ip}
  bindPort: ${K8S_API_PORT}
nodeRegistration:
  name: ${K8S_NODE_NAME}
  criSocket: unix://${K8S_CONTAINERD_SOCK}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v${K8S_VERSION}
clusterName: ${K8S_CONTEXT}
controlPlaneEndpoint: 127.0.0.1:${K8S_API_PORT}
certificatesDir: ${K8S_PKI}
etcd:
  external:
    endpoints: [http://127.0.0.1:2379]
networking:
  serviceSubnet: ${K8S_SERVICE_SUBNET}
  dnsDomain: cluster.local
apiServer:
  certSANs: [127.0.0.1, localhost]
EOF
  util::run_logged "${K8S_LOGS}/kubeadm.log" "${K8S_BIN}/kubeadm" init phase certs all --config "${K8S_STATE}/kubeadm.yaml"
  util::run_logged "${K8S_LOGS}/kubeadm.log" "${K8S_BIN}/kubeadm" init phase kubeconfig all \
    --config "${K8S_STATE}/kubeadm.yaml" --kubeconfig-dir "${K8S_STATE}"
  # kubeadm points the components' kubeconfigs at the advertise address; the apiserver listens on 127.0.0.1 only.
  local conf
  for conf in admin super-admin controller-manager scheduler kubelet; do
    util::run_logged "${K8S_LOGS}/kubeadm.log" "${K8S_BIN}/kubectl" --kubeconfig "${K8S_STATE}/${conf}.conf" \
      config set-cluster "${K8S_CONTEXT}" --server "https://127.0.0.1:${K8S_API_PORT}"
  done
  # The users' kubeconfig: admin.conf with a short context name (Tiltfiles name it in allow_k8s_contexts).
  cp "${K8S_STATE}/admin.conf" "${K8S_KUBECONFIG}.tmp"
  "${K8S_BIN}/kubectl" --kubeconfig "${K8S_KUBECONFIG}.tmp" config rename-context \
    "kubernetes-admin@${K8S_CONTEXT}" "${K8S_CONTEXT}" >/dev/null
  mv "${K8S_KUBECONFIG}.tmp" "${K8S_KUBECONFIG}"
  printf '%s\n' "$key" >"${K8S_STATE}/pki.key"
  util::print::step "PKI and kubeconfigs: ${K8S_PKI}, ${K8S_KUBECONFIG}"
}

k8s::write_configs() {
  local node_ip="$1" pause_ref="$2"
  mkdir -p "${K8S_STATE}/containerd/certs.d/${K8S_REGISTRY}" "${K8S_STATE}/cni/net.d" "${K8S_STATE}/registry"
  cat >"${K8S_STATE}/containerd/config.toml" <<EOF
version = 2
root = "${K8S_STATE}/containerd/root"
state = "${K8S_STATE}/containerd/state"
[grpc]
  address = "${K8S_CONTAINERD_SOCK}"
[plugins."io.containerd.internal.v1.opt"]
  path = "${K8S_STATE}/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/${pause_ref}"
  # root may not lower oom_score_adj on this kind of host; without this every sandbox fails to start
  # ("can't get final child's PID from pipe: EOF").
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${K8S_CNI_BIN_DIR}"
    conf_dir = "${K8S_STATE}/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "${K8S_STATE}/containerd/certs.d"
EOF
  cat >"${K8S_STATE}/containerd/certs.d/${K8S_REGISTRY}/hosts.toml" <<EOF
server = "http://${K8S_REGISTRY}"
[host."http://${K8S_REGISTRY}"]
  capabilities = ["pull", "resolve"]
EOF
  # A bridge with no gateway and no masquerading: pods need no traffic beyond port-forwards (which containerd
  # dials inside the pod's network namespace), so no route leaves them.
  cat >"${K8S_STATE}/cni/net.d/10-tilt-live.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "tilt-live",
  "plugins": [
    { "type": "bridge", "bridge": "${K8S_BRIDGE}", "isGateway": false, "ipMasq": false, "hairpinMode": false,
      "ipam": { "type": "host-local", "dataDir": "${K8S_STATE}/cni/ipam", "ranges": [[{ "subnet": "${K8S_POD_SUBNET}" }]] } }
  ]
}
EOF
  cat >"${K8S_STATE}/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${K8S_STATE}/registry/data
  delete:
    enabled: true
http:
  addr: ${K8S_REGISTRY}
EOF
  cat >"${K8S_STATE}/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${node_ip}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: ${K8S_PKI}/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://${K8S_CONTAINERD_SOCK}
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
makeIPTablesUtilChains: false
podLogsDir: ${K8S_STATE}/pod-logs
staticPodPath: ""
localStorageCapacityIsolation: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "1Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
EOF
}

k8s::start_containerd() {
  k8s::spawn containerd containerd --config "${K8S_STATE}/containerd/config.toml"
  k8s::wait_for containerd k8s::ctr version
  util::run_logged "${K8S_LOGS}/pause-import.log" k8s::ctr images import "$(k8s::pause_tar)"
}

k8s::start_etcd() {
  k8s::spawn etcd etcd --name "${K8S_NODE_NAME}" --data-dir "${K8S_STATE}/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster "${K8S_NODE_NAME}=http://127.0.0.1:2380" --initial-cluster-state new
  k8s::wait_for etcd curl -fsS --max-time 2 http://127.0.0.1:2379/health
}

k8s::start_apiserver() {
  local node_ip="$1" p="${K8S_PKI}"
  k8s::spawn kube-apiserver "${K8S_BIN}/kube-apiserver" \
    --advertise-address="${node_ip}" --bind-address=127.0.0.1 --secure-port="${K8S_API_PORT}" \
    --etcd-servers=http://127.0.0.1:2379 --allow-privileged=true \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --client-ca-file="$p/ca.crt" --tls-cert-file="$p/apiserver.crt" --tls-private-key-file="$p/apiserver.key" \
    --kubelet-client-certificate="$p/apiserver-kubelet-client.crt" --kubelet-client-key="$p/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP \
    --proxy-client-cert-file="$p/front-proxy-client.crt" --proxy-client-key-file="$p/front-proxy-client.key" \
    --requestheader-client-ca-file="$p/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-extra-headers-prefix=X-Remote-Extra- --requestheader-group-headers=X-Remote-Group \
    --requestheader-username-headers=X-Remote-User \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$p/sa.pub" --service-account-signing-key-file="$p/sa.key" \
    --service-cluster-ip-range="${K8S_SERVICE_SUBNET}" --profiling=false
  k8s::wait_for kube-apiserver k8s::kubectl get --raw /readyz
  # kubeadm's admin.conf is in group kubeadm:cluster-admins, which only `kubeadm init` binds; without the binding
  # the admin may not exec, port-forward or read logs.
  if ! k8s::kubectl get clusterrolebinding kubeadm:cluster-admins >/dev/null 2>&1; then
    util::run_logged "${K8S_LOGS}/bootstrap.log" "${K8S_BIN}/kubectl" --kubeconfig "${K8S_STATE}/super-admin.conf" \
      create clusterrolebinding kubeadm:cluster-admins --clusterrole=cluster-admin --group=kubeadm:cluster-admins
  fi
}

k8s::start_controllers() {
  local p="${K8S_PKI}"
  k8s::spawn kube-controller-manager "${K8S_BIN}/kube-controller-manager" \
    --kubeconfig="${K8S_STATE}/controller-manager.conf" --bind-address=127.0.0.1 --leader-elect=false \
    --authentication-kubeconfig="${K8S_STATE}/controller-manager.conf" \
    --authorization-kubeconfig="${K8S_STATE}/controller-manager.conf" \
    --client-ca-file="$p/ca.crt" --requestheader-client-ca-file="$p/front-proxy-ca.crt" \
    --cluster-signing-cert-file="$p/ca.crt" --cluster-signing-key-file="$p/ca.key" --root-ca-file="$p/ca.crt" \
    --service-account-private-key-file="$p/sa.key" --use-service-account-credentials=true \
    --service-cluster-ip-range="${K8S_SERVICE_SUBNET}" --profiling=false
  k8s::spawn kube-scheduler "${K8S_BIN}/kube-scheduler" \
    --kubeconfig="${K8S_STATE}/scheduler.conf" --bind-address=127.0.0.1 --leader-elect=false \
    --authentication-kubeconfig="${K8S_STATE}/scheduler.conf" --authorization-kubeconfig="${K8S_STATE}/scheduler.conf" \
    --profiling=false
}

# The registry pack's images reach the node through: Tilt pushes to it (the kube-public/local-registry-hosting
# ConfigMap tells it where), containerd pulls from it over plain http on 127.0.0.1.
k8s::start_registry() {
  k8s::spawn registry docker-registry serve "${K8S_STATE}/registry/config.yml"
  k8s::wait_for registry curl -fsS --max-time 2 "http://${K8S_REGISTRY}/v2/"
  k8s::kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: local-registry-hosting
  namespace: kube-public
data:
  localRegistryHosting.v1: |
    host: "${K8S_REGISTRY}"
    hostFromContainerRuntime: "${K8S_REGISTRY}"
EOF
}

k8s::node_ready() {
  [[ "$(k8s::kubectl get node "${K8S_NODE_NAME}" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" == True ]]
}

k8s::start_kubelet() {
  local node_ip="$1"
  mkdir -p "${K8S_STATE}/kubelet" "${K8S_STATE}/pod-logs"
  k8s::spawn kubelet "${K8S_BIN}/kubelet" --config="${K8S_STATE}/kubelet.yaml" \
    --kubeconfig="${K8S_STATE}/kubelet.conf" --root-dir="${K8S_STATE}/kubelet" --cert-dir="${K8S_STATE}/kubelet/pki" \
    --hostname-override="${K8S_NODE_NAME}" --node-ip="${node_ip}"
  k8s::wait_for kubelet k8s::node_ready
  # Pods are refused until the service account controller has made the namespace's "default" account.
  k8s::wait_for kube-controller-manager k8s::kubectl -n default get serviceaccount default
}

k8s::all_running() {
  local name
  for name in "${K8S_DAEMONS[@]}"; do k8s::pid_of "$name" >/dev/null || return 1; done
  k8s::kubectl get --raw /readyz >/dev/null 2>&1 && k8s::node_ready
}

k8s::any_running() {
  local name
  for name in "${K8S_DAEMONS[@]}"; do k8s::pid_of "$name" >/dev/null && return 0; done
  return 1
}

k8s::abort_start() {
  util::print::error "the cluster did not start; stopping what was started (logs: ${K8S_LOGS})"
  set +e
  k8s::stop_locked
}

k8s::start() {
  k8s::build
  k8s::install_debs
  k8s::make_pause_image
  mkdir -p "${K8S_STATE}" "${K8S_LOGS}" "${K8S_PIDS}"
  exec 6>"${K8S_HOME}/cluster.lock"
  flock -w 600 6 || util::die "step start: another k8s.sh holds ${K8S_HOME}/cluster.lock"
  if k8s::all_running; then
    util::print::step "Cluster: already running (KUBECONFIG=${K8S_KUBECONFIG})"
    return 0
  fi
  if k8s::any_running; then
    util::print::step "Cluster: partly running; stopping it first"
    k8s::stop_locked
  elif [[ -d "${K8S_STATE}/etcd" || -d "${K8S_STATE}/containerd/root" ]]; then
    # A run that ended without `stop` (killed, machine restarted): its pods and images must not come back.
    util::print::step "Cluster: state of an earlier run that was not stopped; cleaning it up first"
    k8s::stop_locked
  fi
  k8s::check_host
  local node_ip
  node_ip=$(k8s::node_ip)
  [[ -n "$node_ip" ]] || util::die "step host: no global IPv4 address for the node (ip -4 addr)"
  # What was there before us, so stop removes only what this cluster made.
  iptables-save 2>/dev/null | sed -n 's/^:\([A-Z0-9-]*\) .*/\1/p' | sort -u >"${K8S_STATE}/chains-before.txt" || true
  find /run/netns -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort >"${K8S_STATE}/netns-before.txt" || true
  # A start that fails half-way stops what it started (the logs stay).
  trap 'k8s::abort_start' EXIT
  util::timed "PKI" k8s::pki "$node_ip"
  k8s::write_configs "$node_ip" "$(k8s::pause_ref)"
  util::timed "containerd" k8s::start_containerd
  util::timed "etcd" k8s::start_etcd
  util::timed "kube-apiserver" k8s::start_apiserver "$node_ip"
  util::timed "controller-manager, scheduler" k8s::start_controllers
  util::timed "registry" k8s::start_registry
  util::timed "kubelet, node Ready" k8s::start_kubelet "$node_ip"
  trap - EXIT
  util::print::step "Cluster: up (node ${K8S_NODE_NAME} at ${node_ip}, registry ${K8S_REGISTRY}, KUBECONFIG=${K8S_KUBECONFIG})"
}

# ---- stop -------------------------------------------------------------------------------------------------------

# k8s::alive PID: the process exists and has not exited (an exited daemon stays a zombie until init reaps it).
k8s::alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# k8s::end NAME: SIGTERM, then SIGKILL after 20 s, to the process recorded for NAME (and only when it still runs
# the binary we started).
k8s::end() {
  local name="$1" pid i
  pid=$(k8s::pid_of "$name") || { rm -f "${K8S_PIDS}/${name}.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    k8s::alive "$pid" || break
    sleep 0.1
  done
  if k8s::alive "$pid"; then
    util::print::info "${name} (pid ${pid}) ignored SIGTERM for 20 s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "${K8S_PIDS}/${name}.pid"
  util::print::info "${name}: stopped"
}

k8s::delete_workloads() {
  k8s::pid_of kube-apiserver >/dev/null && k8s::kubectl get --raw /readyz >/dev/null 2>&1 || return 0
  k8s::pid_of kubelet >/dev/null || return 0
  local namespaces ns
  namespaces=$(k8s::kubectl get namespaces -o 'jsonpath={.items[*].metadata.name}' 2>/dev/null) || return 0
  for ns in $namespaces; do
    k8s::kubectl -n "$ns" delete deployments,replicasets,statefulsets,daemonsets,jobs,pods --all \
      --grace-period=5 --wait=true --timeout=90s >>"${K8S_LOGS}/stop.log" 2>&1 ||
      util::print::info "deleting the workloads of namespace ${ns} did not finish (log: ${K8S_LOGS}/stop.log)"
  done
}

# Containers and sandboxes the kubelet did not remove: kill their tasks, delete them (their shims then exit).
k8s::remove_leftover_containers() {
  k8s::pid_of containerd >/dev/null || return 0
  local id
  for id in $(k8s::ctr tasks ls -q 2>/dev/null); do
    k8s::ctr tasks kill -s SIGKILL "$id" >>"${K8S_LOGS}/stop.log" 2>&1 || true
  done
  sleep 0.5
  for id in $(k8s::ctr tasks ls -q 2>/dev/null); do
    k8s::ctr tasks delete -f "$id" >>"${K8S_LOGS}/stop.log" 2>&1 || true
  done
  for id in $(k8s::ctr containers ls -q 2>/dev/null); do
    k8s::ctr containers delete "$id" >>"${K8S_LOGS}/stop.log" 2>&1 || true
  done
}

# Shims of our containerd that outlived it (found by its socket on their command line).
k8s::end_leftover_shims() {
  local cmdline pid
  for cmdline in /proc/[0-9]*/cmdline; do
    pid="${cmdline#/proc/}" pid="${pid%/cmdline}"
    if { tr '\0' ' ' <"$cmdline"; } 2>/dev/null | grep -q -- "containerd-shim.*-address ${K8S_CONTAINERD_SOCK}"; then
      util::print::info "containerd shim pid ${pid} outlived containerd; SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

k8s::unmount_all() {
  local target
  # Deepest first: the kubelet's volume mounts, container rootfs overlays, sandbox shm.
  while read -r target; do
    umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null || util::print::info "could not unmount ${target}"
  done < <(findmnt -rn -o TARGET | { grep -F "${K8S_STATE}/" || true; } | sort -r)
  # Network namespaces our containerd made (not those that were there before start).
  local ns
  for ns in /run/netns/cni-*; do
    [[ -e "$ns" ]] || continue
    if ! grep -qx "${ns##*/}" "${K8S_STATE}/netns-before.txt" 2>/dev/null; then
      umount "$ns" 2>/dev/null || true
      rm -f "$ns"
    fi
  done
}

k8s::remove_network() {
  if ip link show "${K8S_BRIDGE}" >/dev/null 2>&1; then
    ip link delete "${K8S_BRIDGE}" && util::print::info "bridge ${K8S_BRIDGE}: deleted"
  fi
  local entry table chain ipt
  for entry in "${K8S_KUBELET_CHAINS[@]}"; do
    read -r table chain <<<"$entry"
    grep -qx "$chain" "${K8S_STATE}/chains-before.txt" 2>/dev/null && continue
    for ipt in iptables ip6tables; do
      command -v "$ipt" >/dev/null || continue
      "$ipt" -w -t "$table" -S "$chain" >/dev/null 2>&1 || continue
      while "$ipt" -w -t "$table" -D INPUT -j "$chain" 2>/dev/null; do :; done
      while "$ipt" -w -t "$table" -D OUTPUT -j "$chain" 2>/dev/null; do :; done
      "$ipt" -w -t "$table" -F "$chain" && "$ipt" -w -t "$table" -X "$chain" &&
        util::print::info "${ipt} ${table} ${chain}: removed"
    done
  done
}

k8s::stop_locked() {
  k8s::delete_workloads
  k8s::end kubelet
  k8s::remove_leftover_containers
  local i
  for ((i = ${#K8S_DAEMONS[@]} - 1; i >= 0; i--)); do
    [[ "${K8S_DAEMONS[$i]}" == kubelet ]] || k8s::end "${K8S_DAEMONS[$i]}"
  done
  k8s::end_leftover_shims
  k8s::unmount_all
  k8s::remove_network
  # No pods, images or data outlive the cluster; PKI, kubeconfigs and logs stay.
  rm -rf "${K8S_STATE}/etcd" "${K8S_STATE}/containerd/root" "${K8S_STATE}/containerd/state" \
    "${K8S_STATE}/kubelet" "${K8S_STATE}/pod-logs" "${K8S_STATE}/registry/data" "${K8S_STATE}/cni/ipam"
}

k8s::stop() {
  [[ -d "${K8S_STATE}" ]] || { util::print::step "Cluster: never started"; return 0; }
  [[ $(id -u) -eq 0 ]] || util::die "step stop: needs root"
  mkdir -p "${K8S_LOGS}" "${K8S_PIDS}"
  exec 6>"${K8S_HOME}/cluster.lock"
  flock -w 600 6 || util::die "step stop: another k8s.sh holds ${K8S_HOME}/cluster.lock"
  k8s::stop_locked
  util::print::step "Cluster: stopped"
}

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
