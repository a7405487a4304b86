// What a rebuild says about its own time, read from its output wherever that output ends up (`docker exec`'s
// stderr, Tilt's log, the container's log under Skaffold): the rebuild client's summary line, the supervisor's
// line for a watcher's rebuild, and the compile go-build timed. All in whole ms.

/** "1.015" seconds (or ms) as whole ms. */
const ms = (value: string, unit = "s") => Math.round(Number(value) * (unit === "s" ? 1000 : 1));

/** The steps of the rebuild client's summary, `[tilt-live] rebuild succeeded (exit 0): mirror 0.012s, build 1.5s`, in ms. */
export function rebuildSummarySteps(text: string): Record<string, number> {
  const steps: Record<string, number> = {};
  const summary = /rebuild succeeded \(exit 0\): (.*)$/m.exec(text)?.[1] ?? "";
  for (const part of summary.split(", ")) {
    const m = /^(\w+) ([\d.]+)s$/.exec(part);
    if (m) steps[m[1]!] = ms(m[2]!);
  }
  return steps;
}

/**
 * The supervisor's line for a good rebuild (a watcher's, which no client summarizes): `rebuild #3 succeeded in
 * 1.2s; app restarted in 0.04s (old app: ...); listening on 8080 after 0.02s`, as total (the rebuild until the
 * restart), restart and ready in ms; undefined for any other line.
 */
export function supervisorRebuildSteps(line: string): Record<string, number> | undefined {
  const m =
    /\[tilt-live\] rebuild #\d+(?: \(restart only\))? succeeded in ([\d.]+)s; app restarted in ([\d.]+)s(?:.*after ([\d.]+)s$)?/.exec(line);
  if (!m) return undefined;
  return { total: ms(m[1]!), restart: ms(m[2]!), ...(m[3] ? { ready: ms(m[3]) } : {}) };
}

/** go-build's own time for `go build` (`Running 'go build ...'` then `Completed in 1.015s` or `in 850ms`), in ms. */
export function goBuildMs(lines: readonly string[]): number | undefined {
  const start = lines.findIndex((line) => /Running 'go build/.test(line));
  if (start === -1) return undefined;
  for (const line of lines.slice(start + 1)) {
    const m = /Completed in ([\d.]+)(ms|s)\b/.exec(line);
    if (m) return ms(m[1]!, m[2]);
  }
  return undefined;
}
