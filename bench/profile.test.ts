import { describe, expect, it } from "vitest";
import { segments } from "./profile.js";

const milestones = [
  { label: "prelude", pattern: /^ {2}Change set:/ },
  { label: "builder start", pattern: /^Paketo Buildpack for Go Distribution/ },
  { label: "compile", pattern: /^ {6}Completed in/ },
  { label: "finish", pattern: /^ {2}Ran the build phase/ },
];

describe("a live update's step-by-step profile", () => {
  it("times each milestone from the previous one, taking the first matching line after it", () => {
    const lines = [
      { ms: 40, text: "  Change set: rebuild (main.go is source for go-build)" },
      { ms: 90, text: "Paketo Buildpack for Go Distribution 2.1.0" },
      { ms: 95, text: "      Completed in 1ms" }, // the first match after the previous milestone counts
      { ms: 400, text: "      Completed in 300ms" },
      { ms: 450, text: "  Ran the build phase (0.4s)" },
    ];
    expect(segments(lines, milestones)).toEqual({ prelude: 40, "builder start": 50, compile: 5, finish: 355 });
  });

  it("leaves out a milestone that never came and counts the next one from the last found", () => {
    const lines = [
      { ms: 30, text: "  Change set: rebuild (main.go is source for go-build)" },
      { ms: 500, text: "  Ran the build phase (0.4s)" },
    ];
    expect(segments(lines, milestones)).toEqual({ prelude: 30, finish: 470 });
  });
});
