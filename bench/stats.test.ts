import { describe, expect, it } from "vitest";
import { percentile, summarize } from "./stats.js";

describe("summarize", () => {
  it("takes the middle value, or the mean of the two middle ones", () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, runs: 3 });
    expect(summarize([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, runs: 4 });
  });
  it("refuses an empty set", () => {
    expect(() => summarize([])).toThrow("no measurements");
  });
});

describe("percentile", () => {
  it("takes the nearest rank", () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(values, 95)).toBe(19);
    expect(percentile(values, 50)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
  });
});
