#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions are called through util::timed and traps
# scripts/platform/k8s.sh, configuration: the PKI and kubeconfigs (kubeadm phases) and every daemon's config
# file. Sourced by k8s.sh.

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
  local registry
  for registry in "${K8S_REGISTRY}" "${K8S_POD_REGISTRY}"; do
    mkdir -p "${K8S_STATE}/containerd/certs.d/${registry}"
    cat >"${K8S_STATE}/containerd/certs.d/${registry}/hosts.toml" <<EOF
server = "http://${registry}"
[host."http://${registry}"]
  capabilities = ["pull", "resolve"]
EOF
  done
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
  sed "s/^  addr: .*/  addr: ${K8S_POD_REGISTRY}/" "${K8S_STATE}/registry/config.yml" >"${K8S_STATE}/registry/pod-config.yml"
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
