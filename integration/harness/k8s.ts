// The local single-node Kubernetes cluster (scripts/platform/k8s.sh): start, stop, and the few reads the Kubernetes
// test makes with its kubectl and with ctr against the node's containerd.
import { existsSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { repoRoot } from "./platform.js";

const k8sScript = path.join(repoRoot, "scripts/platform/k8s.sh");

export interface Cluster {
  /** The admin kubeconfig in the cache dir (never ~/.kube/config). */
  kubeconfig: string;
  /** Its context name, for allow_k8s_contexts(). */
  context: string;
  /** host:port of the registry on 127.0.0.1 that Tilt pushes to and the node pulls from. */
  registry: string;
  /** host:port of the same registry as pods reach it (the pod bridge's address). */
  podRegistry: string;
  /** The node's containerd socket (for ctr). */
  containerd: string;
  /** Directory holding kubectl and the other Kubernetes binaries of the pinned version. */
  binDir: string;
  /** Seconds `k8s.sh start` took. */
  startSeconds: number;
}

async function script(args: string[]): Promise<string> {
  const result = await execa("bash", [k8sScript, ...args], { all: true, reject: false, cwd: repoRoot });
  if (result.exitCode !== 0) {
    throw new Error(`scripts/platform/k8s.sh ${args.join(" ")} failed (exit ${result.exitCode}):\n${result.all ?? ""}`);
  }
  return result.stdout;
}

/** Builds what is missing (minutes, once per version), starts the cluster and waits for the node to be Ready. */
export async function startCluster(): Promise<Cluster> {
  const started = Date.now();
  await script(["start"]);
  const startSeconds = (Date.now() - started) / 1000;
  const exports = new Map<string, string>();
  for (const line of (await script(["env"])).split("\n")) {
    const match = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match) exports.set(match[1]!, match[2]!.replace(/^'(.*)'$/, "$1"));
  }
  const need = (name: string): string => {
    const value = exports.get(name);
    if (!value) throw new Error(`scripts/platform/k8s.sh env printed no ${name}`);
    return value;
  };
  const pathValue = need("PATH");
  return {
    kubeconfig: need("KUBECONFIG"),
    context: need("TILT_LIVE_K8S_CONTEXT"),
    registry: need("TILT_LIVE_K8S_REGISTRY"),
    podRegistry: need("TILT_LIVE_K8S_POD_REGISTRY"),
    containerd: need("TILT_LIVE_K8S_CONTAINERD"),
    binDir: pathValue.slice(0, pathValue.indexOf(":")),
    startSeconds,
  };
}

/** Where the cluster's registry keeps its data (k8s.sh stop wipes it). */
export function registryDataDir(cluster: Cluster): string {
  return path.join(path.dirname(cluster.kubeconfig), "registry", "data");
}

/** Stops every cluster process and wipes the cluster's state (pods, node images, registry data). */
export async function stopCluster(): Promise<string> {
  return script(["stop"]);
}

/**
 * Stops the cluster and returns what outlived it: a running component, or the registry's data (every image pushed to
 * it, the tests' and kpack's).
 */
export async function stopClusterChecked(cluster: Cluster | undefined): Promise<string[]> {
  const problems: string[] = [];
  await stopCluster();
  const status = await clusterStatus();
  if (status.up || /running/.test(status.output)) problems.push(`the cluster still runs after stop:\n${status.output}`);
  if (cluster && existsSync(registryDataDir(cluster))) problems.push("the cluster registry's data outlived the cluster");
  return problems;
}

/** `k8s.sh status`: exit code and output (0 only when every component runs and the node is Ready). */
export async function clusterStatus(): Promise<{ up: boolean; output: string }> {
  const result = await execa("bash", [k8sScript, "status"], { all: true, reject: false, cwd: repoRoot });
  return { up: result.exitCode === 0, output: result.all ?? "" };
}

export function kubectl(cluster: Cluster, args: string[], input?: string) {
  return execa(path.join(cluster.binDir, "kubectl"), ["--kubeconfig", cluster.kubeconfig, ...args], {
    all: true,
    reject: false,
    ...(input === undefined ? {} : { input }),
  });
}

/** Image references in the node's containerd (namespace k8s.io). */
export async function nodeImages(cluster: Cluster): Promise<string[]> {
  const { stdout } = await execa("ctr", ["--address", cluster.containerd, "--namespace", "k8s.io", "images", "ls", "-q"]);
  return stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

export async function removeNodeImages(cluster: Cluster, refs: string[]): Promise<void> {
  if (refs.length === 0) return;
  await execa("ctr", ["--address", cluster.containerd, "--namespace", "k8s.io", "images", "rm", "--sync", ...refs]);
}
