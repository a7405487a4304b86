import { describe, expect, it } from "vitest";
import { medianSteps, orchestratorResult, orchestratorsJson, parseOrchestrators } from "./orchestrator-result.js";

const run = (ms: number, steps: Record<string, number> = {}) => ({ editToResponseMs: ms, steps });

describe("parseOrchestrators", () => {
  it("takes a comma-separated list of the known orchestrators", () => {
    expect(parseOrchestrators("compose,k8s,skaffold")).toEqual(["compose", "k8s", "skaffold"]);
    expect(parseOrchestrators("k8s")).toEqual(["k8s"]);
  });
  it("refuses an unknown or empty list with the names it takes", () => {
    expect(() => parseOrchestrators("compose,swarm")).toThrow("compose, k8s, skaffold");
    expect(() => parseOrchestrators("")).toThrow("--orchestrator takes");
  });
});

describe("medianSteps", () => {
  it("takes each step's median over the runs that have it", () => {
    expect(medianSteps([{ a: 1, b: 10 }, { a: 3 }, { a: 2, b: 20 }])).toEqual({ a: 2, b: 15 });
  });
});

describe("orchestratorResult", () => {
  it("summarizes the later edits and weighs the first against their median", () => {
    const result = orchestratorResult({
      orchestrator: "k8s",
      first: run(3000.4, { runExec: 2500.6 }),
      later: [run(1000, { runExec: 800 }), run(1400, { runExec: 900 }), run(1200, { runExec: 1000 })],
    });
    expect(result).toEqual({
      orchestrator: "k8s",
      editToResponseMs: { median: 1200, p95: 1400 },
      stepsMs: { runExec: 900 },
      firstEditMs: 3000,
      firstOverLater: 2.5,
      firstStepsMs: { runExec: 2501 },
      runs: 3,
    });
  });
});

describe("orchestratorsJson", () => {
  const result = (orchestrator: string, median: number) => orchestratorResult({ orchestrator, first: run(median), later: [run(median)] });

  it("is one line shaped like the issue's, with each median over Compose's", () => {
    const json = orchestratorsJson([result("compose", 1000), result("k8s", 1250), result("skaffold", 1800)], { runs: 1 });
    expect(json).not.toContain("\n");
    const parsed = JSON.parse(json);
    expect(parsed.bench).toBe("tilt-live-orchestrators");
    expect(parsed.orchestrators.map((o: { orchestrator: string }) => o.orchestrator)).toEqual(["compose", "k8s", "skaffold"]);
    expect(parsed.orchestrators[1]).toMatchObject({ editToResponseMs: { median: 1250, p95: 1250 }, stepsMs: {}, firstOverLater: 1 });
    expect(parsed.overCompose).toEqual({ "k8s/compose": 1.25, "skaffold/compose": 1.8 });
  });
  it("has no ratios without Compose", () => {
    expect(JSON.parse(orchestratorsJson([result("k8s", 1250)])).overCompose).toBeUndefined();
  });
});
