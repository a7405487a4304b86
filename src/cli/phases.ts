/** bin/detect and bin/build of both tilt-live buildpacks, as the lifecycle runs them. */
import { writeFile } from "node:fs/promises";
import { detect, DETECT_FAIL, DETECT_PASS } from "../buildpack/detect.js";
import { formatError } from "../core/errors.js";
import { Logger } from "../log/logger.js";
import { readBuildpackDescriptor, readLifecycleInput } from "../buildpack/inputs.js";
import { readPlatformEnv } from "../cnb/platform.js";
import { buildSource } from "../buildpack/source.js";
import { buildLive } from "../buildpack/live.js";
import { SOURCE_BUILDPACK_ID } from "../contract/context.js";
import { ConfigVars, lookup, parseBoolean, readDebugLogging, readLifecyclePath } from "../contract/config.js";

export interface PhaseIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export async function runDetect(io: PhaseIo): Promise<number> {
  const start = performance.now();
  try {
    const platformDir = io.env.CNB_PLATFORM_DIR ?? "/platform";
    const result = await detect(io.cwd, platformDir, io.env, {
      ...(io.env.CNB_BUILDPACK_DIR ? { buildpackDir: io.env.CNB_BUILDPACK_DIR } : {}),
    });
    if (result.plan !== undefined && io.env.CNB_BUILD_PLAN_PATH) await writeFile(io.env.CNB_BUILD_PLAN_PATH, result.plan);
    // A pass is quiet unless BP_LOG_LEVEL=DEBUG (detect runs on every `pack build`), which <platform>/env may set.
    if (!result.pass || readDebugLogging(await readPlatformEnv(platformDir), io.env)) {
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
  try {
    const lifecycleInput = await readLifecycleInput(io.env, io.cwd);
    const logger = new Logger(io.stdout, { debug: readDebugLogging(lifecycleInput.platformEnv, io.env) });
    const input = { ...lifecycleInput, logger };
    const descriptor = await readBuildpackDescriptor(input.buildpackDir);
    logger.title(descriptor.name, descriptor.version);
    const start = logger.clock.now();
    if (disabled(input.platformEnv, io.env)) {
      // Detect passed only because the build requires tilt-live (see buildpack/detect.ts): the image stays production.
      logger.process(`${ConfigVars.enabled}=false: contributing no layer and no process`);
      logger.break();
      return 0;
    }
    if (descriptor.id === SOURCE_BUILDPACK_ID) {
      await buildSource(input);
    } else {
      await buildLive(input, {
        lifecyclePath: readLifecyclePath(io.env),
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
