// The step-by-step profile of a live update: when each milestone line of rebuild's output arrived (the bench
// notes every line's arrival), turned into the time between consecutive milestones. The milestones are a
// language's own (LanguageProfile.milestones): buildpack headers, the compiler's start and end.

export interface Milestone {
  /** What the time since the previous milestone was spent on. */
  label: string;
  pattern: RegExp;
}

export interface TimedLine {
  /** ms after rebuild started. */
  ms: number;
  text: string;
}

/**
 * The time each milestone took: from the previous milestone's line (or rebuild's start) to the first later
 * line that matches. A milestone that never appears is left out, and the next one counts from the last found.
 */
export function segments(lines: TimedLine[], milestones: Milestone[]): Record<string, number> {
  const result: Record<string, number> = {};
  let from = 0;
  let index = 0;
  for (const milestone of milestones) {
    const at = lines.findIndex((line, i) => i >= index && milestone.pattern.test(line.text));
    if (at === -1) continue;
    result[milestone.label] = lines[at]!.ms - from;
    from = lines[at]!.ms;
    index = at + 1;
  }
  return result;
}
