// samples/k8s under `tilt up` on the local cluster, without test hooks (the Kubernetes test and the bench share it):
// private copies of samples/go and samples/k8s, the sample's Tiltfile with this run's names (the extension by
// absolute path, a unique image/deployment name, a free local port, --network none, the cluster's context), a
// TiltSession (not started), the deployment's pods, and the teardown (`tilt down`, the node's and Docker's images).
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { kubectl, nodeImages, removeNodeImages, stopClusterChecked, type Cluster } from "./k8s.js";
import { randomName } from "./names.js";
import { repoRoot, type Platform } from "./platform.js";
import type { Resources } from "./resources.js";
import { tiltEnv } from "./tilt.js";
import { freePort, TiltSession } from "./tilt-session.js";

/** Replaces `from` in `text`; fails when the sample no longer contains it (the sample changed shape). */
export function replaceAll(text: string, from: string, to: string, file: string): string {
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}`);
  return text.split(from).join(to);
}

export interface K8sTiltProject {
  /** The temp dir holding both copies. */
  dir: string;
  /** The copy of samples/go: what Tilt builds, watches and syncs. */
  goDir: string;
  /** The copy of samples/k8s: the Tiltfile and deployment.yml. */
  k8sDir: string;
  /** The image, deployment and Tilt resource name. */
  name: string;
  env: Record<string, string>;
  session: TiltSession;
  /** GET / of the app through Tilt's port-forward on 127.0.0.1. */
  url: string;
}

export async function prepareK8sTilt(platform: Platform, tilt: string, cluster: Cluster): Promise<K8sTiltProject> {
  const env = tiltEnv([path.dirname(platform.pack), cluster.binDir], {
    PACK_HOME: platform.packHome,
    PACK_VOLUME_KEY: platform.packVolumeKey,
    KUBECONFIG: cluster.kubeconfig,
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), "tilt-live-k8s-"));
  const goDir = path.join(dir, "go");
  const k8sDir = path.join(dir, "k8s");
  await cp(path.join(repoRoot, "samples/go"), goDir, { recursive: true });
  await cp(path.join(repoRoot, "samples/k8s"), k8sDir, { recursive: true });
  const name = randomName("k8s-go");
  const session = new TiltSession(tilt, env, k8sDir, await freePort(), name);
  const appPort = await freePort();
  // The sample as shipped, with this run's names, and --network none (the build needs nothing from outside this machine).
  let tiltfile = await readFile(path.join(k8sDir, "Tiltfile"), "utf8");
  tiltfile = replaceAll(tiltfile, "'../../tilt_live/Tiltfile'", `'${path.join(repoRoot, "tilt_live/Tiltfile")}'`, "Tiltfile");
  tiltfile = replaceAll(tiltfile, "'example-go'", `'${name}'`, "Tiltfile");
  tiltfile = replaceAll(tiltfile, "port_forwards='8080:8081'", `port_forwards='${appPort}:8081'`, "Tiltfile");
  tiltfile = replaceAll(
    tiltfile,
    "run_image='tilt-live/stack-build:latest')",
    "run_image='tilt-live/stack-build:latest', pack_args=['--network', 'none'])",
    "Tiltfile",
  );
  tiltfile = replaceAll(tiltfile, "allow_k8s_contexts('tilt-live')", `allow_k8s_contexts('${cluster.context}')`, "Tiltfile");
  await writeFile(path.join(k8sDir, "Tiltfile"), tiltfile);
  const deployment = await readFile(path.join(k8sDir, "deployment.yml"), "utf8");
  await writeFile(path.join(k8sDir, "deployment.yml"), replaceAll(deployment, "example-go", name, "deployment.yml"));
  return { dir, goDir, k8sDir, name, env, session, url: `http://127.0.0.1:${appPort}/` };
}

export interface PodInfo {
  name: string;
  uid: string;
  containerID: string;
  restarts: number;
  ready: boolean;
  deleting: boolean;
}

/** The pods of the project's deployment (label app=<name>). */
export async function deploymentPods(cluster: Cluster, name: string): Promise<PodInfo[]> {
  const result = await kubectl(cluster, ["get", "pods", "-l", `app=${name}`, "-o", "json"]);
  if (result.exitCode !== 0) throw new Error(`kubectl get pods failed (exit ${result.exitCode}):\n${result.all}`);
  const list = JSON.parse(result.stdout) as {
    items: Array<{
      metadata: { name: string; uid: string; deletionTimestamp?: string };
      status: { containerStatuses?: Array<{ containerID?: string; restartCount: number; ready: boolean }> };
    }>;
  };
  return list.items.map((pod) => ({
    name: pod.metadata.name,
    uid: pod.metadata.uid,
    containerID: pod.status.containerStatuses?.[0]?.containerID ?? "",
    restarts: pod.status.containerStatuses?.[0]?.restartCount ?? 0,
    ready: pod.status.containerStatuses?.[0]?.ready ?? false,
    deleting: pod.metadata.deletionTimestamp !== undefined,
  }));
}

/** The one live pod of the deployment `name` (waits while a replaced one is still terminating). */
export async function singleReadyPod(cluster: Cluster, name: string, timeoutMs = 120_000): Promise<PodInfo> {
  const deadline = Date.now() + timeoutMs;
  let last: PodInfo[] = [];
  while (Date.now() < deadline) {
    last = await deploymentPods(cluster, name);
    const live = last.filter((pod) => !pod.deleting);
    if (live.length === 1 && last.length === 1 && live[0]!.ready) return live[0]!;
    await sleep(250);
  }
  throw new Error(`no single ready pod of ${name}: ${JSON.stringify(last)}`);
}

/**
 * Stops `tilt up`, runs `tilt down` (it has no --port: it reads the Tiltfile and deletes what k8s_yaml applied),
 * waits for the pods to go and removes this run's images from the node's containerd (the kubelet keeps pulled
 * images); returns what went wrong. The cluster itself and Docker's images (forgetK8sTilt) are the caller's.
 */
export async function tearDownK8sTilt(project: K8sTiltProject, cluster: Cluster): Promise<string[]> {
  const problems: string[] = [];
  await project.session.stopUp();
  const down = await execa(project.session.tilt, ["down"], { cwd: project.k8sDir, env: project.env, reject: false, all: true });
  if (down.exitCode !== 0) problems.push(`tilt down failed:\n${down.all}`);
  const deadline = Date.now() + 90_000;
  while ((await deploymentPods(cluster, project.name)).length > 0 && Date.now() < deadline) await sleep(500);
  const left = await deploymentPods(cluster, project.name);
  if (left.length > 0) problems.push(`tilt down left pods: ${left.map((pod) => pod.name).join(", ")}`);
  await removeNodeImages(
    cluster,
    (await nodeImages(cluster)).filter((ref) => ref.includes(project.name)),
  );
  const images = (await nodeImages(cluster)).filter((ref) => ref.includes(project.name));
  if (images.length > 0) problems.push(`images left in the node's containerd: ${images.join(", ")}`);
  return problems;
}

/**
 * The end of a test file that runs a Tilt project on the cluster: stops the cluster when the file started it (what
 * outlived it is returned), forgets the project's Docker images and dir, then cleans up and checks Docker for leaks.
 */
export async function endK8sFile(
  clusterStarted: boolean,
  cluster: Cluster | undefined,
  project: K8sTiltProject | undefined,
  resources: Resources,
): Promise<string[]> {
  const problems = clusterStarted ? await stopClusterChecked(cluster) : [];
  if (project) await forgetK8sTilt(project, resources);
  await resources.cleanup();
  await resources.assertNoLeaks();
  return problems;
}

/** Registers Docker's images of the project (Tilt and pack never remove them) with `resources`, and removes its dir. */
export async function forgetK8sTilt(project: Pick<K8sTiltProject, "dir" | "name">, resources: Resources): Promise<void> {
  const { stdout } = await execa("docker", ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"]);
  for (const ref of stdout.split("\n").filter((line) => line.includes(project.name))) resources.image(ref.trim());
  await rm(project.dir, { recursive: true, force: true });
}
