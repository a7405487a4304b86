import { describe, expect, it } from "vitest";
import { waitFor } from "./wait-for.js";

describe("waitFor", () => {
  it("returns the first value the probe gives, counting undefined, false and a throw as not yet", async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls += 1;
        if (calls === 1) throw new Error("not written yet");
        if (calls === 2) return false;
        return calls === 3 ? undefined : `call ${calls}`;
      },
      { what: "the fourth call", intervalMs: 1 },
    );
    expect(value).toBe("call 4");
  });

  it("fails naming what it waited for, with the context", async () => {
    await expect(waitFor(() => false, { what: "Godot", timeoutMs: 30, intervalMs: 5, context: () => "log: nothing" })).rejects.toThrow(
      /^timed out after 30 ms waiting for Godot\nlog: nothing$/,
    );
  });
});
