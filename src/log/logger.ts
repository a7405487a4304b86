/**
 * Scribe-style output, as Paketo buildpacks print it: a title with name and version, indented steps and
 * sub-steps, and `Completed in 1.234s` after timed work (child output is streamed as the child prints it).
 * Debug lines appear only when the caller asks for them (src/contract/config.ts readDebugLogging: BP_LOG_LEVEL=DEBUG).
 */
import type { Writable } from "node:stream";

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => performance.now() };

export class Logger {
  constructor(
    private readonly out: Pick<Writable, "write">,
    private readonly options: { debug?: boolean; clock?: Clock } = {},
  ) {}

  get clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  title(name: string, version: string): void {
    this.line(0, `${name} ${version}`);
  }
  process(text: string): void {
    this.line(1, text);
  }
  subprocess(text: string): void {
    this.line(2, text);
  }
  debug(text: string): void {
    if (this.options.debug) this.line(2, `[debug] ${text}`);
  }
  break(): void {
    this.out.write("\n");
  }
  warning(text: string): void {
    this.line(1, `WARNING: ${text}`);
  }

  /** Runs `work`, then prints `Completed in Ns` at `depth`. Returns what `work` returned. */
  async timed<T>(depth: number, work: () => Promise<T>): Promise<T> {
    const start = this.clock.now();
    const result = await work();
    this.line(depth, `Completed in ${formatSeconds(this.clock.now() - start)}`);
    return result;
  }

  private line(depth: number, text: string): void {
    this.out.write(`${"  ".repeat(depth)}${text}\n`);
  }
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/0{1,2}$/, "")}s`;
}
