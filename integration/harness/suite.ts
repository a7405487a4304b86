// What every live-update test file shares: one platform, a private copy of its sample, cleanup at the end,
// and the checks that read the same for every language (a rebuild that must succeed, a graceful stop, a build
// through the builder's order).
//
// The tests of one file build one image and drive one container, each picking up the state the previous one
// left: they run in order (vitest runs a file's tests sequentially unless told otherwise; `describe.sequential`
// in the files says so), and once one fails the rest of the file is skipped, so the first failure is the one
// reported instead of a cascade of follow-on errors.
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import {
  containerLogs,
  dockerExec,
  lifecycleMetadata,
  runContainer,
  stopContainer,
  waitForHttp,
  type CommandResult,
  type RunningContainer,
} from "./docker.js";
import { randomName } from "./names.js";
import { packBuild } from "./pack.js";
import { ensurePlatform, type Platform } from "./platform.js";
import { Resources } from "./resources.js";
import { copySample, liveBuildArgs, OFFLINE, REBUILD } from "./live.js";

export interface LiveSuite {
  readonly resources: Resources;
  /** Set before the first test runs. */
  platform: Platform;
  /** The private copy of the sample the tests edit. */
  app: string;
}

/** Skips every test of the calling describe block after the first that failed (the tests share state). */
export function failFast(): void {
  let failed: string | undefined;
  beforeEach((context) => {
    if (failed) context.skip(`an earlier test of this file failed ("${failed}"), and this one builds on its state`);
  });
  afterEach((context) => {
    if (context.task.result?.state === "fail") failed ??= context.task.name;
  });
}

/**
 * Registers the file's hooks: the platform, a copy of `sample` (a sample dir, or what `sample()` returns: a
 * fetched app's dir), the cleanup of what the tests made and of that copy, and failFast (the tests share one
 * image and container).
 */
export function liveSuite(sample: string | (() => Promise<string>)): LiveSuite {
  const suite = { resources: new Resources() } as LiveSuite;
  failFast();
  beforeAll(async () => {
    suite.platform = await ensurePlatform();
    suite.app = await copySample(typeof sample === "string" ? sample : await sample());
  });
  afterAll(async () => {
    await suite.resources.cleanup();
    // copySample's private temp dir: a fetched app's copy is hundreds of MB.
    if (suite.app) await rm(path.dirname(suite.app), { recursive: true, force: true });
  });
  return suite;
}

/** What a language's live-update file takes from its profile (bench/languages.ts, which the bench drives too). */
export interface LiveLanguage {
  name: string;
  sample: string;
  /** The app dir, when it is fetched rather than the sample itself (go-large). */
  fetchApp?: () => Promise<string>;
  /** How long its pack build may take, when longer than the harness's 10 minutes (a cold build of a large app). */
  buildTimeoutMs?: number;
  /** The group, tilt-live around the language's Paketo buildpacks (LIVE_GROUPS). */
  buildpacks: string[];
  containerPort: number;
  /** Further `pack build` and `docker run` arguments the sample needs from the platform (a binding). */
  buildArgs?: (platform: Platform) => string[];
  runArgs?: (platform: Platform) => string[];
}

/** The skeleton the language files share: a live suite for the language's sample, and its build and run. */
export interface LanguageSuite extends LiveSuite {
  readonly language: LiveLanguage;
  /** `pack build` of the sample into a dev image named `<language>-live-*`: offline, the language's group. */
  buildImage(extraArgs?: string[]): Promise<{ image: string; log: string; durationMs: number }>;
  /** Runs `image` with `env` (the watcher off unless it says otherwise) and the language's run arguments. */
  runImage(image: string, env?: Record<string, string>): Promise<RunningContainer>;
  /** buildThroughOrder for the language's sample, as `<language>-live-order-*`. */
  buildThroughOrder(): Promise<string[]>;
}

export function languageSuite(language: LiveLanguage): LanguageSuite {
  const suite = liveSuite(language.fetchApp ?? language.sample) as LanguageSuite;
  const platformArgs = (args: LiveLanguage["buildArgs"]) => args?.(suite.platform) ?? [];
  return Object.assign(suite, {
    language,
    async buildImage(extraArgs: string[] = []) {
      const image = randomName(`${language.name}-live`);
      const args = [...liveBuildArgs(suite.platform, language.buildpacks), ...platformArgs(language.buildArgs), ...extraArgs];
      const timeout = language.buildTimeoutMs ? { timeoutMs: language.buildTimeoutMs } : {};
      const { log, durationMs } = await packBuild(suite.platform, suite.resources, { image, path: suite.app, args, ...timeout });
      return { image, log, durationMs };
    },
    runImage(image: string, env: Record<string, string> = { TILT_LIVE_WATCH: "false" }) {
      const args = platformArgs(language.runArgs);
      return runContainer(suite.resources, { image, containerPort: language.containerPort, env, ...(args.length > 0 ? { args } : {}) });
    },
    buildThroughOrder: () => buildThroughOrder(suite, language.sample, `${language.name}-live-order`, platformArgs(language.buildArgs)),
  });
}

/** Runs the rebuild tool by argv and expects it to succeed, showing its output when it does not. */
export async function expectRebuild(container: string): Promise<CommandResult> {
  const result = await dockerExec(container, [REBUILD]);
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  return result;
}

/** `docker stop` ends the container within its grace period, with status 0, and the app saw SIGTERM. */
export async function expectGracefulStop(container: string): Promise<void> {
  const started = Date.now();
  const exitCode = await stopContainer(container, 10);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(exitCode).toBe(0);
  expect(await containerLogs(container)).toContain("received SIGTERM, shutting down");
}

/**
 * Builds a fresh copy of `sample` through the builder's order with tilt-live as pre- and post-buildpack (and
 * `extraArgs`, such as a binding),
 * checks that the image answers v1, and returns the group the lifecycle chose.
 */
export async function buildThroughOrder(suite: LiveSuite, sample: string, name: string, extraArgs: string[] = []): Promise<string[]> {
  const image = randomName(name);
  await packBuild(suite.platform, suite.resources, {
    image,
    path: await copySample(sample),
    args: [
      ...OFFLINE,
      "--run-image",
      suite.platform.buildImage,
      "--pre-buildpack",
      "tilt-live/source",
      "--post-buildpack",
      "tilt-live",
      ...extraArgs,
    ],
  });
  const keys = (await lifecycleMetadata(image)).buildpacks?.map((bp) => bp.key) ?? [];
  const run = await runContainer(suite.resources, { image, containerPort: 8080 });
  expect(await waitForHttp(run)).toBe("v1\n");
  return keys;
}
