#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions are called through util::timed and traps
# scripts/platform/k8s.sh, start: the host check, each daemon's start in order (containerd, etcd, apiserver,
# controllers, registry, kubelet) and k8s::start, which stops what it started when it fails. Sourced by k8s.sh.

# The node's address: the first global IPv4 address. The apiserver refuses a loopback advertise address and the
# kubelet a loopback node IP; everything else (clients, registry, etcd) stays on 127.0.0.1.
k8s::node_ip() {
  ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | grep -v '^172\.17\.' | head -n1
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
# ConfigMap tells it where), containerd pulls from it over plain http on 127.0.0.1. A second process serves the same
# storage on the bridge's address for pods (K8S_POD_REGISTRY); the bridge is made here, before any pod, with that
# address (the CNI bridge plugin takes an existing bridge as it is).
k8s::start_registry() {
  k8s::spawn registry docker-registry serve "${K8S_STATE}/registry/config.yml"
  k8s::wait_for registry curl -fsS --max-time 2 "http://${K8S_REGISTRY}/v2/"
  ip link show "${K8S_BRIDGE}" >/dev/null 2>&1 || ip link add "${K8S_BRIDGE}" type bridge
  ip -4 addr show dev "${K8S_BRIDGE}" | grep -q " ${K8S_BRIDGE_IP}/" ||
    ip addr add "${K8S_BRIDGE_IP}/${K8S_POD_SUBNET#*/}" dev "${K8S_BRIDGE}"
  ip link set "${K8S_BRIDGE}" up
  k8s::spawn pod-registry docker-registry serve "${K8S_STATE}/registry/pod-config.yml"
  k8s::wait_for pod-registry curl -fsS --max-time 2 "http://${K8S_POD_REGISTRY}/v2/"
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

# k8s::abort_start: at exit, while k8s::start is not through (K8S_STARTING=1), stops what it started.
K8S_STARTING=0
k8s::abort_start() {
  [[ "${K8S_STARTING}" == 1 ]] || return 0
  util::print::error "the cluster did not start; stopping what was started (logs: ${K8S_LOGS})"
  set +e
  k8s::stop_locked
}

k8s::start() {
  k8s::build
  k8s::install_debs
  k8s::make_pause_image
  mkdir -p "${K8S_STATE}" "${K8S_LOGS}" "${K8S_PIDS}"
  util::hold_lock "${K8S_HOME}/cluster.lock" 600 "Another k8s.sh start or stop"
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
  K8S_STARTING=1
  util::on_exit k8s::abort_start
  util::timed "PKI" k8s::pki "$node_ip"
  k8s::write_configs "$node_ip" "$(k8s::pause_ref)"
  util::timed "containerd" k8s::start_containerd
  util::timed "etcd" k8s::start_etcd
  util::timed "kube-apiserver" k8s::start_apiserver "$node_ip"
  util::timed "controller-manager, scheduler" k8s::start_controllers
  util::timed "registry" k8s::start_registry
  util::timed "kubelet, node Ready" k8s::start_kubelet "$node_ip"
  K8S_STARTING=0
  util::print::step "Cluster: up (node ${K8S_NODE_NAME} at ${node_ip}, registry ${K8S_REGISTRY} (pods: ${K8S_POD_REGISTRY}), KUBECONFIG=${K8S_KUBECONFIG})"
}
