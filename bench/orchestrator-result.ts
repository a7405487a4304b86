// The orchestrator bench's JSON line (`npm run bench -- --orchestrator compose,k8s,skaffold,kpack`): per orchestrator
// the edit → response median and p95 of the later edits, the median of each step (orchestrator-steps.ts), and the
// first edit in the new container or pod against the later ones (for kpack also its image builds); plus each
// orchestrator's median over Compose's.
import type { Steps } from "./orchestrator-steps.js";
import { percentile, summarize } from "./stats.js";

export const ORCHESTRATORS = ["compose", "k8s", "skaffold", "kpack"] as const;
export type OrchestratorName = (typeof ORCHESTRATORS)[number];

/** `--orchestrator compose,k8s,skaffold`: the names, checked. */
export function parseOrchestrators(value: string): OrchestratorName[] {
  const names = value.split(",").filter((name) => name !== "");
  const unknown = names.filter((name) => !(ORCHESTRATORS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0)
    throw new Error(`--orchestrator takes a list of ${ORCHESTRATORS.join(", ")} (got ${JSON.stringify(value)})`);
  return names as OrchestratorName[];
}

export interface EditRun {
  /** From the write of the file on the host until GET answered the new text. */
  editToResponseMs: number;
  steps: Steps;
}

/** The image builds of an orchestrator that builds in the cluster (kpack): what the edits' figures leave out. */
export interface ImageBuilds {
  /** The first build of the image, from the source upload until the build's image was pushed. */
  firstMs: number;
  /** A build after a one-line change, with the first build's cache. */
  secondMs: number;
  /** What left the developer's machine for one build: the source image, unpacked. */
  sourceBytes: number;
}

export interface OrchestratorRuns {
  orchestrator: string;
  /** The first edit after the deploy: the first live update in a new container or pod. */
  first: EditRun;
  later: EditRun[];
  imageBuilds?: ImageBuilds;
}

export interface OrchestratorResult {
  orchestrator: string;
  editToResponseMs: { median: number; p95: number };
  stepsMs: Steps;
  firstEditMs: number;
  firstOverLater: number;
  firstStepsMs: Steps;
  runs: number;
  imageBuilds?: ImageBuilds;
}

const round = (ms: number) => Math.round(ms);
const ratio = (a: number, b: number) => Number((a / b).toFixed(2));

/** Each step's median over the runs that have it, in the order steps first appear. */
export function medianSteps(runs: readonly Steps[]): Steps {
  const values: Record<string, number[]> = {};
  for (const steps of runs) {
    for (const [name, ms] of Object.entries(steps)) {
      values[name] ??= [];
      values[name].push(ms);
    }
  }
  return Object.fromEntries(Object.entries(values).map(([name, v]) => [name, round(summarize(v).median)]));
}

export function orchestratorResult({ orchestrator, first, later, imageBuilds }: OrchestratorRuns): OrchestratorResult {
  const times = later.map((run) => run.editToResponseMs);
  const median = summarize(times).median;
  return {
    orchestrator,
    editToResponseMs: { median: round(median), p95: round(percentile(times, 95)) },
    stepsMs: medianSteps(later.map((run) => run.steps)),
    firstEditMs: round(first.editToResponseMs),
    firstOverLater: ratio(first.editToResponseMs, median),
    firstStepsMs: Object.fromEntries(Object.entries(first.steps).map(([name, ms]) => [name, round(ms)])),
    runs: later.length,
    ...(imageBuilds
      ? {
          imageBuilds: { firstMs: round(imageBuilds.firstMs), secondMs: round(imageBuilds.secondMs), sourceBytes: imageBuilds.sourceBytes },
        }
      : {}),
  };
}

/** The one JSON line: the results, and `<name>/compose` median ratios when Compose was measured. */
export function orchestratorsJson(results: readonly OrchestratorResult[], context: Record<string, unknown> = {}): string {
  const compose = results.find((r) => r.orchestrator === "compose");
  const overCompose = compose
    ? Object.fromEntries(
        results
          .filter((r) => r !== compose)
          .map((r) => [`${r.orchestrator}/compose`, ratio(r.editToResponseMs.median, compose.editToResponseMs.median)]),
      )
    : {};
  return JSON.stringify({
    bench: "tilt-live-orchestrators",
    ...context,
    orchestrators: results,
    ...(compose ? { overCompose } : {}),
  });
}
