import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing/temp-dir.js";
import { withRebuildLock } from "./standalone-rebuild.js";

describe("withRebuildLock", () => {
  it("never runs two holders at once", async () => {
    const tmp = await tempDir("tilt-live-lock-");
    let running = 0;
    let maxRunning = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        withRebuildLock(
          async () => {
            running++;
            maxRunning = Math.max(maxRunning, running);
            await new Promise((r) => setTimeout(r, 20));
            order.push(i);
            running--;
          },
          { tmpDir: tmp, pollMs: 5 },
        ),
      ),
    );
    expect(maxRunning).toBe(1);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it("takes over a lock whose owner died", async () => {
    const tmp = await tempDir("tilt-live-lock-");
    await mkdir(join(tmp, "tilt-live", "rebuild.lock"), { recursive: true });
    await writeFile(join(tmp, "tilt-live", "rebuild.lock", "pid"), "999999");
    const result = await withRebuildLock(async () => "ran", { tmpDir: tmp, pollMs: 5, isAlive: () => false });
    expect(result).toBe("ran");
  });
});
