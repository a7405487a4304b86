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
import {
  livePaths,
  readContext,
  readRecordedProcesses,
  runtimePaths,
  type LiveContext,
  type LivePaths,
  type RecordedProcess,
} from "../../contract/context.js";
import { readProxySettings, readWatchSettings, RuntimeVars, type ProxySettings } from "../../contract/config.js";
import { TiltLiveError, formatError } from "../../core/errors.js";
import { formatBytes } from "../../fsutil/copy.js";
import { readGroup } from "../../cnb/group.js";
import { exitStatus, type AppProcess, type AppSpec } from "./app-process.js";
import { AppController, describeStop, type BackoffOptions, type StoppedApp } from "./app-controller.js";
import { BuildQueue, type Rebuild } from "../rebuild/build-queue.js";
import { closeResidentParsers } from "../rebuild/syntax-check.js";
import { serveControl, type ControlServer, type SupervisorStatus } from "./control.js";
import { refreshEnv, changedNames, type EnvMod } from "./env-mods.js";
import { warmGoBuildCaches, type GoCacheWarmup } from "./go-cache-warm.js";
import { computeLaunchEnv } from "./launch-env.js";
import { startPortProxy, type PortProxy } from "./port-proxy.js";
import { listeningPorts, waitUntilListening, type Readiness } from "./readiness.js";
import { createRuntimeLog, type RuntimeLog } from "./runtime-log.js";
import { startWatcher, type Watcher } from "./watcher.js";

export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface SupervisorOptions {
  argv: string[];
  /** The layers root (context.layersRoot(env)). */
  layersRoot: string;
  env: NodeJS.ProcessEnv;
  stderr: Pick<Writable, "write">;
  /** The rebuild (createRebuild); its output goes to the rebuild command that asked, or to stderr for a watcher build. */
  build: Rebuild;
  signals?: SignalSource;
  /** Parent of the runtime dir holding the control socket; default /tmp. */
  tmpDir?: string;
  stdio?: StdioOptions;
  backoff?: BackoffOptions;
  /** The launch env modifications for the process type; default: computed from group.toml and the layers. */
  launchEnv?: (processType: string) => Promise<EnvMod[]>;
}

const FORWARDED: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP"];

function defaultLaunchEnv(layersRoot: string, paths: LivePaths) {
  return async (processType: string) => {
    const group = await readGroup(paths.group);
    return computeLaunchEnv({ layersRoot, buildpacks: group, processType, metaBuildpacksDir: paths.buildpackMeta });
  };
}

function findProcess(processes: RecordedProcess[], type: string, path: string): RecordedProcess {
  const found = processes.filter((p) => p.type === type).at(-1);
  if (!found) {
    throw new TiltLiveError("invalid-metadata", `no process type "${type}" (known: ${processes.map((p) => p.type).join(", ") || "none"})`, {
      path,
    });
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

function memoryKb(): SupervisorStatus["memoryKb"] {
  const m = process.memoryUsage();
  const kb = (bytes: number) => Math.round(bytes / 1024);
  return { rss: kb(m.rss), heapUsed: kb(m.heapUsed), heapTotal: kb(m.heapTotal), external: kb(m.external) };
}

const USAGE =
  "tilt-live-supervise <process type>, with a type from /layers/tilt-live/meta/processes.json (tilt-live's launch.toml does this for every process)";

/** What the supervisor runs: the process type's recorded command, in the build's app dir, with the start env. */
interface Supervised {
  processType: string;
  paths: LivePaths;
  ctx: LiveContext;
  log: RuntimeLog;
  app: AppController;
  stopTimeoutMs: number;
}

interface RestartOutcome {
  /** Stopping the old app and starting the new one. */
  restartMs: number;
  /** From the start until the new app listens where the old one did. */
  readyMs: number;
  readiness: Readiness;
  app: AppProcess | undefined;
  /** Where the new app listens (the old app's ports, or the ones it moved to). */
  ports: ReadonlySet<number>;
  /** The old app, when one was running. */
  stopped?: StoppedApp;
}

type Restart = (built: boolean) => Promise<RestartOutcome>;

/**
 * Restarts the app and waits until it serves. After a build, with the process's current command and the
 * launch env refreshed from the layers (the start env minus what the launcher applied at start, plus what the
 * layers say now); after a restart-only change, with the command and env as they were (no build changed them).
 * "Serves" means it listens on the TCP ports the old app listened on (readiness.ts), up to the ready timeout.
 */
async function createRestarter(
  s: Supervised,
  options: SupervisorOptions,
  startEnv: Record<string, string>,
  firstProcess: RecordedProcess,
): Promise<{ initial: AppSpec; restart: Restart }> {
  const readLaunchEnv = options.launchEnv ?? defaultLaunchEnv(options.layersRoot, s.paths);
  const before = await tryLaunchEnv(readLaunchEnv, s.processType, s.log);
  const readyTimeoutMs = s.ctx.readyTimeoutSeconds * 1000;
  let currentEnv = startEnv;
  let currentProcess = firstProcess;
  // Where the app listened before its last restart: a restarted app is ready once it listens there again.
  let knownPorts: ReadonlySet<number> = new Set<number>();
  const refreshCommand = async (): Promise<void> => {
    try {
      currentProcess = findProcess(await readRecordedProcesses(s.paths.processes), s.processType, s.paths.processes);
    } catch (error) {
      s.log.info(`keeping the previous command for "${s.processType}": ${(error as Error).message}`);
    }
    const after = before ? await tryLaunchEnv(readLaunchEnv, s.processType, s.log) : undefined;
    if (before && after) {
      const next = refreshEnv(startEnv, before, after);
      const changed = changedNames(currentEnv, next);
      if (changed.length > 0) s.log.info(`launch env changed: ${changed.join(", ")}`);
      currentEnv = next;
    }
  };
  const restart: Restart = async (built) => {
    const t0 = performance.now();
    if (built) await refreshCommand();
    const old = s.app.current;
    if (old?.running && old.pid !== undefined) {
      const ports = await listeningPorts(old.pid).catch(() => new Set<number>());
      if (ports.size > 0) knownPorts = ports;
    }
    const { app: started, stopped } = await s.app.replace(appSpec(currentProcess, s.ctx, currentEnv));
    const restartMs = performance.now() - t0;
    if (!started?.pid) return { restartMs, readyMs: 0, readiness: { ready: true }, app: started, ports: knownPorts, stopped };
    const t1 = performance.now();
    const readiness = await waitUntilListening(started.pid, knownPorts, { timeoutMs: readyTimeoutMs, exited: started.exited });
    const readyMs = performance.now() - t1;
    if (readiness.ready && readiness.note) knownPorts = await listeningPorts(started.pid).catch(() => knownPorts);
    return { restartMs, readyMs, readiness, app: started, ports: knownPorts, stopped };
  };
  return { initial: appSpec(currentProcess, s.ctx, currentEnv), restart };
}

/**
 * One build at a time; a good one restarts the app (unless every request said --no-restart), a failed one
 * leaves it. A restart that does not come up (the app exits, or does not listen in time) fails the rebuild,
 * with the app's latest output.
 */
function createBuildQueue(s: Supervised, build: SupervisorOptions["build"], restartApp: Restart): BuildQueue {
  return new BuildQueue(async (onOutput, run) => {
    const t0 = performance.now();
    s.log.info(`rebuild #${run.sequence} started${run.requests > 1 ? ` for ${run.requests} requests` : ""}`);
    const result = await build(onOutput, { clean: run.clean });
    const buildMs = performance.now() - t0;
    if (!result.ok) {
      const pid = s.app.current?.running ? `pid ${s.app.current.pid}` : "not running";
      s.log.info(
        `rebuild #${run.sequence} failed with exit ${result.exitCode} in ${s.log.seconds(buildMs)}; the app was left as it was (${pid})`,
      );
      return result;
    }
    if (!run.restart) {
      s.log.info(`rebuild #${run.sequence} succeeded in ${s.log.seconds(buildMs)}; not restarting (--no-restart)`);
      return result;
    }
    const { restartMs, readyMs, readiness, app: started, ports, stopped } = await restartApp(result.action !== "restart");
    const timings = { ...result.timings, restart: Math.round(restartMs), ready: Math.round(readyMs) };
    const how = result.action === "restart" ? " (restart only)" : "";
    if (!readiness.ready) {
      const output = started?.recentOutput ?? "";
      if (output !== "") onOutput(output.endsWith("\n") ? output : `${output}\n`);
      onOutput(`${formatError(new TiltLiveError("app-start-failed", `The app did not start after a good build: ${readiness.why}`))}\n`);
      const old = stopped ? ` (old app: ${describeStop(stopped, s.log.seconds)})` : "";
      s.log.info(`rebuild #${run.sequence}${how} built in ${s.log.seconds(buildMs)}, but the app did not start${old}: ${readiness.why}`);
      return { ...result, ok: false, exitCode: 1, timings };
    }
    if (readiness.note) s.log.info(`the app moved: ${readiness.note}`);
    const listening = ports.size > 0 ? `; listening on ${[...ports].join(", ")} after ${s.log.seconds(readyMs)}` : "";
    const old = stopped ? ` (old app: ${describeStop(stopped, s.log.seconds)})` : "";
    s.log.info(
      `rebuild #${run.sequence}${how} succeeded in ${s.log.seconds(buildMs)}; app restarted in ${s.log.seconds(restartMs)}${old}${listening}`,
    );
    return { ...result, timings };
  });
}

/**
 * SIGTERM, SIGINT and SIGHUP stop the app (a second signal goes straight through to it): `hooks.before` runs
 * first (the watcher stops), `hooks.after` once the app is gone (the control socket closes). Resolves with
 * the status to exit with; `stopping()` tells whether a stop began.
 */
function handleStopSignals(
  s: Supervised,
  signals: SignalSource,
  hooks: { before: () => void; after: () => Promise<void> },
): { done: Promise<number>; stopping: () => boolean } {
  let stopping: Promise<void> | undefined;
  const done = new Promise<number>((resolveExit) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        s.app.current?.signalGroup(signal);
        return;
      }
      s.log.info(`received ${signal}: stopping the app (SIGKILL after ${s.log.seconds(s.stopTimeoutMs)})`);
      stopping = (async () => {
        hooks.before();
        const exit = await s.app.shutdown(signal);
        await hooks.after();
        for (const sig of FORWARDED) signals.off(sig, onSignal);
        const status = exit ? exit.status : exitStatus(null, signal);
        s.log.info(`exiting with status ${status}`);
        resolveExit(status);
      })();
    };
    for (const sig of FORWARDED) signals.on(sig, onSignal);
  });
  return { done, stopping: () => stopping !== undefined };
}

function describeWarmup(w: GoCacheWarmup, log: RuntimeLog): string {
  const what = `Go build cache ${w.cache}: re-stamped ${w.restamped} entries (${formatBytes(w.bytes)}) in ${log.seconds(w.ms)}`;
  const fresh = w.fresh > 0 ? `, ${w.fresh} already fresh` : "";
  return w.stopped
    ? `${what}${fresh}, then stopped (${w.stopped}): the first rebuild re-stamps the rest`
    : `${what}${fresh}, ahead of the first rebuild`;
}

/** Re-stamps the carried Go build caches (go-cache-warm.ts) beside the app's start; only logs. */
function warmGoBuildCachesInBackground(s: Supervised): void {
  warmGoBuildCaches(s.paths.carried).then(
    (warmed) => {
      for (const w of warmed) if (w.restamped > 0 || w.stopped) s.log.info(describeWarmup(w, s.log));
    },
    (error: unknown) => s.log.info(`Go build cache warm-up stopped: ${(error as Error).message}; the first rebuild re-stamps what is left`),
  );
}

/** The port proxy TILT_LIVE_PROXY asks for, listening before the app starts: early requests wait for the app. */
async function startProxy(s: Supervised, settings: ProxySettings): Promise<PortProxy> {
  const holdMs = s.ctx.readyTimeoutSeconds * 1000;
  const proxy = await startPortProxy({
    ...settings,
    holdMs,
    onUnreachable: (detail) => s.log.info(`proxy: ${detail}; answering 502 until the app listens on ${settings.appPort} again`),
  }).catch((error: unknown) => {
    throw new TiltLiveError(
      "config",
      `${RuntimeVars.proxy}: the proxy cannot listen on port ${settings.listenPort}`,
      {
        variable: RuntimeVars.proxy,
        detail: `${(error as Error).message}: another process holds the port, or it is the app's own.`,
        allowed: "LISTEN:APP with a LISTEN port nothing else in the container uses",
      },
      { cause: error },
    );
  });
  s.log.info(
    `proxy: port ${proxy.port} forwards to the app's ${settings.appPort}; requests wait up to ${s.log.seconds(holdMs)} while it restarts`,
  );
  return proxy;
}

async function readSupervised(options: SupervisorOptions): Promise<{ s: Supervised; recorded: RecordedProcess }> {
  const processType = options.argv[0];
  if (!processType || processType.startsWith("-")) {
    throw new TiltLiveError("bad-usage", "tilt-live-supervise needs the process type to run", { usage: USAGE });
  }
  const log = createRuntimeLog(options.stderr);
  const paths = livePaths(options.layersRoot);
  const ctx = await readContext(paths.context);
  const recorded = findProcess(await readRecordedProcesses(paths.processes), processType, paths.processes);
  const stopTimeoutMs = ctx.stopTimeoutSeconds * 1000;
  // The app's output is piped through the supervisor: a failed start is reported with it.
  const app = new AppController({ log, stopTimeoutMs, stdio: options.stdio ?? ["inherit", "pipe", "pipe"], backoff: options.backoff });
  return { s: { processType, paths, ctx, log, app, stopTimeoutMs }, recorded };
}

export async function runSupervisor(options: SupervisorOptions): Promise<number> {
  const { s, recorded } = await readSupervised(options);
  // Before the app starts: a bad switch stops here.
  const watch = readWatchSettings(options.env, s.ctx);
  const proxySettings = readProxySettings(options.env);
  const startEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) startEnv[k] = v;
  const restarter = await createRestarter(s, options, startEnv, recorded);
  const queue = createBuildQueue(s, options.build, restarter.restart);
  // A requester (the rebuild command) shows the output itself, so the container log gets only the summary
  // lines; under Tilt both land in one pane, and each line would show twice. The watcher's builds have
  // no requester: their output goes to the container log.
  const requestBuild = (request: { restart: boolean; clean?: boolean }, onOutput?: (text: string) => void) =>
    queue.request({ ...request, onOutput: onOutput ?? ((text) => s.log.raw(text)) });

  const proxy = proxySettings ? await startProxy(s, proxySettings) : undefined;
  s.app.start(restarter.initial);
  warmGoBuildCachesInBackground(s);

  let control: ControlServer | undefined;
  let watcher: Watcher | undefined;
  const stop = handleStopSignals(s, options.signals ?? process, {
    before: () => {
      watcher?.close();
      closeResidentParsers();
    },
    after: async () => {
      await Promise.all([control?.close(), proxy?.close()]);
    },
  });
  try {
    control = await serveControl(runtimePaths(options.tmpDir).socket, {
      rebuild: (request, onLog) => requestBuild(request, onLog),
      status: () => ({
        processType: s.processType,
        appPid: s.app.current?.pid ?? null,
        appRunning: s.app.running,
        building: queue.busy,
        builds: queue.builds,
        watching: watcher !== undefined,
        memoryKb: memoryKb(),
      }),
    });
  } catch (error) {
    s.log.info(`rebuild requests are not served: ${(error as Error).message}`);
  }
  if (stop.stopping()) await control?.close(); // a signal came while the socket was being set up

  if (watch.enabled) {
    watcher = await startWatcher({
      root: s.paths.src,
      debounceMs: watch.debounceMs,
      ignore: s.ctx.watchIgnore,
      onTrigger: (changes) => {
        const shown = changes.slice(0, 3).join(", ") + (changes.length > 3 ? ` and ${changes.length - 3} more` : "");
        s.log.info(`changed: ${shown}; rebuilding${queue.busy ? " after the current build" : ""}`);
        void requestBuild({ restart: true });
      },
      onError: (error) => s.log.info(`watcher: ${error.message}`),
    });
    s.log.info(`watching ${s.paths.src} (debounce ${watch.debounceMs} ms)`);
    if (stop.stopping()) watcher.close();
  }

  return stop.done;
}
