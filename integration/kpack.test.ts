// "All Remote" (docs/kpack.md): real kpack v0.17.2, built from its source by scripts/platform/kpack.sh, on the local
// cluster (scripts/platform/k8s.sh), with real `tilt up` on a copy of samples/kpack. Tilt's custom_build runs
// scripts/kpack-image.sh: the source goes to the cluster's registry as a one-layer image, the kpack Image points at
// it and its Build runs the lifecycle with the ClusterBuilder whose order is tilt-live's meta-buildpack (published
// once per run: harness/packages-setup.ts). Then an edit is a live update in the kpack-built pod; a compile error
// fails the live update and then the kpack build, while the pod keeps serving; the fix builds again in the cluster
// from kpack's cache; BP_TILT_LIVE_ENABLED=false on the same Image builds the production group. The app is reached
// only through Tilt's port-forward on 127.0.0.1. Leaves no kpack Image, Build or pod, no registry data, no cluster.
import { appendFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePlatform, repoRoot, Resources } from "./harness/index.js";
import { failFast } from "./harness/suite.js";
import { kubectl, startCluster, type Cluster } from "./harness/k8s.js";
import { endK8sFile, singleReadyPod, tearDownK8sTilt, type K8sTiltProject, type PodInfo } from "./harness/k8s-tilt.js";
import {
  buildKpack,
  kpackBuilds,
  kpackLeftovers,
  kpackStatus,
  lastKpackImage,
  prepareKpackTilt,
  startKpack,
  stopKpack,
} from "./harness/kpack.js";
import { publishedPackages } from "./harness/registry.js";
import { ensureTilt, type BuildRecord } from "./harness/tilt.js";
import { getText, type TiltSession } from "./harness/tilt-session.js";

describe.sequential("All Remote: samples/go built by kpack in the cluster, then live-updated by tilt-live (samples/kpack)", () => {
  const resources = new Resources();
  failFast();
  let cluster: Cluster | undefined;
  let clusterStarting = false;
  let kpackStarting = false;
  let project: K8sTiltProject | undefined;
  let name: string;
  let session: TiltSession;
  let url: string;

  const runningPod = (timeoutMs?: number): Promise<PodInfo> => singleReadyPod(cluster!, name, timeoutMs);

  async function edit(file: string, change: (text: string) => string): Promise<number> {
    const local = path.join(project!.goDir, file);
    await writeFile(local, change(await readFile(local, "utf8")));
    return Date.now();
  }

  beforeAll(async () => {
    const published = publishedPackages();
    const [platform, tilt] = await Promise.all([ensurePlatform(), ensureTilt()]);
    const built = Date.now();
    await buildKpack();
    console.log(`[kpack] kpack.sh build (the binaries built or awaited, the images): ${((Date.now() - built) / 1000).toFixed(1)} s`);
    clusterStarting = true;
    cluster = await startCluster();
    kpackStarting = true;
    const kpackStarted = Date.now();
    await startKpack(published.registry);
    console.log(
      `[kpack] kpack.sh start --packages ${published.registry} (builder Ready): ${((Date.now() - kpackStarted) / 1000).toFixed(1)} s`,
    );

    project = await prepareKpackTilt(platform, tilt, cluster);
    ({ name, session, url } = project);
  });

  afterAll(async () => {
    const problems: string[] = [];
    try {
      if (project && cluster) problems.push(...(await tearDownK8sTilt(project, cluster)));
      if (kpackStarting) {
        await stopKpack();
        const left = await kpackLeftovers(cluster!);
        if (left.length > 0) problems.push(`kpack.sh stop left: ${left.join(", ")}`);
        const status = await kpackStatus();
        if (status.up || !/deploy\/kpack-controller +not available/.test(status.output)) {
          problems.push(`kpack.sh status after stop:\n${status.output}`);
        }
      }
    } finally {
      problems.push(...(await endK8sFile(clusterStarting, cluster, project, resources)));
    }
    expect(problems).toEqual([]);
  });

  let baseline: BuildRecord;
  let pod: PodInfo;
  const figures: string[] = [];

  it("kpack.sh start: a ClusterBuildpack per package, the meta-buildpack's listing the Paketo groups it bundles; start again changes nothing", async () => {
    const listed = async (name: string): Promise<string[]> => {
      const result = await kubectl(cluster!, ["get", "clusterbuildpack", name, "-o", "jsonpath={.status.buildpacks[*].id}"]);
      expect(result.exitCode, result.all).toBe(0);
      return result.stdout.split(" ");
    };
    expect(await listed("tilt-live")).toEqual(
      expect.arrayContaining([
        "tilt-live/dev",
        "tilt-live/source",
        "tilt-live",
        "paketo-buildpacks/go-build",
        "paketo-buildpacks/npm-install",
      ]),
    );
    expect(await listed("tilt-live-source")).toEqual(["tilt-live/source"]);
    expect(await listed("tilt-live-live")).toEqual(["tilt-live"]);
    const ready = await kubectl(cluster!, [
      "get",
      "clusterbuilder",
      "tilt-live",
      "-o",
      "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
    ]);
    expect(ready.stdout).toBe("True");
    const builderImage = async () =>
      (await kubectl(cluster!, ["get", "clusterbuilder", "tilt-live", "-o", "jsonpath={.status.latestImage}"])).stdout;
    const before = await builderImage();
    const status = await kpackStatus();
    expect(status.up, status.output).toBe(true);
    expect(status.output).toMatch(/^deploy\/kpack-controller +available$/m);
    expect(status.output).toMatch(/^deploy\/kpack-webhook +available$/m);
    expect(status.output).toContain(`Ready (${before})`);
    // Idempotent: a second start (as after an interrupted one) applies the same resources; the builder is not remade.
    await startKpack(publishedPackages().registry);
    expect(await builderImage()).toBe(before);
  });

  it("builds samples/go in the cluster (kpack Build, tilt-live's dev group) from only its source and deploys it", async () => {
    session.start();
    const started = Date.now();
    baseline = await session.nextBuild(undefined, 900_000);
    expect(baseline.error ?? "", await session.logs()).toBe("");
    expect(baseline.spanID).toMatch(/^build:\d+$/);
    await session.waitForAnswer(url, "v1\n", Date.now(), 120_000);
    const logs = await session.logs();
    const first = lastKpackImage(logs);
    figures.push(
      `first in-cluster build ${(first.ms / 1000).toFixed(1)} s (tilt up → answer ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    figures.push(`source sent per kpack build: ${first.sourceBytes} bytes`);
    // The source image holds samples/go as it is on disk: a few KB, not the ~1 GB dev image.
    expect(first.sourceBytes).toBeLessThan(64 * 1024);
    expect(logs).toContain("Building Custom Build:");

    const builds = await kpackBuilds(cluster!, name);
    expect(builds.map((build) => build.succeeded)).toEqual(["True"]);
    const group = builds[0]!.buildpacks.map((id) => id.replace(/@.*/, ""));
    expect(group).toEqual(expect.arrayContaining(["tilt-live/source", "paketo-buildpacks/go-build", "tilt-live"]));
    console.log(`[kpack] group of the first Build: ${builds[0]!.buildpacks.join(", ")}`);

    pod = await runningPod();
    const podJson = JSON.parse((await kubectl(cluster!, ["get", "pod", pod.name, "-o", "json"])).stdout) as {
      spec: { containers: Array<{ image: string }> };
      status: { containerStatuses: Array<{ imageID: string }> };
    };
    // Tilt deployed what kpack pushed: the Build's own tag (kpack tags each build b<N>.<date>.<time>), and the node
    // runs the digest the Build reports.
    expect(podJson.spec.containers[0]!.image).toMatch(new RegExp(`^${cluster!.podRegistry}/apps/${name}:b1\\.\\d+\\.\\d+$`));
    expect(podJson.status.containerStatuses[0]!.imageID.replace(/^.*@/, "")).toBe(builds[0]!.latestImage!.replace(/^.*@/, ""));
    expect((await kubectl(cluster!, ["exec", pod.name, "--", "id", "-u"])).stdout.trim()).toBe("1000");
  });

  it("live-updates an edit of main.go in the kpack-built pod: Tilt syncs the file, rebuild runs there (same pod)", async () => {
    const editedAt = await edit("main.go", (text) => text.replace('"v1"', '"v2"'));
    const ms = await session.waitForAnswer(url, "v2\n", editedAt, 120_000);
    const record = await session.nextBuild(baseline, 60_000);
    expect(record.error ?? "").toBe("");
    expect(record.spanID).toBe(`liveupdate:${name}:${name}`);
    baseline = record;
    expect((await runningPod()).uid).toBe(pod.uid);
    const logs = await session.logs();
    expect(logs).toContain(`'${path.join(project!.goDir, "main.go")}' --> '/layers/tilt-live/src/main.go'`);
    expect(logs).toContain("/layers/tilt-live/tools/bin/rebuild");
    // Only the edited file crossed: Tilt's sync of one file, no source image and no kpack Build.
    expect((await kpackBuilds(cluster!, name)).length).toBe(1);
    const bytes = (await readFile(path.join(project!.goDir, "main.go"))).length;
    figures.push(`edit → new response through live update ${(ms / 1000).toFixed(2)} s (sent: main.go, ${bytes} bytes, in Tilt's tar)`);
  });

  it("a compile error fails the live update, then the kpack build (go.mod changed) with Go's message in Tilt; the pod keeps serving", async () => {
    await edit("main.go", (text) => text.replace('const message = "v2"', "const message = v3 +"));
    const failedLive = await session.nextBuild(baseline, 120_000);
    expect(failedLive.spanID).toBe(`liveupdate:${name}:${name}`);
    expect(failedLive.error).toMatch(/rebuild/);
    expect(await getText(url)).toBe("v2\n");
    baseline = failedLive;

    // go.mod is the sample's fall_back_on: a change there builds a new image in the cluster, with the broken main.go.
    await appendFile(path.join(project!.goDir, "go.mod"), "\n// a dependency change\n");
    const failedBuild = await session.nextBuild(baseline, 600_000);
    expect(failedBuild.spanID).toMatch(/^build:\d+$/);
    expect(failedBuild.error ?? "").not.toBe("");
    const logs = await session.logs();
    expect(logs).toMatch(/main\.go:\d+:\d+: syntax error/);
    expect(logs).toMatch(/kpack-image: \S+ failed in its build step; the running app keeps the last good image/);
    expect((await kpackBuilds(cluster!, name)).map((build) => build.succeeded)).toEqual(["True", "False"]);
    expect(await getText(url)).toBe("v2\n");
    expect((await runningPod()).uid).toBe(pod.uid);
    console.log(`[kpack] failed kpack build as Tilt records it: ${failedBuild.error}`);
    baseline = failedBuild;
  });

  it("the fix builds again in the cluster (a one-line change, kpack's registry cache restored) and deploys a new pod", async () => {
    await appendFile(path.join(project!.goDir, "go.mod"), "// and its fix\n");
    const fixedAt = await edit("main.go", (text) => text.replace("const message = v3 +", 'const message = "v3"'));
    const fixed = await session.nextBuild(baseline, 600_000);
    expect(fixed.error ?? "", await session.logs()).toBe("");
    expect(fixed.spanID).toMatch(/^build:\d+$/);
    const ms = await session.waitForAnswer(url, "v3\n", fixedAt, 180_000);
    baseline = fixed;
    const builds = await kpackBuilds(cluster!, name);
    expect(builds.map((build) => build.succeeded)).toEqual(["True", "False", "True"]);
    const fresh = await runningPod();
    expect(fresh.uid).not.toBe(pod.uid);
    pod = fresh;
    const second = lastKpackImage(await session.logs());
    figures.push(
      `second in-cluster build after a one-line change ${(second.ms / 1000).toFixed(1)} s (edit → answer ${(ms / 1000).toFixed(1)} s)`,
    );
    // The build restored the previous good build's cache image (the lifecycle's restorer says so in the build pod).
    const restore = await kubectl(cluster!, ["logs", `${builds[2]!.name}-build-pod`, "-c", "restore"]);
    expect(restore.stdout, restore.all).toMatch(/Restoring data for "[^"]+" from cache/);
  });

  it("BP_TILT_LIVE_ENABLED=false on the same kpack Image builds the production group (no tilt-live buildpack)", async () => {
    const ref = path.join(project!.dir, "production-ref.txt");
    const result = await execa(
      "bash",
      [path.join(repoRoot, "scripts/kpack-image.sh"), name, project!.goDir, ref, "BP_TILT_LIVE_ENABLED=false"],
      { env: project!.env, all: true, reject: false },
    );
    expect(result.exitCode, result.all).toBe(0);
    const builds = await kpackBuilds(cluster!, name);
    const production = builds.at(-1)!;
    expect(production.succeeded).toBe("True");
    const group = production.buildpacks.map((id) => id.replace(/@.*/, ""));
    expect(group).toContain("paketo-buildpacks/go-build");
    expect(group.filter((id) => id.startsWith("tilt-live"))).toEqual([]);
    expect((await readFile(ref, "utf8")).trim()).toMatch(new RegExp(`@${production.latestImage!.replace(/^.*@/, "")}$`));
    console.log(`[kpack] production group: ${production.buildpacks.join(", ")}`);
    console.log(`[kpack] ${figures.join("; ")}`);
  });
});
