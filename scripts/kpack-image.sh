#!/usr/bin/env bash
# scripts/kpack-image.sh NAME SOURCE_DIR REF_FILE [ENV=VALUE...]: one "All Remote" build, for Tilt's custom_build
# (samples/kpack/Tiltfile): SOURCE_DIR uploaded as a source image (one layer, the only bytes that leave this
# machine), the kpack Image NAME pointed at it (created on first use, builder ClusterBuilder tilt-live, build env
# ENV=VALUE...), its new Build awaited (the build's log on failure: Tilt shows it, the running pod keeps serving),
# and the built image's digest reference written to REF_FILE. Needs scripts/platform/kpack.sh start.
set -euo pipefail
name="$1" src="$2" ref_file="$3"
shift 3
# Docker pushes to the cluster's registry on 127.0.0.1; the cluster reads the same registry at the pod bridge's
# address (scripts/platform/k8s.sh env exports both, with KUBECONFIG and kubectl on PATH).
push_registry="${TILT_LIVE_K8S_REGISTRY:?run eval \"\$(scripts/platform/k8s.sh env)\" first}"
cluster_registry="${TILT_LIVE_K8S_POD_REGISTRY:?run eval \"\$(scripts/platform/k8s.sh env)\" first}"

started=$(date +%s%N)
source_ref="${push_registry}/kpack-src/${name}:$(date +%s%N)"
tar -C "$src" --exclude=.git --exclude=ref.txt -cf - . | docker import - "$source_ref" >/dev/null
pushed=$(docker push "$source_ref" | sed -n 's/.*digest: \(sha256:[0-9a-f]*\) size: \([0-9]*\).*/\1/p')
sent=$(docker image inspect "$source_ref" --format '{{.Size}}')
docker rmi -f "$source_ref" >/dev/null
[[ -n "$pushed" ]] || { echo "kpack-image: pushing the source image ${source_ref} failed" >&2; exit 1; }
echo "kpack-image: source ${cluster_registry}/kpack-src/${name}@${pushed} (${sent} bytes unpacked)"

env_yaml=""
for pair in "$@"; do env_yaml+="      - {name: ${pair%%=*}, value: \"${pair#*=}\"}"$'\n'; done
before=$(kubectl get image.kpack.io "$name" -o jsonpath='{.status.latestBuildRef}' 2>/dev/null || true)
kubectl apply -f - >/dev/null <<YAML
apiVersion: kpack.io/v1alpha2
kind: Image
metadata: {name: ${name}, namespace: default}
spec:
  tag: ${cluster_registry}/apps/${name}
  serviceAccountName: default
  builder: {kind: ClusterBuilder, name: tilt-live}
  # The lifecycle's cache (Go's build and module caches, the toolchain) kept as an image beside the app's: the next
  # build restores it (a volume cache needs a storage class the local cluster does not have).
  cache:
    registry: {tag: "${cluster_registry}/kpack-cache/${name}"}
  source:
    registry: {image: "${cluster_registry}/kpack-src/${name}@${pushed}"}
  build:
    env:
${env_yaml:-      []}
YAML

build=""
for _ in $(seq 1 600); do
  build=$(kubectl get image.kpack.io "$name" -o jsonpath='{.status.latestBuildRef}' 2>/dev/null || true)
  [[ -n "$build" && "$build" != "$before" ]] && break
  sleep 0.5
done
[[ -n "$build" && "$build" != "$before" ]] || { echo "kpack-image: no new Build of Image ${name}" >&2; exit 1; }
echo "kpack-image: ${build}"
for _ in $(seq 1 1200); do
  status=$(kubectl get build.kpack.io "$build" -o jsonpath='{.status.conditions[?(@.type=="Succeeded")].status}')
  [[ "$status" == True || "$status" == False ]] && break
  sleep 0.5
done
if [[ "$status" != True ]]; then
  # The build pod runs the lifecycle's phases as init containers (prepare, analyze, detect, restore, build, export):
  # the log of the first that failed says why.
  step=$(kubectl get pod "${build}-build-pod" -o jsonpath='{range .status.initContainerStatuses[*]}{.name} {.state.terminated.exitCode}{"\n"}{end}' 2>/dev/null |
    awk '$2 != "" && $2 != 0 { print $1; exit }')
  [[ -z "$step" ]] || kubectl logs "${build}-build-pod" -c "$step" --tail=60 >&2 || true
  if [[ "$status" == False ]]; then
    echo "kpack-image: ${build} failed${step:+ in its ${step} step}; the running app keeps the last good image" >&2
  else
    echo "kpack-image: ${build} did not finish in 10 minutes (kubectl describe build.kpack.io ${build}); the running app keeps the last good image" >&2
  fi
  exit 1
fi
# The build's own tag (kpack tags each build b<N>.<date>.<time>, so it names this build alone) with the digest it
# pushed: Tilt deploys the tag (it needs one, and drops the digest), and the log shows both.
digest=$(kubectl get build.kpack.io "$build" -o jsonpath='{.status.latestImage}')
tag=$(kubectl get build.kpack.io "$build" -o jsonpath='{.spec.tags[1]}')
image="${tag}@${digest##*@}"
printf '%s\n' "$image" >"$ref_file"
echo "kpack-image: ${image} in $(( ($(date +%s%N) - started) / 1000000 )) ms"
