/**
 * One run of the app: its command as a child in its own process group (detached: setsid), so a signal can
 * reach everything the app started, and a stop that escalates from SIGTERM to SIGKILL for the whole group.
 */
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { constants as osConstants } from "node:os";
import type { Writable } from "node:stream";
import { resolveCommand } from "../../fsutil/which.js";

export interface AppSpec {
  command: string[];
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Shell-style status: the exit code, or 128 + the signal number. */
  status: number;
  /** Set when the command could not be started (e.g. not found). */
  error?: string;
}

/** Exit status as a shell reports it: the exit code, or 128 + signal number for a signal. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal ? osConstants.signals[signal] : undefined;
  return number !== undefined ? 128 + number : 1;
}

/** Where a piped app's output goes besides its tail (the supervisor's own stdout and stderr). */
export interface OutputEcho {
  stdout: Pick<Writable, "write">;
  stderr: Pick<Writable, "write">;
}

/** How much of a piped app's latest output is kept, for a failed start's report. */
const TAIL_BYTES = 16 * 1024;

export class AppProcess {
  readonly exited: Promise<AppExit>;
  readonly startedAt = performance.now();
  private exit: AppExit | undefined;
  private tail = "";

  private constructor(
    private readonly child: ChildProcess,
    echo: OutputEcho,
  ) {
    // Piped output is passed through as it comes and its tail kept: a failed start is reported with it.
    child.stdout?.on("data", (chunk: Buffer) => this.remember(chunk, echo.stdout));
    child.stderr?.on("data", (chunk: Buffer) => this.remember(chunk, echo.stderr));
    this.exited = new Promise((resolveExit) => {
      child.once("error", (error) => {
        // spawn failed: there is no process to wait for.
        if (child.pid === undefined) {
          this.exit = { code: null, signal: null, status: 127, error: error.message };
          resolveExit(this.exit);
        }
      });
      child.once("exit", (code, signal) => {
        this.exit = { code, signal, status: exitStatus(code, signal) };
        resolveExit(this.exit);
      });
    });
  }

  static start(spec: AppSpec, stdio: StdioOptions = "inherit", echo: OutputEcho = process): AppProcess {
    const [command, ...rest] = spec.command;
    if (command === undefined) throw new Error("empty command");
    const child = spawn(resolveCommand(command, spec.env, spec.cwd), [...rest, ...spec.args], {
      cwd: spec.cwd,
      env: spec.env,
      stdio,
      detached: true,
      argv0: command,
    });
    return new AppProcess(child, echo);
  }

  private remember(chunk: Buffer, to: Pick<Writable, "write">): void {
    to.write(chunk);
    this.tail = (this.tail + chunk.toString("utf8")).slice(-TAIL_BYTES);
  }

  /** The latest output of a piped app (empty when its output is not piped). */
  get recentOutput(): string {
    return this.tail;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Sends `signal` to the app's whole process group; false when the group is gone. */
  signalGroup(signal: NodeJS.Signals): boolean {
    if (this.child.pid === undefined) return false;
    try {
      process.kill(-this.child.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Stops the group: `signal` (SIGTERM by default), then SIGKILL after `timeoutMs` if the app has not exited.
   * The group is signalled even when the leader already exited, so its leftovers go too.
   */
  async stop(timeoutMs: number, signal: NodeJS.Signals = "SIGTERM"): Promise<AppExit & { killed: boolean }> {
    this.signalGroup(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((r) => {
      timer = setTimeout(() => r("timeout"), timeoutMs);
    });
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first !== "timeout") {
      this.signalGroup("SIGKILL"); // leftovers of a leader that exited on SIGTERM
      return { ...first, killed: false };
    }
    this.signalGroup("SIGKILL");
    return { ...(await this.exited), killed: true };
  }
}
