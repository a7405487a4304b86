// Real Tilt (scripts/platform/tilt.sh builds the pinned version offline): its path, its environment, and the
// shapes of `tilt alpha tiltfile-result` and `tilt get uiresource` this repo's tests read.
import { execa } from "execa";
import path from "node:path";
import { repoRoot } from "./platform.js";

const tiltScript = path.join(repoRoot, "scripts/platform/tilt.sh");

let ensured: Promise<string> | undefined;

/** Builds Tilt when it is not cached (minutes, once) and returns the binary's path. */
export function ensureTilt(): Promise<string> {
  ensured ??= (async () => {
    const built = await execa("bash", [tiltScript, "all"], { all: true, reject: false, cwd: repoRoot });
    if (built.exitCode !== 0) throw new Error(`scripts/platform/tilt.sh failed:\n${built.all ?? ""}`);
    return (await execa("bash", [tiltScript, "path"], { cwd: repoRoot })).stdout.trim();
  })();
  return ensured;
}

/** The environment Tilt runs in: no analytics, CI mode, Debian's docker-compose; `extraPath` goes first on PATH. */
export function tiltEnv(extraPath: string[] = [], extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    PATH: [...extraPath, process.env.PATH ?? ""].join(path.delimiter),
    TILT_DISABLE_ANALYTICS: "1",
    CI: "true",
    TILT_DOCKER_COMPOSE_CMD: "/usr/bin/docker-compose",
    ...extra,
  };
}

export interface LiveUpdateSpec {
  basePath: string;
  selector: object;
  stopPaths?: string[];
  syncs?: Array<{ localPath: string; containerPath: string }>;
  execs?: Array<{ args: string[]; triggerPaths: string[] | null; echoOff: boolean }>;
  initialSync?: object;
}

export interface TiltfileResult {
  Manifests: Array<{
    Name: string;
    ImageTargets: Array<{
      LiveUpdateName: string;
      BuildDetails: { args: string[]; dir: string; Deps: string[] };
      LiveUpdateSpec: LiveUpdateSpec;
      FileWatchIgnores?: Array<{ basePath: string; patterns?: string[] }>;
    }>;
  }>;
}

export interface BuildRecord {
  spanID?: string;
  startTime?: string;
  finishTime?: string;
  error?: string;
}

export interface UIResource {
  status: {
    updateStatus?: string;
    runtimeStatus?: string;
    buildHistory?: BuildRecord[];
    currentBuild?: BuildRecord;
  };
}
