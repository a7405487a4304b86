// Real `tilt up` on a real single-node Kubernetes cluster (scripts/platform/k8s.sh) with samples/k8s: the seed's
// shape (tilt_live + k8s_yaml + k8s_resource(port_forwards=...)), a pod running as the CNB user (runAsNonRoot).
// The first deploy is a pack build pushed through the cluster's registry on 127.0.0.1; an edit of main.go is a live
// update through Kubernetes' exec (same pod); a compile error keeps the pod serving; a replaced pod starts from the
// image and Tilt brings the edits back; the rebuild tool works under `kubectl exec`. The app is reached only through
// Tilt's port-forward on 127.0.0.1. Starts the cluster, and stops it at the end: no pods, node images or processes.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePlatform, randomName, repoRoot, Resources, TILT_LIVE_VERSION, type Platform } from "./harness/index.js";
import { clusterStatus, kubectl, nodeImages, removeNodeImages, startCluster, stopCluster, type Cluster } from "./harness/k8s.js";
import { ensureTilt, tiltEnv, type BuildRecord } from "./harness/tilt.js";
import { freePort, getText, TiltSession } from "./harness/tilt-session.js";

/** Replaces `from` in `text`; fails when the sample no longer contains it (the sample changed shape). */
function replaceAll(text: string, from: string, to: string, file: string): string {
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}`);
  return text.split(from).join(to);
}

interface PodInfo {
  name: string;
  uid: string;
  containerID: string;
  restarts: number;
  ready: boolean;
  deleting: boolean;
}

describe("tilt up with the tilt_live extension on Kubernetes (samples/k8s)", () => {
  const resources = new Resources();
  let platform: Platform;
  let cluster: Cluster | undefined;
  let clusterStarting = false;
  let tilt: string;
  let env: Record<string, string>;
  let dir: string;
  let k8sDir: string;
  let goDir: string;
  let name: string;
  let session: TiltSession;
  let url: string;

  async function k(args: string[], input?: string): Promise<string> {
    const result = await kubectl(cluster!, args, input);
    if (result.exitCode !== 0) throw new Error(`kubectl ${args.join(" ")} failed (exit ${result.exitCode}):\n${result.all}`);
    return result.stdout;
  }

  async function pods(): Promise<PodInfo[]> {
    const list = JSON.parse(await k(["get", "pods", "-l", `app=${name}`, "-o", "json"])) as {
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

  /** The one live pod of the deployment (waits while a replaced one is still terminating). */
  async function runningPod(timeoutMs = 120_000): Promise<PodInfo> {
    const deadline = Date.now() + timeoutMs;
    let last: PodInfo[] = [];
    while (Date.now() < deadline) {
      last = await pods();
      const live = last.filter((pod) => !pod.deleting);
      if (live.length === 1 && last.length === 1 && live[0]!.ready) return live[0]!;
      await sleep(250);
    }
    throw new Error(`no single ready pod of ${name}: ${JSON.stringify(last)}`);
  }

  async function edit(change: (text: string) => string): Promise<number> {
    const local = path.join(goDir, "main.go");
    await writeFile(local, change(await readFile(local, "utf8")));
    return Date.now();
  }

  beforeAll(async () => {
    [platform, tilt] = await Promise.all([ensurePlatform(), ensureTilt()]);
    clusterStarting = true;
    cluster = await startCluster();
    console.log(`[k8s-live] cluster start (build cached or not, see k8s.sh output): ${cluster.startSeconds.toFixed(1)} s`);
    env = tiltEnv([path.dirname(platform.pack), cluster.binDir], {
      PACK_HOME: platform.packHome,
      PACK_VOLUME_KEY: platform.packVolumeKey,
      KUBECONFIG: cluster.kubeconfig,
    });
    dir = await mkdtemp(path.join(os.tmpdir(), "tilt-live-k8s-"));
    goDir = path.join(dir, "go");
    k8sDir = path.join(dir, "k8s");
    await cp(path.join(repoRoot, "samples/go"), goDir, { recursive: true });
    await cp(path.join(repoRoot, "samples/k8s"), k8sDir, { recursive: true });
    name = randomName("k8s-go");
    session = new TiltSession(tilt, env, k8sDir, await freePort(), name);
    const appPort = await freePort();
    url = `http://127.0.0.1:${appPort}/`;
    // The sample as shipped, with this run's names: the extension by absolute path, a unique image/deployment name,
    // a free local port, and --network none (the build needs nothing from outside this machine).
    let tiltfile = await readFile(path.join(k8sDir, "Tiltfile"), "utf8");
    tiltfile = replaceAll(tiltfile, "'../../tilt_live/Tiltfile'", `'${path.join(repoRoot, "tilt_live/Tiltfile")}'`, "Tiltfile");
    tiltfile = replaceAll(tiltfile, "'example-go'", `'${name}'`, "Tiltfile");
    tiltfile = replaceAll(tiltfile, "port_forwards='8080:8080'", `port_forwards='${appPort}:8080'`, "Tiltfile");
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
  });

  afterAll(async () => {
    await session?.stopUp();
    const problems: string[] = [];
    try {
      if (dir && cluster) {
        // `tilt down` has no --port: it reads the Tiltfile and deletes what k8s_yaml applied.
        const down = await execa(tilt, ["down"], { cwd: k8sDir, env, reject: false, all: true });
        if (down.exitCode !== 0) problems.push(`tilt down failed:\n${down.all}`);
        const deadline = Date.now() + 90_000;
        while ((await pods()).length > 0 && Date.now() < deadline) await sleep(500);
        const left = await pods();
        if (left.length > 0) problems.push(`tilt down left pods: ${left.map((pod) => pod.name).join(", ")}`);
        // The kubelet keeps pulled images; remove this run's from the node's store and check.
        await removeNodeImages(
          cluster,
          (await nodeImages(cluster)).filter((ref) => ref.includes(name)),
        );
        const images = (await nodeImages(cluster)).filter((ref) => ref.includes(name));
        if (images.length > 0) problems.push(`images left in the node's containerd: ${images.join(", ")}`);
      }
    } finally {
      if (clusterStarting) {
        await stopCluster();
        const status = await clusterStatus();
        if (status.up || /running/.test(status.output)) problems.push(`the cluster still runs after stop:\n${status.output}`);
      }
      // Docker: pack's caching tag, Tilt's tags with and without the registry (Tilt and pack never remove them).
      if (name) {
        const { stdout } = await execa("docker", ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"]);
        for (const ref of stdout.split("\n").filter((line) => line.includes(name))) resources.image(ref.trim());
      }
      await resources.cleanup();
      await resources.assertNoLeaks();
      if (dir) await rm(dir, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
  });

  let baseline: BuildRecord;
  let pod: PodInfo;

  it("deploys the pack build through the cluster's registry; the pod runs as the non-root CNB user", async () => {
    session.start();
    const started = Date.now();
    baseline = await session.nextBuild(undefined, 900_000);
    expect(baseline.error ?? "", await session.logs()).toBe("");
    expect(baseline.spanID).toMatch(/^build:\d+$/);
    await session.waitForAnswer(url, "v1\n", Date.now(), 120_000); // throws unless it answers
    console.log(`[k8s-live] first deploy (pack build + push + pod): ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const logs = await session.logs();
    expect(logs).toContain("Building Custom Build:");
    expect(logs).toContain(`tilt-live ${TILT_LIVE_VERSION}`);
    pod = await runningPod();
    const spec = JSON.parse(await k(["get", "pod", pod.name, "-o", "jsonpath={.spec}"])) as {
      securityContext: { runAsNonRoot?: boolean; runAsUser?: number };
      containers: Array<{ image: string }>;
    };
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    expect(spec.containers[0]!.image.startsWith(`${cluster!.registry}/${name}:`)).toBe(true);
    expect((await k(["exec", pod.name, "--", "id", "-u"])).trim()).toBe("1000");
  });

  const times: number[] = [];

  it("live-updates an edit of main.go through Kubernetes' exec: spanID liveupdate:, same pod and container", async () => {
    for (const [from, to] of [
      ["v1", "v2"],
      ["v2", "v3"],
      ["v3", "v4"],
    ] as const) {
      const editedAt = await edit((text) => text.replace(`"${from}"`, `"${to}"`));
      times.push(await session.waitForAnswer(url, `${to}\n`, editedAt, 120_000));
      const record = await session.nextBuild(baseline, 60_000);
      expect(record.error ?? "").toBe("");
      expect(record.spanID).toBe(`liveupdate:${name}:${name}`);
      baseline = record;
    }
    const now = await runningPod();
    expect(now.uid).toBe(pod.uid);
    expect(now.containerID).toBe(pod.containerID);
    expect(now.restarts).toBe(0);
    const logs = await session.logs();
    expect(logs).toMatch(/1 File Changed: \[.*main\.go\]/);
    expect(logs).toContain(`'${path.join(goDir, "main.go")}' --> '/layers/tilt-live/src/main.go'`);
    expect(logs).toContain("/layers/tilt-live/tools/bin/rebuild");
    expect(logs).toMatch(/Container \S+ updated!/);
    console.log(`[k8s-live] edit of main.go → new response (Kubernetes): ${times.map((t) => (t / 1000).toFixed(2)).join(" s, ")} s`);
  });

  it("reports a compile error as a failed live update with the rebuild's output, keeps serving, then recovers", async () => {
    await edit((text) => text.replace('const message = "v4"', "const message = v5 +"));
    const failed = await session.nextBuild(baseline, 120_000);
    expect(failed.spanID).toBe(`liveupdate:${name}:${name}`);
    expect(failed.error).toMatch(/rebuild/);
    expect((await session.uiResource()).status.updateStatus).toBe("error");
    expect(await getText(url)).toBe("v4\n");
    expect(await session.logs()).toMatch(/main\.go:\d+:\d+: syntax error/);
    console.log(`[k8s-live] failed live update as Tilt records it: ${failed.error}`);
    baseline = failed;

    const fixedAt = await edit((text) => text.replace("const message = v5 +", 'const message = "v5"'));
    await session.waitForAnswer(url, "v5\n", fixedAt, 120_000);
    const fixed = await session.nextBuild(baseline, 60_000);
    expect(fixed.spanID).toBe(`liveupdate:${name}:${name}`);
    expect(fixed.error ?? "").toBe("");
    baseline = fixed;
    expect((await runningPod()).uid).toBe(pod.uid);
  });

  it("runs the rebuild tool under kubectl exec (no launcher env, non-root, argv without a shell)", async () => {
    const result = await kubectl(cluster!, ["exec", pod.name, "--", "/layers/tilt-live/tools/bin/rebuild"]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/^ {2}Ran the build phase \(\d+(\.\d+)?s\)$/m);
    expect(result.stderr).toMatch(/^\[tilt-live\] rebuild succeeded \(exit 0\)/m);
    await session.waitForAnswer(url, "v5\n", Date.now(), 60_000);
    expect((await runningPod()).uid).toBe(pod.uid);
  });

  it("a replaced pod starts from the image (v1), then Tilt 0.37.5 live-updates it back to the edited source", async () => {
    const old = pod;
    const logsBefore = (await session.logs()).length;
    await k(["delete", "pod", old.name, "--wait=true", "--timeout=90s"]);
    const deletedAt = Date.now();
    const fresh = await runningPod();
    expect(fresh.uid).not.toBe(old.uid);
    // Tilt's port-forward follows the new pod; the edits return by a live update of the new container.
    const backMs = await session.waitForAnswer(url, "v5\n", deletedAt, 180_000);
    const record = await session.nextBuild(baseline, 60_000);
    expect(record.spanID).toBe(`liveupdate:${name}:${name}`);
    expect(record.error ?? "").toBe("");
    baseline = record;
    const current = await runningPod();
    expect(current.uid).toBe(fresh.uid);
    expect(current.restarts).toBe(0);
    // The new container's own log: the image's version first, then the rebuilt one (the supervisor's restart).
    const appLog = await k(["logs", fresh.name]);
    const first = appLog.indexOf('message "v1"');
    const edited = appLog.indexOf('message "v5"');
    expect(first, appLog).toBeGreaterThanOrEqual(0);
    expect(edited, appLog).toBeGreaterThan(first);
    // What Tilt shows: the replay of the earlier edits on the new container, no image build.
    const replay = (await session.logs()).slice(logsBefore);
    expect(replay).toContain(`'${path.join(goDir, "main.go")}' --> '/layers/tilt-live/src/main.go'`);
    expect(replay).toContain("/layers/tilt-live/tools/bin/rebuild");
    expect(replay).toMatch(/Container \S+ updated!/);
    expect(replay).not.toContain("Building Custom Build:");
    console.log(
      `[k8s-live] Tilt after the pod was replaced:\n${replay
        .split("\n")
        .filter((line) => /Will copy|-->|CMD|RUNNING|updated!|Detected|Initial/.test(line))
        .join("\n")}`,
    );
    pod = current;
    console.log(`[k8s-live] pod deleted → replacement serves the edited source again: ${(backMs / 1000).toFixed(1)} s`);
  });
});
