/**
 * The `rebuild` CLI's client part: asks the supervisor over the control socket to rebuild (and restart the
 * app unless --no-restart), streams the build's output to stdout and exits with the build's exit code.
 * Without a supervisor it throws TiltLiveError("no-supervisor"); the caller decides whether to build in-process.
 */
import type { Writable } from "node:stream";
import { runtimePaths } from "../contract/context.js";
import { TiltLiveError } from "../core/errors.js";
import { sendControl } from "./supervise/control.js";

export const REBUILD_CLIENT_USAGE = `Usage: rebuild [--no-restart] [--clean] [--help]
Asks the tilt-live supervisor in this container to re-run the buildpacks' build on the synced source and,
when it succeeds, to restart the app. A failed build leaves the running app as it was.
  --no-restart  build only; keep the running app
  --clean       also delete from the app dir what the source lacks (files the app or a build wrote there),
                then run the build phase; without it a rebuild deletes only what was deleted from the source
  --help        show this help
A change set no build step reads only restarts the app; the output says which in one line.
Exit status: 0 the app serves the change; 3 only a new image can take the change (project.toml,
BP_TILT_LIVE_IMAGE_BUILD), nothing was built; any other: the rebuild or the app's start failed.
`;

export interface RebuildClientOptions {
  argv: string[];
  stdout: Pick<Writable, "write">;
  stderr: Pick<Writable, "write">;
  /** Defaults to runtimePaths().socket. */
  socketPath?: string;
}

export interface RebuildArgs {
  help: boolean;
  restart: boolean;
  clean: boolean;
}

export function parseRebuildArgs(argv: string[]): RebuildArgs {
  const args: RebuildArgs = { help: false, restart: true, clean: false };
  for (const arg of argv) {
    if (arg === "--help" || arg === "-h") args.help = true;
    else if (arg === "--no-restart") args.restart = false;
    else if (arg === "--clean") args.clean = true;
    else throw new TiltLiveError("bad-usage", `rebuild: unknown argument "${arg}"`, { detail: REBUILD_CLIENT_USAGE.trimEnd() });
  }
  return args;
}

/** Returns the build's exit code; throws TiltLiveError("no-supervisor") when nothing listens on the socket. */
export async function runRebuildClient(options: RebuildClientOptions): Promise<number> {
  const args = parseRebuildArgs(options.argv);
  if (args.help) {
    options.stdout.write(REBUILD_CLIENT_USAGE);
    return 0;
  }
  const socketPath = options.socketPath ?? runtimePaths().socket;
  const final = await sendControl(socketPath, { op: "rebuild", restart: args.restart, clean: args.clean }, (message) => {
    if (message.type === "log") options.stdout.write(message.text);
  });
  if (final.type === "result") {
    options.stderr.write(`${final.summary}\n`);
    return final.exitCode;
  }
  if (final.type === "error") {
    throw new TiltLiveError("internal", `the supervisor rejected the request: ${final.message}`, { path: socketPath });
  }
  throw new TiltLiveError("internal", `unexpected reply from the supervisor: ${final.type}`, { path: socketPath });
}
