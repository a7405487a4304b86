/**
 * `tilt-live-supervise <process type>`: runs the type's original command as a child, serves the control
 * socket (rebuild requests, through one BuildQueue), optionally watches the source, and after a good build
 * restarts the app with the refreshed launch env. A failed build leaves the app untouched. SIGTERM, SIGINT and
 * SIGHUP go to the app's whole process group, SIGKILL follows after the stop timeout, and the supervisor
 * exits with the app's status.
 */
import type { StdioOptions } from "node:child_process";
import type { Writable } from "node:stream";
import { resolve } from "node:path";
import { livePaths, readContext, readRecordedProcesses, runtimePaths, type LiveContext, type LivePaths, type RecordedProcess } from "../context.js";
import { readyTimeoutMs } from "../config.js";
import { TiltLiveError, formatError } from "../errors.js";
import { readGroup } from "../cnb/group.js";
import { exitStatus, type AppProcess, type AppSpec } from "./app-process.js";
import { AppController, type BackoffOptions } from "./app-controller.js";
import { BuildQueue, type BuildResult } from "./build-queue.js";
import { serveControl, type ControlServer } from "./control.js";
import { refreshEnv, changedNames, type EnvMod } from "./env-mods.js";
import { computeLaunchEnv } from "./launch-env.js";
import { listeningPorts, waitUntilListening, type Readiness } from "./readiness.js";
import { readRecordedVars } from "./recorded-vars.js";
import { createRuntimeLog, type RuntimeLog } from "./runtime-log.js";
import { startWatcher, watchDebounceMs, watchEnabled, type Watcher } from "./watcher.js";

export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface SupervisorOptions {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stderr: Pick<Writable, "write">;
  /** The rebuild (runRebuildSteps / createRebuild); its output goes to the requesters and to stderr. */
  build: (onOutput: (text: string) => void) => Promise<BuildResult>;
  signals?: SignalSource;
  /** Parent of the runtime dir holding the control socket; default /tmp. */
  tmpDir?: string;
  stdio?: StdioOptions;
  backoff?: BackoffOptions;
  /** The launch env modifications for the process type; default: computed from group.toml and the layers. */
  launchEnv?: (processType: string) => Promise<EnvMod[]>;
}

const FORWARDED: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP"];

function defaultLaunchEnv(layersDir: string, paths: LivePaths) {
  return async (processType: string) => {
    const group = await readGroup(paths.group);
    return computeLaunchEnv({ layersDir, buildpacks: group, processType, metaBuildpacksDir: paths.buildpackMeta });
  };
}

function findProcess(processes: RecordedProcess[], type: string, path: string): RecordedProcess {
  const found = processes.filter((p) => p.type === type).at(-1);
  if (!found) {
    throw new TiltLiveError("invalid-metadata", `no process type "${type}" (known: ${processes.map((p) => p.type).join(", ") || "none"})`, { path });
  }
  return found;
}

function appSpec(p: RecordedProcess, ctx: LiveContext, env: Record<string, string>): AppSpec {
  const cwd = resolve(ctx.appDir, p.workingDir ?? ".");
  if (p.direct === false) {
    // A shell process (buildpack API < 0.9, e.g. a Procfile line): the launcher runs it with bash -c and the
    // args as positional parameters; so does the supervisor.
    return { command: ["bash", "-c", `${p.command.join(" ")} "$@"`, "bash"], args: p.args ?? [], cwd, env };
  }
  return { command: p.command, args: p.args ?? [], cwd, env };
}

async function tryLaunchEnv(read: (t: string) => Promise<EnvMod[]>, type: string, log: RuntimeLog): Promise<EnvMod[] | undefined> {
  try {
    return await read(type);
  } catch (error) {
    log.info(`cannot compute the launch env (${(error as Error).message}); keeping the current env`);
    return undefined;
  }
}

interface RestartOutcome {
  /** Stopping the old app and starting the new one. */
  restartMs: number;
  /** From the start until the new app listens where the old one did. */
  readyMs: number;
  readiness: Readiness;
  app: AppProcess | undefined;
}

export async function runSupervisor(options: SupervisorOptions): Promise<number> {
  const processType = options.argv[0];
  if (!processType || processType.startsWith("-")) {
    throw new TiltLiveError("bad-usage", "usage: tilt-live-supervise <process type>");
  }
  const log = createRuntimeLog(options.stderr);
  const layersDir = options.env.CNB_LAYERS_DIR || "/layers";
  const paths = livePaths(layersDir);
  const ctx = await readContext(paths.context);
  const process0 = findProcess(await readRecordedProcesses(paths.processes), processType, paths.processes);
  const readLaunchEnv = options.launchEnv ?? defaultLaunchEnv(layersDir, paths);
  const startEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) startEnv[k] = v;
  const before = await tryLaunchEnv(readLaunchEnv, processType, log);
  let currentEnv = startEnv;
  let currentProcess = process0;
  const stopTimeoutMs = (ctx.stopTimeoutSeconds ?? 10) * 1000;
  // The app's output is piped through the supervisor: a failed start is reported with it.
  const app = new AppController({ log, stopTimeoutMs, stdio: options.stdio ?? ["inherit", "pipe", "pipe"], backoff: options.backoff });
  const readyTimeout = readyTimeoutMs(await readRecordedVars(paths).catch(() => () => undefined));
  // Where the app listened before its last restart: a restarted app is ready once it listens there again.
  let knownPorts = new Set<number>();

  const refreshCommand = async (): Promise<void> => {
    try {
      currentProcess = findProcess(await readRecordedProcesses(paths.processes), processType, paths.processes);
    } catch (error) {
      log.info(`keeping the previous command for "${processType}": ${(error as Error).message}`);
    }
    const after = before ? await tryLaunchEnv(readLaunchEnv, processType, log) : undefined;
    if (before && after) {
      const next = refreshEnv(startEnv, before, after);
      const changed = changedNames(currentEnv, next);
      if (changed.length > 0) log.info(`launch env changed: ${changed.join(", ")}`);
      currentEnv = next;
    }
  };

  /** Restarts the app; after a build with the command and launch env it left, after a restart-only change as it was. */
  const restartApp = async (built: boolean): Promise<RestartOutcome> => {
    const t0 = performance.now();
    if (built) await refreshCommand();
    const old = app.current;
    if (old?.running && old.pid !== undefined) {
      const ports = await listeningPorts(old.pid).catch(() => new Set<number>());
      if (ports.size > 0) knownPorts = ports;
    }
    const started = await app.replace(appSpec(currentProcess, ctx, currentEnv));
    const restartMs = performance.now() - t0;
    if (!started?.pid) return { restartMs, readyMs: 0, readiness: { ready: true }, app: started };
    const t1 = performance.now();
    const readiness = await waitUntilListening(started.pid, knownPorts, { timeoutMs: readyTimeout, exited: started.exited });
    return { restartMs, readyMs: performance.now() - t1, readiness, app: started };
  };

  const queue = new BuildQueue(async (onOutput, run) => {
    const t0 = performance.now();
    log.info(`rebuild #${run.sequence} started${run.requests > 1 ? ` for ${run.requests} requests` : ""}`);
    const result = await options.build(onOutput);
    const buildMs = performance.now() - t0;
    if (!result.ok) {
      const pid = app.current?.running ? `pid ${app.current.pid}` : "not running";
      log.info(`rebuild #${run.sequence} failed with exit ${result.exitCode} in ${log.seconds(buildMs)}; the app was left as it was (${pid})`);
      return result;
    }
    if (!run.restart) {
      log.info(`rebuild #${run.sequence} succeeded in ${log.seconds(buildMs)}; not restarting (--no-restart)`);
      return result;
    }
    const { restartMs, readyMs, readiness, app: started } = await restartApp(result.action !== "restart");
    const timings = { ...result.timings, restart: Math.round(restartMs), ready: Math.round(readyMs) };
    const how = result.action === "restart" ? " (restart only)" : "";
    if (!readiness.ready) {
      const output = started?.recentOutput ?? "";
      if (output !== "") onOutput(`${output.endsWith("\n") ? output : `${output}\n`}`);
      onOutput(`${formatError(new TiltLiveError("app-start-failed", `The app did not start after a good build: ${readiness.why}`))}\n`);
      log.info(`rebuild #${run.sequence}${how} built in ${log.seconds(buildMs)}, but the app did not start: ${readiness.why}`);
      return { ...result, ok: false, exitCode: 1, timings };
    }
    if (readiness.note) log.info(`the app moved: ${readiness.note}`);
    if (started?.pid !== undefined && readiness.note) knownPorts = await listeningPorts(started.pid).catch(() => knownPorts);
    const ports = knownPorts.size > 0 ? `; listening on ${[...knownPorts].join(", ")} after ${log.seconds(readyMs)}` : "";
    log.info(`rebuild #${run.sequence}${how} succeeded in ${log.seconds(buildMs)}; app restarted in ${log.seconds(restartMs)}${ports}`);
    return { ...result, timings };
  });
  const requestBuild = (restart: boolean, onOutput?: (text: string) => void) =>
    queue.request({ restart, onOutput: (text) => (log.raw(text), onOutput?.(text)) });

  app.start(appSpec(currentProcess, ctx, currentEnv));

  let control: ControlServer | undefined;
  let watcher: Watcher | undefined;
  let stopping: Promise<void> | undefined;
  const signals = options.signals ?? process;
  const done = new Promise<number>((resolveExit) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        app.current?.signalGroup(signal); // a second signal goes straight through
        return;
      }
      log.info(`received ${signal}: stopping the app (SIGKILL after ${log.seconds(stopTimeoutMs)})`);
      stopping = (async () => {
        watcher?.close();
        const exit = await app.shutdown(signal);
        await control?.close();
        for (const s of FORWARDED) signals.off(s, onSignal);
        const status = exit ? exit.status : exitStatus(null, signal);
        log.info(`exiting with status ${status}`);
        resolveExit(status);
      })();
    };
    for (const s of FORWARDED) signals.on(s, onSignal);
  });
  const socket = runtimePaths(options.tmpDir).socket;
  try {
    control = await serveControl(socket, {
      rebuild: (request, onLog) => requestBuild(request.restart, onLog),
      status: () => ({
        processType,
        appPid: app.current?.pid ?? null,
        appRunning: app.running,
        building: queue.busy,
        builds: queue.builds,
        watching: watcher !== undefined,
      }),
    });
  } catch (error) {
    log.info(`rebuild requests are not served: ${(error as Error).message}`);
  }
  if (stopping) await control?.close(); // a signal came while the socket was being set up

  if (watchEnabled(options.env, ctx.watch)) {
    const debounceMs = watchDebounceMs(options.env, ctx.watchDebounceMs);
    watcher = await startWatcher({
      root: paths.src,
      debounceMs,
      ignore: ctx.watchIgnore ?? [],
      onTrigger: (changes) => {
        const shown = changes.slice(0, 3).join(", ") + (changes.length > 3 ? ` and ${changes.length - 3} more` : "");
        log.info(`changed: ${shown}; rebuilding${queue.busy ? " after the current build" : ""}`);
        void requestBuild(true);
      },
      onError: (error) => log.info(`watcher: ${error.message}`),
    });
    log.info(`watching ${paths.src} (debounce ${debounceMs} ms)`);
    if (stopping) watcher.close();
  }

  return done;
}
