// `pack build` with the platform's pack; returns its whole log.
import { execa } from "execa";
import type { Platform } from "./platform.js";
import type { Resources } from "./resources.js";

export interface PackBuildOptions {
  /** Image name to build; registered with resources for cleanup. */
  image: string;
  /** App directory. */
  path: string;
  /** Defaults to the platform's builder. */
  builder?: string;
  /** Further flags, e.g. ["--network", "none", "--pull-policy", "never", "--trust-builder"]. */
  args?: string[];
  timeoutMs?: number;
  /** A log line to time: the result's timeToMs is when it first appeared (e.g. /===> DETECTING/). */
  timeTo?: RegExp;
}

export interface PackBuildResult {
  log: string;
  durationMs: number;
  /** Milliseconds from the start of `pack build` to the first output matching options.timeTo. */
  timeToMs?: number;
}

export class PackBuildError extends Error {
  constructor(
    message: string,
    readonly log: string,
    readonly exitCode: number | undefined,
  ) {
    super(message);
    this.name = "PackBuildError";
  }
}

export async function packBuild(platform: Platform, resources: Resources, options: PackBuildOptions): Promise<PackBuildResult> {
  resources.image(options.image);
  const argv = ["build", options.image, "--path", options.path, "--builder", options.builder ?? platform.builder, ...(options.args ?? [])];
  const started = Date.now();
  const subprocess = execa(platform.pack, argv, {
    all: true,
    reject: false,
    timeout: options.timeoutMs ?? 600_000,
    env: { PACK_HOME: platform.packHome, PACK_VOLUME_KEY: platform.packVolumeKey, NO_COLOR: "1" },
  });
  let timeToMs: number | undefined;
  const { timeTo } = options;
  if (timeTo) {
    let seen = "";
    subprocess.all?.on("data", (chunk: Buffer) => {
      if (timeToMs !== undefined) return;
      // The line may arrive split across chunks: test what came so far (the tail is enough for one line).
      seen = (seen + chunk.toString()).slice(-4096);
      if (timeTo.test(seen)) timeToMs = Date.now() - started;
    });
  }
  const result = await subprocess;
  const log = result.all ?? "";
  if (result.exitCode !== 0) {
    throw new PackBuildError(
      `pack ${argv.join(" ")} failed (exit ${result.exitCode ?? "none"}${result.timedOut ? ", timed out" : ""}):\n${log}`,
      log,
      result.exitCode,
    );
  }
  return { log, durationMs: Date.now() - started, ...(timeToMs !== undefined ? { timeToMs } : {}) };
}
