#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions are called through util::timed and traps
# scripts/platform/k8s.sh, stop: workloads, daemons, leftover containers and shims, mounts, the network and
# the kubelet's iptables chains, then the cluster's state. Sourced by k8s.sh.

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
  util::hold_lock "${K8S_HOME}/cluster.lock" 600 "Another k8s.sh start or stop"
  k8s::stop_locked
  util::print::step "Cluster: stopped"
}
