// Where one edit's time goes under each orchestrator, from the orchestrator's own output (each line stamped with its
// arrival, ms after the edit was written) and the moment GET answered the new text. The steps follow one another,
// so that they add up to the edit → response time; the rebuild's own steps (the `rebuild.` ones) lie inside one of
// them. A mark that never shows leaves out the steps on either side of it.
import { goBuildMs, rebuildSummarySteps, supervisorRebuildSteps } from "./rebuild-log.js";
import type { TimedLine } from "./profile.js";

export type Steps = Record<string, number>;

/** The first line at or after `from` that matches, or undefined. */
function mark(lines: readonly TimedLine[], pattern: RegExp, from = 0): { at: number; index: number } | undefined {
  const index = lines.findIndex((line, i) => i >= from && pattern.test(line.text));
  return index === -1 ? undefined : { at: lines[index]!.ms, index };
}

/** Consecutive steps between the marks found (label → time since the previous mark); the last one ends at `endMs`. */
function between(marks: Array<[label: string, at: number | undefined]>, endLabel: string, endMs: number): Steps {
  const steps: Steps = {};
  let previous = 0;
  let previousFound = true;
  for (const [label, at] of [...marks, [endLabel, endMs] as [string, number]]) {
    if (at === undefined) {
      previousFound = false;
      continue;
    }
    if (previousFound) steps[label] = at - previous;
    previous = at;
    previousFound = true;
  }
  return steps;
}

/** The rebuild's own account: its steps (total, build, restart, ready as it printed them) and go build's time. */
function rebuildOwn(stepsOf: Steps | undefined, lines: readonly TimedLine[]): Steps {
  const own: Steps = {};
  for (const [name, ms] of Object.entries(stepsOf ?? {})) own[`rebuild.${name}`] = ms;
  const compile = goBuildMs(lines.map((line) => line.text));
  if (compile !== undefined) own["rebuild.goBuild"] = compile;
  return own;
}

/**
 * Tilt (Docker Compose or Kubernetes): its file watch until `N File Changed`, its scheduling until `Will copy`,
 * the sync exec (tar) until `[CMD 1/1]`, the run exec (`rebuild`) until `Container ... updated!`, then until GET
 * answers (the port-forward or published port; negative when the answer came before Tilt logged the end). Inside the
 * run exec: the rebuild client's summary, and `execOverhead`, the run exec less the rebuild's own total, restart and
 * ready (the exec's start and end, the client, the socket). Beside them, `portForwardDown` when Tilt's port-forward
 * was lost during the edit: from Tilt's line saying so until GET answered.
 */
export function tiltSteps(lines: readonly TimedLine[], responseMs: number): Steps {
  const changed = mark(lines, /\d+ Files? Changed: /);
  const copy = mark(lines, /Will copy \d+ file\(s\)/, changed?.index);
  const run = mark(lines, /\[CMD 1\/1\] /, copy?.index);
  const updated = mark(lines, /Container \S+ updated!/, run?.index);
  const steps = between(
    [
      ["watch", changed?.at],
      ["queue", copy?.at],
      ["syncExec", run?.at],
      ["runExec", updated?.at],
    ],
    "untilResponse",
    responseMs,
  );
  const inRun = run && updated ? lines.slice(run.index, updated.index) : [];
  const summary = rebuildSummarySteps(inRun.map((line) => line.text).join("\n"));
  const own = rebuildOwn(summary, inRun);
  const accounted = (summary.total ?? Number.NaN) + (summary.restart ?? 0) + (summary.ready ?? 0);
  if (steps.runExec !== undefined && Number.isFinite(accounted)) own.execOverhead = steps.runExec - accounted;
  // Tilt's port-forward (Kubernetes) ends when a forwarded connection fails in the pod (client-go closes the whole
  // forward), and Tilt starts a new one: from its "Reconnecting..." line until GET answered.
  const lost = mark(lines, /Reconnecting\.\.\. Error port-forwarding/, changed?.index);
  if (lost) own.portForwardDown = responseMs - lost.at;
  return { ...steps, ...own };
}

/**
 * Skaffold with `sync: auto`: its file watch (and its quiet interval) until `Syncing N files`, the sync until the
 * supervisor's watcher starts the rebuild (`rebuild #N started`, which also holds the watcher's debounce), the
 * watcher's rebuild and restart until `rebuild #N succeeded`, then until GET answers. The sync's own end is
 * Skaffold's next `Watching for changes...`: `sync` is up to it when it shows, `watcherStart` the rest.
 */
export function skaffoldSteps(lines: readonly TimedLine[], responseMs: number): Steps {
  const syncing = mark(lines, /Syncing \d+ files? for /);
  const synced = mark(lines, /Watching for changes/, syncing?.index);
  const started = mark(lines, /\[tilt-live\] rebuild #\d+ started/, syncing?.index);
  const succeeded = mark(lines, /\[tilt-live\] rebuild #\d+(?: \(restart only\))? succeeded in /, started?.index);
  const syncEnd = synced && started && synced.at <= started.at ? synced.at : undefined;
  const steps = between(
    [
      ["watch", syncing?.at],
      ["sync", syncEnd],
      ["watcherStart", started?.at],
      ["watcherRebuild", succeeded?.at],
    ],
    "untilResponse",
    responseMs,
  );
  if (syncEnd === undefined && syncing && started) steps.sync = started.at - syncing.at;
  const inRebuild = started && succeeded ? lines.slice(started.index, succeeded.index + 1) : [];
  return { ...steps, ...rebuildOwn(succeeded ? supervisorRebuildSteps(lines[succeeded.index]!.text) : undefined, inRebuild) };
}

/**
 * The longest single GET while waiting for the new text, from the times each answer came (ms after the edit) and
 * the pause between polls: a GET on a keep-alive connection whose far end went away waits, under a Kubernetes
 * port-forward, until containerd gives up on that connection (1 s after the app closed it).
 */
export function longestGet(answeredAt: readonly number[], pauseMs: number): number {
  let longest = 0;
  let previous = -pauseMs;
  for (const at of answeredAt) {
    longest = Math.max(longest, at - previous - pauseMs);
    previous = at;
  }
  return longest;
}
