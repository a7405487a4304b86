// `skaffold dev` on a private copy of a sample, without test hooks (the Skaffold test and the bench share it):
// Skaffold built by scripts/platform/skaffold.sh, the README's skaffold.yaml (a `buildpacks` artifact with `sync:
// auto: true`, built by the Skaffold builder variant, its run image the `requires` alias of a one-line Dockerfile
// artifact), a private HOME with Skaffold's prompts and metrics off, and the running `skaffold dev` with its output
// line by line as it arrived.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa, type ResultPromise } from "execa";
import { randomName } from "./names.js";
import { repoRoot, type Platform } from "./platform.js";
import { dockerLines, freePort, lineStamper, type ArrivedLine } from "./tilt-session.js";

/** scripts/platform/builder.sh skaffold (run by scripts/integration.sh and the bench for Skaffold). */
export const SKAFFOLD_BUILDER = "tilt-live/builder-skaffold:latest";

export async function skaffoldBinary(): Promise<string> {
  const script = path.join(repoRoot, "scripts/platform/skaffold.sh");
  const built = await execa("bash", [script, "build"], { all: true, reject: false, cwd: repoRoot });
  if (built.exitCode !== 0) throw new Error(`scripts/platform/skaffold.sh build failed:\n${built.all ?? ""}`);
  return (await execa("bash", [script, "path"], { cwd: repoRoot })).stdout.trim();
}

/** The README's skaffold.yaml, with this run's group, image names and port. */
export function skaffoldYaml(group: readonly string[], app: string, runImage: string, port: number): string {
  return `apiVersion: skaffold/v4beta11
kind: Config
build:
  local:
    push: false
    useBuildkit: false
  tagPolicy:
    sha256: {}
  artifacts:
    - image: ${app}
      buildpacks:
        builder: ${SKAFFOLD_BUILDER}
        runImage: RUN_IMAGE
        trustBuilder: true
        buildpacks: [${group.join(", ")}]
      requires:
        - image: ${runImage}
          alias: RUN_IMAGE
      sync:
        auto: true
    - image: ${runImage}
      context: skaffold/run-image
deploy:
  docker:
    images: [${app}]
portForward:
  - resourceType: container
    resourceName: ${app}
    port: 8080
    address: 127.0.0.1
    localPort: ${port}
`;
}

export interface SkaffoldProject {
  /** The app copy: skaffold.yaml and the run image's Dockerfile go in it. */
  app: string;
  /** The private HOME holding Skaffold's global config. */
  home: string;
  /** The app artifact's image, also the name of the container Skaffold runs. */
  appImage: string;
  /** GET / of the app through Skaffold's port-forward on 127.0.0.1. */
  url: string;
}

/** Writes skaffold.yaml and the run-image artifact into `app`, and a HOME with Skaffold's prompts and metrics off. */
export async function prepareSkaffold(platform: Platform, app: string, group: readonly string[]): Promise<SkaffoldProject> {
  const home = await mkdtemp(path.join(tmpdir(), "tilt-live-skaffold-home-"));
  // Skaffold's global config in the temp HOME: no metrics (off unless set; this also stops its prompt), no
  // survey prompt, no update check (SKAFFOLD_UPDATE_CHECK=false says so too; SKAFFOLD_COLLECT_METRICS is no flag).
  await mkdir(path.join(home, ".skaffold"), { recursive: true });
  await writeFile(
    path.join(home, ".skaffold", "config"),
    "global:\n  collect-metrics: false\n  update-check: false\n  survey:\n    disable-prompt: true\nkubeContexts: []\n",
  );
  const appImage = randomName("skaffold-app");
  const runImage = randomName("skaffold-run");
  const port = await freePort();
  await mkdir(path.join(app, "skaffold", "run-image"), { recursive: true });
  // The LABEL gives the artifact an image ID of its own. With FROM alone it is the build image itself, and
  // Skaffold prunes the images it built by ID with force (pkg/skaffold/docker/image.go Prune): in a full suite
  // run the build image's `latest` tag went with it, and every later pack build failed.
  await writeFile(
    path.join(app, "skaffold", "run-image", "Dockerfile"),
    `FROM ${platform.buildImage}\nLABEL io.tilt-live.skaffold-run-image="true"\n`,
  );
  await writeFile(path.join(app, "skaffold.yaml"), skaffoldYaml(group, appImage, runImage, port));
  return { app, home, appImage, url: `http://127.0.0.1:${port}/` };
}

/**
 * docs/skaffold.md's command line. `--watch-poll-interval` is also the quiet time Skaffold's file watch waits for
 * after the last change before it syncs (pkg/skaffold/trigger/fsnotify): its default, 1000 ms, was a whole second of
 * every edit (bench/results/2026-12-06-orchestrators.json). An editor's save is over in far less than 100 ms, and the
 * supervisor's watcher debounces what it syncs and its build queue coalesces what comes during a build.
 */
export const SKAFFOLD_DEV_ARGS = ["dev", "--port-forward=user", "--watch-poll-interval=100"];

/** A background `skaffold dev` of a SkaffoldProject (`--tail`: the app's output comes through too). */
export class SkaffoldDev {
  private dev: ResultPromise | undefined;
  log = "";
  /** The output line by line with each line's arrival: the bench's per-step timeline. */
  readonly lines: ArrivedLine[] = [];

  constructor(
    readonly skaffold: string,
    readonly project: SkaffoldProject,
  ) {}

  start(): void {
    this.dev = execa(this.skaffold, [...SKAFFOLD_DEV_ARGS, "--tail=true", "--cache-artifacts=false"], {
      cwd: this.project.app,
      env: { HOME: this.project.home, SKAFFOLD_UPDATE_CHECK: "false", SKAFFOLD_COLLECT_METRICS: "false" },
      all: true,
      reject: false,
    });
    const stamp = lineStamper((line) => this.lines.push(line));
    this.dev.all?.on("data", (chunk: Buffer) => {
      this.log += chunk.toString();
      stamp(chunk);
    });
  }

  /** Waits until Skaffold says it watches (after the first deploy); false when it did not within `timeoutMs`. */
  async watching(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.log.includes("Watching for changes...") && Date.now() < deadline) await sleep(100);
    return this.log.includes("Watching for changes...");
  }

  /** The last 4000 characters of the output, for an error message. */
  context = async (): Promise<string> => `--- skaffold dev output (last 4000 chars) ---\n${this.log.slice(-4000)}`;

  /** SIGINT (Skaffold removes its containers and network on the way out), SIGKILL after 30 s. */
  async stop(): Promise<void> {
    if (!this.dev) return;
    this.dev.kill("SIGINT");
    await Promise.race([this.dev.catch(() => undefined), sleep(30_000)]);
    this.dev.kill("SIGKILL");
    await this.dev.catch(() => undefined);
  }
}

/** Checks that `skaffold dev` left no container of the app and no network; removes the HOME. Returns what went wrong. */
export async function skaffoldLeftovers(project: SkaffoldProject, networksBefore: string[]): Promise<string[]> {
  const problems: string[] = [];
  const containers = await dockerLines(["ps", "--all", "--quiet", "--filter", `name=${project.appImage}`]);
  if (containers.length > 0) problems.push(`skaffold dev left containers: ${containers.join(", ")}`);
  const networks = await skaffoldNetworks();
  if (networks.join() !== networksBefore.join())
    problems.push(`skaffold networks before ${networksBefore.join()}, after ${networks.join()}`);
  await rm(project.home, { recursive: true, force: true });
  return problems;
}

export function skaffoldNetworks(): Promise<string[]> {
  return dockerLines(["network", "ls", "--quiet", "--filter", "name=skaffold-network"]);
}
