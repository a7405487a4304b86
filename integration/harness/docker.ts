// Docker helpers for integration tests: image inspection, containers published on 127.0.0.1 only, exec by argv.
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { randomName } from "./names.js";
import type { Resources } from "./resources.js";

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function docker(args: string[]): Promise<string> {
  const result = await execa("docker", args, { reject: false, all: true });
  if (result.exitCode !== 0) {
    throw new Error(`docker ${args.join(" ")} failed (exit ${result.exitCode}):\n${result.all ?? ""}`);
  }
  return result.stdout;
}

/** An image label's value, or undefined when the image has no such label. */
export async function imageLabel(image: string, label: string): Promise<string | undefined> {
  const out = await docker(["image", "inspect", "--format", "{{json .Config.Labels}}", image]);
  const labels = JSON.parse(out) as Record<string, string> | null;
  return labels?.[label];
}

export interface LifecycleMetadata {
  buildpacks?: Array<{ key: string; version: string; layers?: Record<string, unknown> }>;
  processDefaultType?: string;
  [key: string]: unknown;
}

/** The lifecycle's io.buildpacks.lifecycle.metadata label, parsed. */
export async function lifecycleMetadata(image: string): Promise<LifecycleMetadata> {
  const value = await imageLabel(image, "io.buildpacks.lifecycle.metadata");
  if (value === undefined) {
    throw new Error(`${image} has no io.buildpacks.lifecycle.metadata label: not built by the lifecycle?`);
  }
  return JSON.parse(value) as LifecycleMetadata;
}

/** Every path in the image's filesystem (no leading "/"; directories end in "/"), from `docker export`. */
export async function listImageFiles(resources: Resources, image: string): Promise<string[]> {
  const name = resources.container(randomName("files"));
  await docker(["create", "--name", name, image]);
  try {
    const { stdout } = await execa("docker", ["export", name], { buffer: false }).pipe("tar", ["-t"]);
    return stdout.split("\n").filter((line) => line !== "");
  } finally {
    await docker(["rm", "--force", name]);
    resources.containers.delete(name);
  }
}

/** Copies one file out of an image (via a created, never started container) and returns its text. */
export async function readImageFile(resources: Resources, image: string, file: string): Promise<string> {
  const name = resources.container(randomName("read"));
  await docker(["create", "--name", name, image]);
  try {
    const { stdout } = await execa("docker", ["cp", `${name}:${file}`, "-"], { buffer: false }).pipe("tar", ["-xO"]);
    return stdout;
  } finally {
    await docker(["rm", "--force", name]);
    resources.containers.delete(name);
  }
}

export interface RunOptions {
  image: string;
  /** The port the app listens on inside the container; published on 127.0.0.1 at a free port Docker picks. */
  containerPort: number;
  env?: Record<string, string>;
  /** Extra `docker run` arguments before the image (never other -p/--publish: only 127.0.0.1 is allowed). */
  args?: string[];
  command?: string[];
}

export interface RunningContainer {
  name: string;
  hostPort: number;
  url: string;
}

export async function runContainer(resources: Resources, options: RunOptions): Promise<RunningContainer> {
  const name = resources.container(randomName("run"));
  const envArgs = Object.entries(options.env ?? {}).flatMap(([key, value]) => ["--env", `${key}=${value}`]);
  await docker([
    "run",
    "--detach",
    "--name",
    name,
    "--publish",
    `127.0.0.1::${options.containerPort}`,
    ...envArgs,
    ...(options.args ?? []),
    options.image,
    ...(options.command ?? []),
  ]);
  const mapping = await docker(["port", name, `${options.containerPort}/tcp`]);
  const match = /^127\.0\.0\.1:(\d+)$/m.exec(mapping);
  if (match?.[1] === undefined) {
    throw new Error(`container ${name}: no 127.0.0.1 mapping for port ${options.containerPort}: ${mapping}`);
  }
  const hostPort = Number(match[1]);
  return { name, hostPort, url: `http://127.0.0.1:${hostPort}` };
}

export async function containerLogs(name: string): Promise<string> {
  const result = await execa("docker", ["logs", name], { reject: false, all: true });
  return result.all ?? "";
}

async function isRunning(name: string): Promise<boolean> {
  return (await docker(["inspect", "--format", "{{.State.Running}}", name])).trim() === "true";
}

/** GETs the URL until it answers 2xx (returns the body); fails early, with the logs, if the container stops. */
export async function waitForHttp(container: RunningContainer, urlPath = "/", timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${container.url}${urlPath}`, { signal: AbortSignal.timeout(2_000) });
      const body = await response.text();
      if (response.ok) return body;
      last = `HTTP ${response.status}: ${body}`;
    } catch (error) {
      last = String(error);
    }
    if (!(await isRunning(container.name))) {
      throw new Error(`container ${container.name} stopped; logs:\n${await containerLogs(container.name)}`);
    }
    await sleep(200);
  }
  throw new Error(
    `no HTTP answer from ${container.url}${urlPath} in ${timeoutMs} ms (${last}); logs:\n${await containerLogs(container.name)}`,
  );
}

/** `docker exec` with an argv (no shell). Does not throw on a non-zero exit. */
export async function dockerExec(name: string, argv: string[], user?: string): Promise<CommandResult> {
  const userArgs = user === undefined ? [] : ["--user", user];
  const result = await execa("docker", ["exec", ...userArgs, name, ...argv], { reject: false });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A `docker exec` whose output can be read while it runs (e.g. to act once a rebuild reached a step). */
export interface StreamingExec {
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves once `text` appears in the output; rejects after `timeoutMs` or when the command ends without it. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  done: Promise<CommandResult>;
}

export function dockerExecStreaming(name: string, argv: string[]): StreamingExec {
  const child = execa("docker", ["exec", name, ...argv], { reject: false, all: true });
  let all = "";
  child.all?.on("data", (chunk: Buffer) => (all += chunk.toString()));
  const done = child.then((r) => ({ exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }));
  let ended = false;
  void done.then(() => (ended = true));
  return {
    output: () => all,
    done,
    async waitFor(text, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!all.includes(text)) {
        if (ended || Date.now() > deadline)
          throw new Error(`"${text}" did not appear in the output of docker exec ${argv.join(" ")}:\n${all}`);
        await sleep(50);
      }
    },
  };
}

/** Stops the container (SIGTERM, then SIGKILL after the grace period) and returns its exit code. */
export async function stopContainer(name: string, graceSeconds = 10): Promise<number> {
  await docker(["stop", "--time", String(graceSeconds), name]);
  return Number((await docker(["inspect", "--format", "{{.State.ExitCode}}", name])).trim());
}
