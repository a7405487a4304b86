import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { medianSteps, orchestratorResult, orchestratorsJson, parseOrchestrators } from "./orchestrator-result.js";

const run = (ms: number, steps: Record<string, number> = {}) => ({ editToResponseMs: ms, steps });

describe("parseOrchestrators", () => {
  it("takes a comma-separated list of the known orchestrators", () => {
    expect(parseOrchestrators("compose,k8s,skaffold")).toEqual(["compose", "k8s", "skaffold"]);
    expect(parseOrchestrators("k8s")).toEqual(["k8s"]);
  });
  it("refuses an unknown or empty list with the names it takes", () => {
    expect(parseOrchestrators("kpack")).toEqual(["kpack"]);
    expect(() => parseOrchestrators("compose,swarm")).toThrow("compose, k8s, skaffold, kpack");
    expect(() => parseOrchestrators("")).toThrow("--orchestrator takes");
  });
});

describe("medianSteps", () => {
  it("takes each step's median over the runs that have it", () => {
    expect(medianSteps([{ a: 1, b: 10 }, { a: 3 }, { a: 2, b: 20 }])).toEqual({ a: 2, b: 15 });
  });
});

describe("orchestratorResult", () => {
  it("keeps an in-cluster orchestrator's image builds, rounded", () => {
    const result = orchestratorResult({
      orchestrator: "kpack",
      first: run(1500),
      later: [run(1000), run(1200)],
      imageBuilds: { firstMs: 81_812.6, secondMs: 32_600.2, sourceBytes: 1546 },
    });
    expect(result.imageBuilds).toEqual({ firstMs: 81_813, secondMs: 32_600, sourceBytes: 1546 });
    expect(orchestratorResult({ orchestrator: "k8s", first: run(1500), later: [run(1000)] })).not.toHaveProperty("imageBuilds");
  });
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

describe("committed orchestrator results", () => {
  it("are one JSON line each, with the fields docs/performance.md quotes", async () => {
    for (const name of ["2026-12-06-orchestrators.json", "2026-12-06-orchestrators-3.json", "2026-12-06-orchestrators-4.json"]) {
      const text = await readFile(path.join(import.meta.dirname, "results", name), "utf8");
      expect(text.trimEnd().split("\n")).toHaveLength(1);
      const result = JSON.parse(text);
      expect(result.bench).toBe("tilt-live-orchestrators");
      expect(result.orchestrators.map((o: { orchestrator: string }) => o.orchestrator)).toEqual(["compose", "k8s", "skaffold"]);
      for (const o of result.orchestrators) {
        expect(o.editToResponseMs.median).toBeGreaterThan(0);
        expect(o.editToResponseMs.p95).toBeGreaterThanOrEqual(o.editToResponseMs.median);
        expect(Object.keys(o.stepsMs)).toContain("watch");
        expect(o.firstOverLater).toBeCloseTo(o.firstEditMs / o.editToResponseMs.median, 1);
      }
    }
  });
});
