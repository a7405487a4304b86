/** bin/detect and bin/build of both tilt-live buildpacks, as the lifecycle runs them. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { detect, DETECT_FAIL, DETECT_PASS } from "./detect.js";
import { formatError } from "./errors.js";
import { Logger, isDebug } from "./log/logger.js";
import { readBuildInput, readBuildpackDescriptor } from "./build/inputs.js";
import { buildSource } from "./build/source.js";
import { buildLive } from "./build/live.js";
import { SOURCE_BUILDPACK_ID } from "./context.js";
import { ConfigVars, lookup, parseBoolean } from "./config.js";

export interface PhaseIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export async function runDetect(io: PhaseIo): Promise<number> {
  const start = performance.now();
  try {
    const result = await detect(io.cwd, io.env.CNB_PLATFORM_DIR ?? "/platform", io.env, {
      ...(io.env.CNB_BUILDPACK_DIR ? { buildpackDir: io.env.CNB_BUILDPACK_DIR } : {}),
    });
    if (result.plan !== undefined && io.env.CNB_BUILD_PLAN_PATH) await writeFile(io.env.CNB_BUILD_PLAN_PATH, result.plan);
    if (isDebug(io.env) || !result.pass) {
      io.stdout.write(`tilt-live: ${result.pass ? "pass" : "skip"}: ${result.reason} (${(performance.now() - start).toFixed(1)} ms)\n`);
    }
    return result.pass ? DETECT_PASS : DETECT_FAIL;
  } catch (error) {
    io.stderr.write(`${formatError(error)}\n`);
    return 1;
  }
}

function disabled(platformEnv: Record<string, string>, env: NodeJS.ProcessEnv): boolean {
  return parseBoolean(lookup(platformEnv, env, ConfigVars.enabled), ConfigVars.enabled) === "false";
}

export async function runBuild(io: PhaseIo, version: string): Promise<number> {
  const logger = new Logger(io.stdout, { debug: isDebug(io.env) });
  try {
    const input = await readBuildInput(io.env, io.cwd, logger);
    const descriptor = await readBuildpackDescriptor(input.buildpackDir);
    logger.title(descriptor.name, descriptor.version);
    const start = logger.clock.now();
    if (disabled(input.platformEnv, io.env)) {
      // Detect passed only because the build requires tilt-live (see detect.ts): the image stays production.
      logger.process(`${ConfigVars.enabled}=false: contributing no layer and no process`);
      logger.break();
      return 0;
    }
    if (descriptor.id === SOURCE_BUILDPACK_ID) {
      await buildSource(input);
    } else {
      await buildLive(input, {
        lifecyclePath: io.env.TILT_LIVE_LIFECYCLE_PATH ?? join("/cnb", "lifecycle", "lifecycle"),
        version,
        uid: process.getuid?.() ?? 0,
        gid: process.getgid?.() ?? 0,
      });
    }
    logger.process(`Completed in ${((logger.clock.now() - start) / 1000).toFixed(3)}s`);
    logger.break();
    return 0;
  } catch (error) {
    io.stderr.write(`${formatError(error)}\n`);
    return 1;
  }
}
