import { describe, expect, it } from "vitest";
import { describeStop } from "./app-controller.js";

const seconds = (ms: number) => `${ms / 1000}s`;

describe("the old app's stop, as the restart's log line tells it", () => {
  it("gives the status of an app that exited on SIGTERM, and says when SIGKILL was needed", () => {
    expect(describeStop({ pid: 12, status: 0, killed: false, ms: 10 }, seconds)).toBe("pid 12 exited with status 0 in 0.01s");
    expect(describeStop({ pid: 12, status: 137, killed: true, ms: 10_000 }, seconds)).toBe(
      "pid 12 did not stop on SIGTERM: SIGKILL after 10s",
    );
  });
});
