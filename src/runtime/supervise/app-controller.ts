/**
 * Keeps the app running for the supervisor: starts it, replaces it after a good build, and decides what to
 * do when it exits on its own.
 *
 * Exit policy: an app that exits by itself is started again with a backoff (1 s, 2 s, 4 s, ... up to 30 s;
 * back to 1 s once a run lasted 30 s), so a crash loop costs little and a transient failure (a database
 * not up yet) heals by itself. A good build restarts it at once and resets the backoff. The supervisor
 * itself stays up either way, so a rebuild can always fix the app.
 */
import type { StdioOptions } from "node:child_process";
import { AppProcess, type AppExit, type AppSpec } from "./app-process.js";
import type { RuntimeLog } from "./runtime-log.js";

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A run at least this long resets the backoff. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000, resetAfterMs: 30_000 };

export interface AppControllerOptions {
  log: RuntimeLog;
  stopTimeoutMs: number;
  stdio?: StdioOptions;
  backoff?: BackoffOptions;
}

/** The old app a replace stopped. */
export interface StoppedApp {
  pid: number | undefined;
  status: number;
  /** It did not exit within the stop timeout: SIGKILL. */
  killed: boolean;
  ms: number;
}

export interface Replacement {
  /** The new app; undefined when the supervisor is stopping. */
  app: AppProcess | undefined;
  stopped?: StoppedApp;
}

/** "pid 12 exited with status 0 in 0.01s", "pid 12 did not stop on SIGTERM: SIGKILL after 10s". */
export function describeStop(stopped: StoppedApp, seconds: (ms: number) => string): string {
  return stopped.killed
    ? `pid ${stopped.pid} did not stop on SIGTERM: SIGKILL after ${seconds(stopped.ms)}`
    : `pid ${stopped.pid} exited with status ${stopped.status} in ${seconds(stopped.ms)}`;
}

export class AppController {
  private app: AppProcess | undefined;
  private spec: AppSpec | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private shuttingDown = false;
  private readonly backoff: BackoffOptions;

  constructor(private readonly options: AppControllerOptions) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.delayMs = this.backoff.initialMs;
  }

  get current(): AppProcess | undefined {
    return this.app;
  }

  get running(): boolean {
    return this.app?.running === true;
  }

  start(spec: AppSpec): AppProcess {
    this.spec = spec;
    this.cancelRetry();
    const app = AppProcess.start(spec, this.options.stdio);
    this.app = app;
    this.options.log.info(`started ${spec.command.concat(spec.args).join(" ")} (pid ${app.pid ?? "?"}) in ${spec.cwd}`);
    void app.exited.then((exit) => this.onExit(app, exit));
    return app;
  }

  /**
   * Stops the running app (SIGTERM to its group, SIGKILL after the stop timeout) and starts `spec`. Logs only
   * the start: the caller reports the stop in its own line about the restart (one line per live update).
   */
  async replace(spec: AppSpec): Promise<Replacement> {
    this.cancelRetry();
    if (this.shuttingDown) return { app: undefined };
    const old = this.app;
    this.app = undefined;
    let stopped: StoppedApp | undefined;
    if (old?.running) {
      const t0 = performance.now();
      const exit = await old.stop(this.options.stopTimeoutMs);
      stopped = { pid: old.pid, status: exit.status, killed: exit.killed, ms: performance.now() - t0 };
    }
    if (this.shuttingDown) return { app: undefined, stopped }; // a signal came while the old app was stopping
    this.delayMs = this.backoff.initialMs;
    return { app: this.start(spec), stopped };
  }

  /** Forwards `signal` to the app's group and waits for it, with SIGKILL after the stop timeout. */
  async shutdown(signal: NodeJS.Signals): Promise<AppExit | undefined> {
    this.shuttingDown = true;
    this.cancelRetry();
    const app = this.app;
    if (!app) return undefined;
    if (!app.running) return app.exited;
    const exit = await app.stop(this.options.stopTimeoutMs, signal);
    if (exit.killed)
      this.options.log.info(`the app did not stop within ${this.options.log.seconds(this.options.stopTimeoutMs)}: sent SIGKILL`);
    return exit;
  }

  private onExit(app: AppProcess, exit: AppExit): void {
    if (this.app !== app || this.shuttingDown) return; // replaced or stopping on purpose
    const ranMs = performance.now() - app.startedAt;
    if (ranMs >= this.backoff.resetAfterMs) this.delayMs = this.backoff.initialMs;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
    const why = exit.error ? ` (${exit.error})` : "";
    this.options.log.info(
      `app exited with status ${exit.status}${why} after ${this.options.log.seconds(ranMs)}; starting it again in ${this.options.log.seconds(delay)} (or at the next good rebuild)`,
    );
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.spec && this.app === app && !this.shuttingDown) this.start(this.spec);
    }, delay);
  }

  private cancelRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
