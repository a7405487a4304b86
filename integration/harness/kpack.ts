// kpack on the local cluster (scripts/platform/kpack.sh start|stop), samples/kpack's project under Tilt, and the reads
// the kpack test makes: its Images, Builds and build pods.
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { kubectl, type Cluster } from "./k8s.js";
import { replaceAll, type K8sTiltProject } from "./k8s-tilt.js";
import { randomName } from "./names.js";
import { repoRoot, type Platform } from "./platform.js";
import { tiltEnv } from "./tilt.js";
import { freePort, TiltSession } from "./tilt-session.js";

const kpackScript = path.join(repoRoot, "scripts/platform/kpack.sh");

async function script(args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await execa("bash", [kpackScript, ...args], { all: true, reject: false, cwd: repoRoot, env });
  if (result.exitCode !== 0) {
    throw new Error(`scripts/platform/kpack.sh ${args.join(" ")} failed (exit ${result.exitCode}):\n${result.all ?? ""}`);
  }
  return result.all ?? "";
}

/** kpack's images (and its binaries, or waits for the build scripts/integration.sh started); its output. */
export function buildKpack(): Promise<string> {
  return script(["build"]);
}

/**
 * kpack, a ClusterBuildpack per package in `registry` (as `npm run package -- --publish` pushes them; without one,
 * kpack.sh publishes them into the cluster's registry: about 2 minutes) and the ClusterBuilder tilt-live; its output.
 */
export function startKpack(registry?: string): Promise<string> {
  return script(["start", ...(registry ? ["--packages", registry] : [])]);
}

/** `kpack.sh status`: exit code and output (0 only when kpack's deployments are available and the builder Ready). */
export async function kpackStatus(): Promise<{ up: boolean; output: string }> {
  const result = await execa("bash", [kpackScript, "status"], { all: true, reject: false, cwd: repoRoot });
  return { up: result.exitCode === 0, output: result.all ?? "" };
}

/** Every kpack Image and Build, the cluster resources and kpack itself off the cluster. */
export function stopKpack(): Promise<string> {
  return script(["stop"]);
}

export interface KpackBuild {
  name: string;
  image: string;
  succeeded: "True" | "False" | "Unknown" | undefined;
  /** The buildpacks of the group that built it (id@version). */
  buildpacks: string[];
  /** The image it pushed, by digest. */
  latestImage: string | undefined;
}

async function kubectlJson<T>(cluster: Cluster, args: string[]): Promise<T> {
  const result = await kubectl(cluster, [...args, "-o", "json"]);
  if (result.exitCode !== 0) throw new Error(`kubectl ${args.join(" ")} failed (exit ${result.exitCode}):\n${result.all}`);
  return JSON.parse(result.stdout) as T;
}

/** The Builds of the kpack Image `image` (all of them when omitted), oldest first. */
export async function kpackBuilds(cluster: Cluster, image?: string): Promise<KpackBuild[]> {
  const list = await kubectlJson<{
    items: Array<{
      metadata: { name: string; labels?: Record<string, string>; creationTimestamp: string };
      status?: {
        conditions?: Array<{ type: string; status: KpackBuild["succeeded"] }>;
        buildMetadata?: Array<{ id: string; version: string }>;
        latestImage?: string;
      };
    }>;
  }>(cluster, ["get", "builds.kpack.io", "-A", ...(image ? ["-l", `image.kpack.io/image=${image}`] : [])]);
  return list.items
    .sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp))
    .map((item) => ({
      name: item.metadata.name,
      image: item.metadata.labels?.["image.kpack.io/image"] ?? "",
      succeeded: item.status?.conditions?.find((condition) => condition.type === "Succeeded")?.status,
      buildpacks: (item.status?.buildMetadata ?? []).map((bp) => `${bp.id}@${bp.version}`),
      latestImage: item.status?.latestImage,
    }));
}

/** Names of what kpack leaves per app: Images, Builds and build pods (label kpack.io/build), in every namespace. */
export async function kpackLeftovers(cluster: Cluster): Promise<string[]> {
  const result = await kubectl(cluster, ["get", "images.kpack.io,builds.kpack.io", "-A", "-o", "name"]);
  const pods = await kubectl(cluster, ["get", "pods", "-A", "-l", "kpack.io/build", "-o", "name"]);
  // Once kpack is removed its resource types are gone too: nothing of them can be left.
  const typesGone = /the server doesn't have a resource type/.test(result.all ?? "");
  if (result.exitCode !== 0 && !typesGone) throw new Error(`kubectl get images,builds failed:\n${result.all}`);
  if (pods.exitCode !== 0) throw new Error(`kubectl get pods failed:\n${pods.all}`);
  const kinds = typesGone ? "" : result.stdout;
  return [...kinds.split("\n"), ...pods.stdout.split("\n")].map((line) => line.trim()).filter((line) => line !== "");
}

/**
 * samples/kpack under `tilt up` on the local cluster, without test hooks (the kpack test and the bench share it):
 * private copies of samples/go and samples/kpack side by side (the Tiltfile names ../go), the Tiltfile with this
 * run's names (scripts/kpack-image.sh by absolute path, a unique Image/deployment name, a free local port, the
 * cluster's context), Tilt's env as `eval "$(scripts/platform/k8s.sh env)"` gives it, a TiltSession (not started).
 * The teardown is the Kubernetes one (tearDownK8sTilt, forgetK8sTilt).
 */
export async function prepareKpackTilt(platform: Platform, tilt: string, cluster: Cluster): Promise<K8sTiltProject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "tilt-live-kpack-"));
  const goDir = path.join(dir, "go");
  const kpackDir = path.join(dir, "kpack");
  await cp(path.join(repoRoot, "samples/go"), goDir, { recursive: true });
  await cp(path.join(repoRoot, "samples/kpack"), kpackDir, { recursive: true });
  const name = randomName("kpack-go");
  const appPort = await freePort();
  let tiltfile = await readFile(path.join(kpackDir, "Tiltfile"), "utf8");
  tiltfile = replaceAll(
    tiltfile,
    "'bash ../../scripts/kpack-image.sh go-remote",
    `'bash ${repoRoot}/scripts/kpack-image.sh ${name}`,
    "Tiltfile",
  );
  tiltfile = replaceAll(tiltfile, "'go-remote'", `'${name}'`, "Tiltfile");
  tiltfile = replaceAll(tiltfile, "port_forwards='18080:8081'", `port_forwards='${appPort}:8081'`, "Tiltfile");
  tiltfile = replaceAll(tiltfile, "allow_k8s_contexts('tilt-live')", `allow_k8s_contexts('${cluster.context}')`, "Tiltfile");
  await writeFile(path.join(kpackDir, "Tiltfile"), tiltfile);
  const deployment = await readFile(path.join(kpackDir, "deployment.yml"), "utf8");
  await writeFile(path.join(kpackDir, "deployment.yml"), replaceAll(deployment, "go-remote", name, "deployment.yml"));
  const env = tiltEnv([path.dirname(platform.pack), cluster.binDir], {
    KUBECONFIG: cluster.kubeconfig,
    TILT_LIVE_K8S_REGISTRY: cluster.registry,
    TILT_LIVE_K8S_POD_REGISTRY: cluster.podRegistry,
  });
  const session = new TiltSession(tilt, env, kpackDir, await freePort(), name);
  return { dir, goDir, k8sDir: kpackDir, name, env, session, url: `http://127.0.0.1:${appPort}/` };
}

/** scripts/kpack-image.sh's line for a build whose image kpack pushed, with its time from the upload on. */
export const KPACK_IMAGE_BUILT = /kpack-image: \S+@sha256:[0-9a-f]+ in (\d+) ms/g;

/** The figures scripts/kpack-image.sh printed for its newest build in `logs`: the source image's bytes, its time. */
export function lastKpackImage(logs: string): { sourceBytes: number; ms: number } {
  const sources = [...logs.matchAll(/kpack-image: source \S+ \((\d+) bytes unpacked\)/g)];
  const builds = [...logs.matchAll(KPACK_IMAGE_BUILT)];
  if (sources.length === 0 || builds.length === 0) throw new Error(`no kpack-image figures in Tilt's log:\n${logs}`);
  return { sourceBytes: Number(sources.at(-1)![1]), ms: Number(builds.at(-1)![1]) };
}
