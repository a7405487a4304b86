/** The supervisor's own log lines: `[tilt-live] ...` on stderr, so they interleave with the app's output. */
import type { Writable } from "node:stream";
import { formatSeconds } from "../../log/logger.js";

export interface RuntimeLog {
  info(text: string): void;
  /** Build output, passed through unprefixed. */
  raw(text: string): void;
  seconds(ms: number): string;
}

export function createRuntimeLog(stderr: Pick<Writable, "write">): RuntimeLog {
  return {
    info: (text) => {
      stderr.write(`[tilt-live] ${text}\n`);
    },
    raw: (text) => {
      stderr.write(text);
    },
    seconds: formatSeconds,
  };
}
