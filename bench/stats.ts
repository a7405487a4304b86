// Medians and ranges for the benchmark table.
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summarize(values: number[]): Summary {
  if (values.length === 0) throw new Error("no measurements");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, runs: values.length };
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}

/** The nearest-rank percentile `p` (0-100) of `values`. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new Error("no measurements");
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
