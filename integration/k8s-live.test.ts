// Real `tilt up` on a real single-node Kubernetes cluster (scripts/platform/k8s.sh) with samples/k8s: the seed's
// shape (tilt_live + k8s_yaml + k8s_resource(port_forwards=...)), a pod running as the CNB user (runAsNonRoot).
// The first deploy is a pack build pushed through the cluster's registry on 127.0.0.1; an edit of main.go is a live
// update through Kubernetes' exec (same pod); a compile error keeps the pod serving; a replaced pod starts from the
// image and Tilt brings the edits back; the rebuild tool works under `kubectl exec`. The app is reached only through
// Tilt's port-forward on 127.0.0.1. Starts the cluster, and stops it at the end: no pods, node images or processes.
import { readFile, writeFile } from "node:fs/promises";
import { Agent, get } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePlatform, Resources, TILT_LIVE_VERSION, type Platform } from "./harness/index.js";
import { kubectl, startCluster, type Cluster } from "./harness/k8s.js";
import { endK8sFile, singleReadyPod, prepareK8sTilt, tearDownK8sTilt, type K8sTiltProject, type PodInfo } from "./harness/k8s-tilt.js";
import { ensureTilt, type BuildRecord } from "./harness/tilt.js";
import { getText, type TiltSession } from "./harness/tilt-session.js";

describe("tilt up with the tilt_live extension on Kubernetes (samples/k8s)", () => {
  const resources = new Resources();
  let platform: Platform;
  let cluster: Cluster | undefined;
  let clusterStarting = false;
  let project: K8sTiltProject | undefined;
  let goDir: string;
  let name: string;
  let session: TiltSession;
  let url: string;

  async function k(args: string[], input?: string): Promise<string> {
    const result = await kubectl(cluster!, args, input);
    if (result.exitCode !== 0) throw new Error(`kubectl ${args.join(" ")} failed (exit ${result.exitCode}):\n${result.all}`);
    return result.stdout;
  }

  const runningPod = (timeoutMs?: number): Promise<PodInfo> => singleReadyPod(cluster!, name, timeoutMs);

  async function edit(change: (text: string) => string): Promise<number> {
    const local = path.join(goDir, "main.go");
    await writeFile(local, change(await readFile(local, "utf8")));
    return Date.now();
  }

  beforeAll(async () => {
    let tilt: string;
    [platform, tilt] = await Promise.all([ensurePlatform(), ensureTilt()]);
    clusterStarting = true;
    cluster = await startCluster();
    console.log(`[k8s-live] cluster start (build cached or not, see k8s.sh output): ${cluster.startSeconds.toFixed(1)} s`);
    project = await prepareK8sTilt(platform, tilt, cluster);
    ({ goDir, name, session, url } = project);
  });

  afterAll(async () => {
    const problems: string[] = [];
    try {
      if (project && cluster) problems.push(...(await tearDownK8sTilt(project, cluster)));
    } finally {
      problems.push(...(await endK8sFile(clusterStarting, cluster, project, resources)));
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

  /** GET `url` on the agent's one connection: the answer, and whether the connection was an earlier request's. */
  function getOnConnection(agent: Agent): Promise<{ body: string; reused: boolean }> {
    return new Promise((resolve, reject) => {
      const req = get(url, { agent }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ body, reused: req.reusedSocket }));
      });
      req.on("error", reject);
    });
  }

  it("live-updates an edit of main.go through Kubernetes' exec: spanID liveupdate:, same pod and container", async () => {
    // A client that keeps its connection, as browsers do: through tilt-live's proxy (TILT_LIVE_PROXY in
    // deployment.yml) it outlives each restart; the app's own port would have closed it under the port-forward.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await getOnConnection(agent)).toEqual({ body: "v1\n", reused: false });
    for (const [from, to] of [
      ["v1", "v2"],
      ["v2", "v3"],
      ["v3", "v4"],
    ] as const) {
      const editedAt = await edit((text) => text.replace(`"${from}"`, `"${to}"`));
      times.push(await session.waitForAnswer(url, `${to}\n`, editedAt, 120_000));
      expect(await getOnConnection(agent)).toEqual({ body: `${to}\n`, reused: true });
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
    agent.destroy();
    const appLog = await k(["logs", pod.name]);
    expect(appLog).toContain("[tilt-live] proxy: port 8081 forwards to the app's 8080; requests wait up to 30.0s while it restarts\n");
    expect(appLog).toMatch(/\[tilt-live\] rebuild #3 succeeded in [\d.]+s; app restarted in [\d.]+s .*; listening on 8080 after/);
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
    // Nothing changed since the last good build: a plain rebuild only restarts; --clean runs the build phase.
    const restart = await kubectl(cluster!, ["exec", pod.name, "--", "/layers/tilt-live/tools/bin/rebuild"]);
    expect(restart.exitCode, restart.all).toBe(0);
    expect(restart.stdout).toContain("Change set: restart only (no file changed since the last good build)");
    const result = await kubectl(cluster!, ["exec", pod.name, "--", "/layers/tilt-live/tools/bin/rebuild", "--clean"]);
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
