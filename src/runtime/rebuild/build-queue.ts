/**
 * Serialises rebuilds and coalesces requests. One build runs at a time; every request that arrives while it
 * runs waits, and all of them are served together by exactly one following build, which starts after they
 * arrived (so it sees the source they synced). Each caller gets the result, and the output, of a build that
 * started after its request.
 */

import type { ChangeAction } from "./change-plan.js";

/** What one rebuild (rebuild-steps.ts) reports: to the queue's callers, the control socket and the CLI. */
export interface BuildResult {
  ok: boolean;
  exitCode: number;
  timings: Record<string, number>;
  /** What the change set needed; a restart-only result ran no build phase. */
  action?: ChangeAction;
}

/** What one run asks of a rebuild beyond the build itself. */
export interface RebuildRequest {
  /** rebuild --clean: delete from the app dir everything the source lacks (what the app wrote too), then build. */
  clean?: boolean;
}

/** One rebuild (rebuild-steps.ts createRebuild): mirror, plan, build; restarting the app is the caller's. */
export type Rebuild = (onOutput: (text: string) => void, request?: RebuildRequest) => Promise<BuildResult>;

export interface BuildRequest {
  /** Receives the build's output as it is produced. */
  onOutput?: (text: string) => void;
  /** Restart the app after a good build; a coalesced build restarts when any of its requests asked to. */
  restart?: boolean;
  /** rebuild --clean; a coalesced build is clean when any of its requests asked for it. */
  clean?: boolean;
}

export interface BuildRun {
  restart: boolean;
  clean: boolean;
  /** 1-based count of builds this queue started. */
  sequence: number;
  /** How many requests this build serves. */
  requests: number;
}

export type QueuedBuild = (onOutput: (text: string) => void, run: BuildRun) => Promise<BuildResult>;

interface Waiter {
  request: BuildRequest;
  resolve: (result: BuildResult) => void;
}

export class BuildQueue {
  private current: Promise<void> | undefined;
  private pending: Waiter[] = [];
  private started = 0;

  constructor(private readonly build: QueuedBuild) {}

  /** True while a build runs. */
  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Builds started so far. */
  get builds(): number {
    return this.started;
  }

  /** Number of requests waiting for the next build. */
  get waiting(): number {
    return this.pending.length;
  }

  request(request: BuildRequest = {}): Promise<BuildResult> {
    return new Promise((resolve) => {
      this.pending.push({ request, resolve });
      if (!this.current) this.startNext();
    });
  }

  /** Resolves once no build runs and none is queued. */
  async idle(): Promise<void> {
    while (this.current) await this.current;
  }

  private startNext(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) {
      this.current = undefined;
      return;
    }
    this.started += 1;
    const run: BuildRun = {
      restart: batch.some((w) => w.request.restart === true),
      clean: batch.some((w) => w.request.clean === true),
      sequence: this.started,
      requests: batch.length,
    };
    const onOutput = (text: string) => {
      for (const w of batch) {
        try {
          w.request.onOutput?.(text);
        } catch {
          // A listener that went away (a closed client) must not break the build or the other listeners.
        }
      }
    };
    this.current = this.runOne(onOutput, run).then((result) => {
      for (const w of batch) w.resolve(result);
      this.startNext();
    });
  }

  private async runOne(onOutput: (text: string) => void, run: BuildRun): Promise<BuildResult> {
    try {
      return await this.build(onOutput, run);
    } catch (error) {
      onOutput(`build failed unexpectedly: ${error instanceof Error ? error.message : String(error)}\n`);
      return { ok: false, exitCode: 70, timings: {} };
    }
  }
}
