// The three ways to get a one-line change into a running app, each timed from the moment the change is
// written until GET / answers the new message:
//   full  - pack build (trusted builder, pull policy never, warm cache) + replace the container
//   live  - tilt-live: sync the file into the snapshot, run rebuild, supervisor restarts the app
//   floor - the same incremental compile (none for Node.js and Python) inside the container plus a process start (no tilt-live at all)
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import {
  dockerExec,
  packBuild,
  randomName,
  runContainer,
  waitForHttp,
  type Platform,
  type Resources,
  type RunningContainer,
} from "../integration/harness/index.js";
import { copySample, liveBuildArgs, REBUILD, syncFile, waitForBody } from "../integration/harness/live.js";
import type { LanguageProfile } from "./languages.js";
import { rebuildSummarySteps } from "./rebuild-log.js";

/** The port, inside the session's container, the floor's own build of the app listens on. */
const FLOOR_PORT = 9090;

export interface Session {
  profile: LanguageProfile;
  appDir: string;
  image: string;
  container: RunningContainer;
  /** The floor app's address: a second port of the same container. */
  floor: RunningContainer;
}

export interface RebuildTimings {
  wallMs: number;
  /** Each line of rebuild's stdout with the time it arrived, in ms after rebuild started. */
  lines: { ms: number; text: string }[];
  steps: Record<string, number>;
  /** Durations the buildpacks printed (`Completed in`), by buildpack title. */
  ownBuildpackMs: number;
}

export async function buildImage(platform: Platform, resources: Resources, profile: LanguageProfile, appDir: string, image: string) {
  return packBuild(platform, resources, {
    image,
    path: appDir,
    args: [...liveBuildArgs(platform, profile.buildpacks), ...(profile.buildArgs?.(platform) ?? [])],
    ...(profile.buildTimeoutMs ? { timeoutMs: profile.buildTimeoutMs } : {}),
  });
}

export async function startSession(
  platform: Platform,
  resources: Resources,
  profile: LanguageProfile,
  /** Further `docker run` arguments (the soak's log options). */
  extraRunArgs: string[] = [],
): Promise<Session & { buildMs: number }> {
  const appDir = await copySample(profile.fetchApp ? await profile.fetchApp() : profile.sample);
  const image = randomName(`${profile.name}-bench`);
  const { durationMs } = await buildImage(platform, resources, profile, appDir, image);
  const runArgs = ["--publish", `127.0.0.1::${FLOOR_PORT}`, ...(profile.runArgs?.(platform) ?? []), ...extraRunArgs];
  const container = await runContainer(resources, { image, containerPort: profile.containerPort, args: runArgs });
  await waitForHttp(container);
  const mapping = (await execa("docker", ["port", container.name, `${FLOOR_PORT}/tcp`])).stdout;
  const hostPort = Number(/^127\.0\.0\.1:(\d+)$/m.exec(mapping)?.[1]);
  const floor = { name: container.name, hostPort, url: `http://127.0.0.1:${hostPort}` };
  return { profile, appDir, image, container, floor, buildMs: durationMs };
}

async function writeMessage(session: Session, message: string): Promise<void> {
  const file = path.join(session.appDir, session.profile.file);
  await writeFile(file, session.profile.setMessage(await readFile(file, "utf8"), message));
}

export interface LiveUpdate {
  totalMs: number;
  /** The tar sync into the container. */
  syncMs: number;
  /** From rebuild's exit until GET / answered the new message. */
  responseMs: number;
  rebuild: RebuildTimings;
  output: string;
}

/** `docker exec rebuild`, noting when each stdout line arrives (the bench's step-by-step profile). */
async function timedRebuild(
  container: string,
): Promise<{ exitCode: number; stdout: string; stderr: string; wallMs: number; lines: RebuildTimings["lines"] }> {
  const started = performance.now();
  const lines: RebuildTimings["lines"] = [];
  const child = execa("docker", ["exec", container, REBUILD], { reject: false });
  let partial = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const ms = performance.now() - started;
    partial += chunk.toString("utf8");
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const text of parts) lines.push({ ms, text });
  });
  const result = await child;
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    wallMs: performance.now() - started,
    lines,
  };
}

/** tilt-live: sync + rebuild + restart, until the new answer. */
export async function liveUpdate(session: Session, message: string): Promise<LiveUpdate> {
  const started = performance.now();
  await syncFile(session.container.name, session.appDir, session.profile.file, (text) => session.profile.setMessage(text, message));
  const syncMs = performance.now() - started;
  const result = await timedRebuild(session.container.name);
  if (result.exitCode !== 0) throw new Error(`rebuild failed:\n${result.stdout}\n${result.stderr}`);
  const exited = performance.now();
  await waitForBody(session.container, `${message}\n`);
  const done = performance.now();
  return {
    totalMs: done - started,
    syncMs,
    responseMs: done - exited,
    rebuild: { ...parseRebuild(result.stdout, result.stderr, result.wallMs), lines: result.lines },
    output: result.stdout,
  };
}

/** The rebuild path: a dependency manifest and the message change synced together, then rebuild. */
export async function dependencyUpdate(
  session: Session,
  message: string,
  n: number,
): Promise<{ totalMs: number; rebuild: Omit<RebuildTimings, "lines">; output: string }> {
  const change = session.profile.dependencyChange;
  if (!change) throw new Error(`${session.profile.name} has no dependency change`);
  const started = performance.now();
  await syncFile(session.container.name, session.appDir, change.file, (text) => change.edit(text, n));
  await syncFile(session.container.name, session.appDir, session.profile.file, (text) => session.profile.setMessage(text, message));
  const rebuildStarted = performance.now();
  const result = await dockerExec(session.container.name, [REBUILD]);
  const wallMs = performance.now() - rebuildStarted;
  if (result.exitCode !== 0) throw new Error(`rebuild failed:\n${result.stdout}\n${result.stderr}`);
  if (!result.stdout.includes("Change set: rebuild"))
    throw new Error(`the dependency change did not take the rebuild path:\n${result.stdout}`);
  await waitForBody(session.container, `${message}\n`);
  return { totalMs: performance.now() - started, rebuild: parseRebuild(result.stdout, result.stderr, wallMs), output: result.stdout };
}

export function parseRebuild(stdout: string, stderr: string, wallMs: number): Omit<RebuildTimings, "lines"> {
  const steps = rebuildSummarySteps(stderr);
  // tilt-live's own two buildpacks run inside the build phase; each ends with a top-level "Completed in".
  let ownBuildpackMs = 0;
  for (const block of stdout.split(/\n(?=tilt-live )/).slice(1)) {
    const m = /^ {2}Completed in ([\d.]+)s$/m.exec(block);
    if (m) ownBuildpackMs += Number(m[1]) * 1000;
  }
  return { wallMs, steps, ownBuildpackMs };
}

/** A full image build of the change, then the old container replaced by one of the new image. */
export async function fullRebuild(
  platform: Platform,
  resources: Resources,
  session: Session,
  message: string,
): Promise<{ totalMs: number; packMs: number }> {
  const started = performance.now();
  await writeMessage(session, message);
  // The old container goes before the build rather than after (the same work, timed the same): its writable layer
  // holds what the live updates copied up (a large app's whole Go build cache, GBs), and with it in place the
  // export of go-large's full build ran out of disk on the bench machine (three runs, 2026-12-06).
  await execa("docker", ["rm", "--force", session.container.name]);
  const previousImage = await imageId(session.image);
  const { durationMs } = await buildImage(platform, resources, session.profile, session.appDir, session.image);
  session.container = await runContainer(resources, {
    image: session.image,
    containerPort: session.profile.containerPort,
    args: session.profile.runArgs?.(platform) ?? [],
  });
  // The floor port went with the old container; the floor is measured before the full builds.
  await waitForBody(session.container, `${message}\n`, 60_000);
  const totalMs = performance.now() - started;
  // The image the build replaced is dangling now: gone at once, not at the cleanup, for the same reason of disk.
  if (previousImage !== (await imageId(session.image))) await execa("docker", ["image", "rm", previousImage]);
  return { totalMs, packMs: durationMs };
}

async function imageId(image: string): Promise<string> {
  return (await execa("docker", ["image", "inspect", "--format", "{{.Id}}", image])).stdout.trim();
}

/** The floor: the language's own incremental build in the container, then the new process answering. */
export async function floorUpdate(session: Session, message: string): Promise<number> {
  const started = performance.now();
  await syncFile(session.container.name, session.appDir, session.profile.file, (text) => session.profile.setMessage(text, message));
  const result = await execa(
    "docker",
    ["exec", "--env", `FLOOR_PORT=${FLOOR_PORT}`, session.container.name, "sh", "-c", session.profile.floorScript],
    { reject: false, all: true },
  );
  if (result.exitCode !== 0) throw new Error(`floor build failed:\n${result.all}`);
  await waitForBody(session.floor, `${message}\n`);
  return performance.now() - started;
}
