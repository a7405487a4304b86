/**
 * Test helper: polls until a condition holds, instead of sleeping for a guessed time. A slow, loaded machine
 * then only makes a test slower, not red; a condition that never holds fails with what was awaited.
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface WaitOptions {
  /** What is awaited, for the error: "the orphan to be reaped". */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** More for the error (a log, the state seen last). */
  context?: () => string;
}

/**
 * Resolves with the first value of `probe` that is neither undefined nor false; a probe that throws counts as
 * not yet (a file not written yet, a process not started yet).
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  { what, timeoutMs = 15_000, intervalMs = 20, context }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined | false;
    try {
      value = await probe();
    } catch {
      value = undefined;
    }
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${context ? `\n${context()}` : ""}`);
    }
    await sleep(intervalMs);
  }
}
