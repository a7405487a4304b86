/**
 * What a failed build phase says to the user. A build that failed on the source ("exit status 1" from a
 * compiler) is a build-failed; one that was killed (the lifecycle builder itself, or a buildpack the
 * lifecycle reports as "failed to build: signal: killed") is a builder-killed, and the container's cgroup
 * tells whether the kernel's OOM killer did it.
 */
import { readFile } from "node:fs/promises";
import { TiltLiveError } from "../../core/errors.js";

/** cgroup v2 (a container's own namespace), then cgroup v1's memory controller. */
export const OOM_COUNTERS = ["/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"];

/** How many processes the OOM killer ended in this container so far; 0 when the cgroup does not say. */
export async function readOomKills(files: readonly string[] = OOM_COUNTERS): Promise<number> {
  for (const file of files) {
    const text = await readFile(file, "utf8").catch(() => undefined);
    const match = text && /^oom_kill (\d+)$/m.exec(text);
    if (match) return Number(match[1]);
  }
  return 0;
}

export interface BuilderExit {
  exitCode: number;
  /** The signal that ended the lifecycle builder itself. */
  signal?: string;
  /** The end of the builder's output, where the lifecycle names a buildpack's failure. */
  outputTail: string;
  /** OOM kills in the container while the build ran. */
  oomKills: number;
}

export function buildFailure(exit: BuilderExit): TiltLiveError {
  const buildpackSignal = /failed to build: signal: (\w+)/.exec(exit.outputTail)?.[1];
  const oom =
    exit.oomKills > 0
      ? `The kernel's OOM killer ended ${exit.oomKills} process(es) in this container during the build: the build needs more memory than the container may use.`
      : undefined;
  if (exit.signal) {
    return new TiltLiveError(
      "builder-killed",
      `Rebuild failed: the lifecycle builder was killed by ${exit.signal}${oom ? " (out of memory)" : ""}`,
      { detail: oom },
    );
  }
  if (buildpackSignal) {
    return new TiltLiveError(
      "builder-killed",
      `Rebuild failed: a buildpack's build was killed (signal: ${buildpackSignal})${oom ? ", out of memory" : ""}`,
      { detail: oom },
    );
  }
  if (oom) {
    return new TiltLiveError(
      "builder-killed",
      `Rebuild failed: the build phase exited with status ${exit.exitCode} after a process was killed for lack of memory`,
      { detail: oom },
    );
  }
  return new TiltLiveError("build-failed", `Rebuild failed: the build phase exited with status ${exit.exitCode}`);
}
