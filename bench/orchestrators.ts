// `npm run bench -- --orchestrator compose,k8s,skaffold,kpack`: the same one-line edit of samples/go's main.go under
// real Tilt with Docker Compose, real Tilt on the local Kubernetes (scripts/platform/k8s.sh), real `skaffold dev` and
// real Tilt on the image kpack built in the cluster (samples/kpack, docs/kpack.md; plus its image builds), each
// timed from the write on the host until GET, through the published port or the port-forward on 127.0.0.1, answers
// the new text; each edit's steps come from the orchestrator's own output as it arrived (orchestrator-steps.ts).
// The first edit after the deploy is the first live update in the new container or pod; the `runs` after it are
// the ones the medians take.
import { appendFile, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ensurePlatform, Resources, type Platform } from "../integration/harness/index.js";
import { startCluster, stopCluster } from "../integration/harness/k8s.js";
import { forgetK8sTilt, prepareK8sTilt, tearDownK8sTilt, type K8sTiltProject } from "../integration/harness/k8s-tilt.js";
import { buildKpack, KPACK_IMAGE_BUILT, lastKpackImage, prepareKpackTilt, startKpack, stopKpack } from "../integration/harness/kpack.js";
import { copySample, LIVE_GROUPS } from "../integration/harness/live.js";
import { prepareSkaffold, SkaffoldDev, skaffoldBinary, skaffoldLeftovers, skaffoldNetworks } from "../integration/harness/skaffold.js";
import { ensureTilt, type BuildRecord } from "../integration/harness/tilt.js";
import { prepareTiltCompose, tearDownTiltCompose, writeTiltLiveComposeTiltfile } from "../integration/harness/tilt-compose-project.js";
import { POLL_PAUSE_MS, waitForAnswer, type ArrivedLine, type TiltSession } from "../integration/harness/tilt-session.js";
import { go } from "./languages.js";
import {
  orchestratorResult,
  type EditRun,
  type ImageBuilds,
  type OrchestratorName,
  type OrchestratorResult,
} from "./orchestrator-result.js";
import { longestGet, skaffoldSteps, tiltSteps, type Steps } from "./orchestrator-steps.js";
import type { TimedLine } from "./profile.js";
import { seconds } from "./stats.js";

/** One orchestrator running samples/go, deployed and answering v1. */
interface Deployed {
  /** The app copy the orchestrator watches. */
  app: string;
  url: string;
  /** Its output so far, line by line, with each line's arrival. */
  lines(): readonly ArrivedLine[];
  /** Waits until the orchestrator is done with the edit whose output starts at line `from`; fails on a failed update. */
  settle(from: number): Promise<void>;
  steps(lines: TimedLine[], responseMs: number): Steps;
  /** For an orchestrator that builds the image in the cluster: that build's figures, after the edits. */
  imageBuilds?(): Promise<ImageBuilds>;
  /** Ends it and removes what it made; returns what went wrong. */
  stop(): Promise<string[]>;
}

const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);

/** The `after` Tilt records a live update against: the newest finished build, a successful one. */
function tiltSettler(session: TiltSession, first: BuildRecord): (from: number) => Promise<void> {
  let baseline = first;
  return async () => {
    const record = await session.nextBuild(baseline, 120_000);
    baseline = record;
    if (record.error) throw new Error(`the live update failed in Tilt: ${record.error}\n${await session.logs()}`);
    if (!record.spanID?.startsWith("liveupdate:")) throw new Error(`Tilt did an image build (${record.spanID}), not a live update`);
  };
}

/** Starts `tilt up` and waits for the first deploy (a pack build) to answer v1; returns the build record. */
async function firstDeploy(session: TiltSession, url: string): Promise<BuildRecord> {
  session.start();
  const record = await session.nextBuild(undefined, 900_000);
  if (record.error) throw new Error(`the first deploy failed: ${record.error}\n${await session.logs()}`);
  await session.waitForAnswer(url, "v1\n", Date.now(), 180_000);
  return record;
}

async function deployCompose(resources: Resources): Promise<Deployed> {
  const project = await prepareTiltCompose("bench-compose", resources);
  const stop = () => tearDownTiltCompose(project);
  try {
    await writeTiltLiveComposeTiltfile(project);
    const first = await firstDeploy(project.session, project.url);
    return {
      app: project.app,
      url: project.url,
      lines: () => project.session.upLines,
      settle: tiltSettler(project.session, first),
      steps: tiltSteps,
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

async function deployK8s(platform: Platform, resources: Resources): Promise<Deployed> {
  const tilt = await ensureTilt();
  log("k8s: starting the local cluster (scripts/platform/k8s.sh start)");
  const cluster = await startCluster();
  let project: Awaited<ReturnType<typeof prepareK8sTilt>> | undefined;
  const stop = async () => {
    const problems: string[] = [];
    try {
      if (project) problems.push(...(await tearDownK8sTilt(project, cluster)));
    } finally {
      await stopCluster();
      if (project) await forgetK8sTilt(project, resources);
    }
    return problems;
  };
  try {
    project = await prepareK8sTilt(platform, tilt, cluster);
    const first = await firstDeploy(project.session, project.url);
    const { session } = project;
    return {
      app: project.goDir,
      url: project.url,
      lines: () => session.upLines,
      settle: tiltSettler(session, first),
      steps: tiltSteps,
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

async function deployKpack(platform: Platform, resources: Resources): Promise<Deployed> {
  const tilt = await ensureTilt();
  log("kpack: kpack.sh build, the local cluster, kpack.sh start (it publishes the packages into the cluster's registry)");
  await buildKpack();
  const cluster = await startCluster();
  let project: K8sTiltProject | undefined;
  const stop = async () => {
    const problems: string[] = [];
    try {
      if (project) problems.push(...(await tearDownK8sTilt(project, cluster)));
      await stopKpack();
    } finally {
      await stopCluster();
      if (project) await forgetK8sTilt(project, resources);
    }
    return problems;
  };
  try {
    await startKpack();
    project = await prepareKpackTilt(platform, tilt, cluster);
    const { goDir, session, url } = project;
    const first = await firstDeploy(session, url);
    const deployBuild = lastKpackImage(await session.logs());
    return {
      app: goDir,
      url,
      lines: () => session.upLines,
      settle: tiltSettler(session, first),
      steps: tiltSteps,
      // A one-line change with go.mod touched (samples/kpack's fall_back_on): an image build in the cluster, with the
      // first build's cache, deployed as a new pod.
      async imageBuilds() {
        const file = path.join(goDir, go.file);
        await writeFile(file, go.setMessage(await readFile(file, "utf8"), "kpack-image-build"));
        await appendFile(path.join(goDir, "go.mod"), "\n// a dependency change\n");
        await session.waitForAnswer(url, "kpack-image-build\n", Date.now(), 600_000);
        const logs = await session.logs();
        const builds = [...logs.matchAll(KPACK_IMAGE_BUILT)].length;
        if (builds !== 2) throw new Error(`expected the second kpack build in Tilt's log, found ${builds} builds:\n${logs}`);
        const second = lastKpackImage(logs);
        return { firstMs: deployBuild.ms, secondMs: second.ms, sourceBytes: deployBuild.sourceBytes };
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

async function deploySkaffold(platform: Platform): Promise<Deployed> {
  const skaffold = await skaffoldBinary();
  const app = await copySample("samples/go");
  const project = await prepareSkaffold(platform, app, LIVE_GROUPS.go);
  const networksBefore = await skaffoldNetworks();
  const dev = new SkaffoldDev(skaffold, project);
  const stop = async () => {
    await dev.stop();
    const problems = await skaffoldLeftovers(project, networksBefore);
    await rm(path.dirname(app), { recursive: true, force: true });
    return problems;
  };
  try {
    dev.start();
    await waitForAnswer(project.url, "v1\n", Date.now(), 600_000, dev.context);
    if (!(await dev.watching(30_000))) throw new Error(`skaffold dev does not watch\n${await dev.context()}`);
    return {
      app,
      url: project.url,
      lines: () => dev.lines,
      // The watcher's rebuild ends with the supervisor's line; Skaffold's sync with its next "Watching for changes".
      async settle(from) {
        const deadline = Date.now() + 120_000;
        const since = () => dev.lines.slice(from).map((line) => line.text);
        const done = (pattern: RegExp) => since().some((text) => pattern.test(text));
        while (!(done(/\[tilt-live\] rebuild #\d+ .*(succeeded|failed)/) && done(/Watching for changes/)) && Date.now() < deadline)
          await sleep(100);
        if (done(/\[tilt-live\] rebuild #\d+ .*failed/)) throw new Error(`the watcher's rebuild failed\n${await dev.context()}`);
      },
      steps: skaffoldSteps,
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** One edit of main.go's message: written, answered, settled, and its lines turned into steps. */
async function timeEdit(deployed: Deployed, message: string): Promise<EditRun & { lines: TimedLine[]; polls: TimedLine[] }> {
  const file = path.join(deployed.app, go.file);
  const text = go.setMessage(await readFile(file, "utf8"), message);
  const from = deployed.lines().length;
  await writeFile(file, text);
  const editedAt = Date.now();
  const polls: TimedLine[] = [];
  const editToResponseMs = await waitForAnswer(deployed.url, `${message}\n`, editedAt, 120_000, undefined, (ms, answer) =>
    polls.push({ ms, text: answer.trim().slice(0, 120) }),
  );
  await deployed.settle(from);
  const lines = deployed
    .lines()
    .slice(from)
    .map((line) => ({ ms: line.at - editedAt, text: line.text }));
  const steps = {
    ...deployed.steps(lines, editToResponseMs),
    longestGet: longestGet(
      polls.map((poll) => poll.ms),
      POLL_PAUSE_MS,
    ),
  };
  return { editToResponseMs, steps, lines, polls };
}

async function deploy(name: OrchestratorName, platform: Platform, resources: Resources): Promise<Deployed> {
  switch (name) {
    case "compose":
      return deployCompose(resources);
    case "k8s":
      return deployK8s(platform, resources);
    case "skaffold":
      return deploySkaffold(platform);
    case "kpack":
      return deployKpack(platform, resources);
  }
}

/** Deploys samples/go under `name`, times the first edit and `runs` more, and tears everything down. */
export async function benchOrchestrator(name: OrchestratorName, runs: number): Promise<OrchestratorResult> {
  const platform = await ensurePlatform();
  const resources = new Resources();
  const problems: string[] = [];
  try {
    log(`${name}: deploying samples/go (its first image build: pack, or kpack in the cluster)`);
    const deployed = await deploy(name, platform, resources);
    try {
      const { lines: _lines, polls: _polls, ...first } = await timeEdit(deployed, `${name}-first`);
      log(`${name}: first edit in the new container ${seconds(first.editToResponseMs)} ${JSON.stringify(first.steps)}`);
      const later: EditRun[] = [];
      for (let i = 1; i <= runs; i++) {
        // A pause between edits, as between a developer's saves: nothing of the previous update is still running.
        await sleep(1_000);
        const edit = await timeEdit(deployed, `${name}-${i}`);
        // One edit's output with each line's arrival (ms after the write), for the step-by-step details.
        if (i === 1) {
          for (const line of edit.lines) log(`${name} ${String(line.ms).padStart(5)} ${line.text}`);
          // GET's answers in the same edit, each change of answer once: what a client saw, and when.
          const changes = edit.polls.filter((poll, j) => j === 0 || poll.text !== edit.polls[j - 1]!.text);
          for (const poll of changes) log(`${name} ${String(poll.ms).padStart(5)} GET: ${poll.text}`);
        }
        later.push({ editToResponseMs: edit.editToResponseMs, steps: edit.steps });
        log(`${name} run ${i}: ${seconds(edit.editToResponseMs)} ${JSON.stringify(edit.steps)}`);
      }
      const imageBuilds = await deployed.imageBuilds?.();
      if (imageBuilds) log(`${name}: image builds ${JSON.stringify(imageBuilds)}`);
      return orchestratorResult({ orchestrator: name, first, later, ...(imageBuilds ? { imageBuilds } : {}) });
    } finally {
      problems.push(...(await deployed.stop()));
    }
  } finally {
    await resources.cleanup();
    // Said loudly, but the measurement stands: what is left is named for removal by hand.
    await resources.assertNoLeaks().catch((error: unknown) => problems.push(String(error)));
    if (problems.length > 0) log(`${name}: WARNING, the teardown left problems:\n${problems.join("\n")}`);
  }
}
