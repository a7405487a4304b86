import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../src/testing/temp-dir.js";
import { resultKind, saveResult } from "./results-file.js";

describe("resultKind", () => {
  it("names the inner loop, the soak, or both", () => {
    expect(resultKind(["go"], 0)).toBe("inner-loop");
    expect(resultKind([], 200)).toBe("soak");
    expect(resultKind(["node"], 50)).toBe("inner-loop-soak");
  });
  it("refuses a run that measured nothing", () => {
    expect(() => resultKind([], 0)).toThrow("no result");
  });
});

describe("saveResult", () => {
  it("writes <date>-<kind>.json and never overwrites an earlier result of the same day", async () => {
    const dir = path.join(await tempDir("bench-results-"), "results");
    const day = new Date("2026-12-05T21:00:00Z");
    const first = await saveResult(dir, day, "inner-loop", '{"run":1}');
    const second = await saveResult(dir, day, "inner-loop", '{"run":2}');
    expect(path.basename(first)).toBe("2026-12-05-inner-loop.json");
    expect(path.basename(second)).toBe("2026-12-05-inner-loop-2.json");
    expect(await readFile(first, "utf8")).toBe('{"run":1}\n');
    expect(await readFile(second, "utf8")).toBe('{"run":2}\n');
  });
});

describe("committed results", () => {
  it("are one JSON line each, with the fields docs/performance.md quotes", async () => {
    const file = path.join(import.meta.dirname, "results", "2026-12-01-inner-loop.json");
    const text = await readFile(file, "utf8");
    expect(text.trimEnd().split("\n")).toHaveLength(1);
    const result = JSON.parse(text);
    expect(result.bench).toBe("tilt-live-inner-loop");
    expect(result.results.map((r: { language: string }) => r.language)).toEqual(["go", "node", "python"]);
  });
});
