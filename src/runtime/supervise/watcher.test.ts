import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { appendFile, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../testing/temp-dir.js";
import { waitFor } from "../../testing/wait-for.js";
import { BuildQueue } from "../rebuild/build-queue.js";
import { startWatcher, type Watcher } from "./watcher.js";

const execFileP = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` (src/testing/wait-for.ts); a timeout shows the triggers seen. */
async function until(probe: () => boolean, what: string): Promise<void> {
  await waitFor(probe, { what, context: () => `triggers: ${JSON.stringify(triggers)}` });
}

let root: string;
let watcher: Watcher | undefined;
let triggers: string[][];
beforeEach(async () => {
  root = await tempDir("watcher-");
  triggers = [];
});
afterEach(async () => {
  watcher?.close();
  watcher = undefined;
  await rm(root, { recursive: true, force: true });
});

async function watchRoot(extra: Partial<Parameters<typeof startWatcher>[0]> = {}) {
  watcher = await startWatcher({ root, debounceMs: 50, onTrigger: (c) => triggers.push(c), ...extra });
  return watcher;
}

describe("startWatcher", () => {
  it("debounces a burst of 1,000 writes in about a second into 1 or 2 triggers", async () => {
    const debounceMs = 100;
    const maxWaitMs = 2000;
    await watchRoot({ debounceMs, maxWaitMs });
    // The writer is a separate process, so this process only handles the watcher's events. It reports how
    // long it took and how often it paused for longer than the debounce: on a loaded machine a stalled writer
    // is a real pause, after which a trigger is right, so those are allowed for instead of failing the test.
    const writer = `
      const fs = require("fs"), path = require("path");
      const start = Date.now();
      let i = 0, last = start, pauses = 0;
      const tick = () => {
        const now = Date.now();
        if (now - last > ${debounceMs}) pauses += 1;
        last = now;
        for (let j = 0; j < 10; j += 1, i += 1) fs.writeFileSync(path.join(${JSON.stringify(root)}, "f" + (i % 20) + ".go"), "package main // " + i + "\\n");
        if (i < 1000) setTimeout(tick, Math.max(0, start + i - Date.now()));
        else console.log(JSON.stringify({ ms: Date.now() - start, pauses }));
      };
      tick();`;
    const { stdout } = await execFileP(process.execPath, ["-e", writer]);
    const run = JSON.parse(stdout) as { ms: number; pauses: number };
    await until(() => new Set(triggers.flat()).size === 20, "every written file to be reported");
    // Not a wait for an event: the quiet time in which a trailing trigger too many would show up.
    await sleep(debounceMs * 3);
    // One trigger per maxWait of writing, one per pause, and one for the tail; 1,000 writes never make more.
    const allowed = Math.floor(run.ms / maxWaitMs) + run.pauses + 1;
    console.log(
      `[watcher] 1,000 writes in ${run.ms} ms (${run.pauses} pause(s) > ${debounceMs} ms): ${triggers.length} trigger(s), at most ${allowed} allowed`,
    );
    expect(triggers.length).toBeGreaterThanOrEqual(1);
    expect(triggers.length).toBeLessThanOrEqual(Math.max(2, allowed));
    expect(new Set(triggers.flat())).toEqual(new Set(Array.from({ length: 20 }, (_, i) => `f${i}.go`)));
  });

  it("ignores .git, node_modules, editor temp files and the given globs, and skips ignored dirs entirely", async () => {
    await mkdir(join(root, "node_modules", "dep", "lib"), { recursive: true });
    await mkdir(join(root, ".git", "objects"), { recursive: true });
    await mkdir(join(root, "gen"), { recursive: true });
    const w = await watchRoot({ ignore: ["gen/", "*.log"] });
    expect(w.watchedDirs).toBe(1);
    for (const name of [
      "node_modules/dep/lib/x.js",
      ".git/index",
      "a.swp",
      "a.swx",
      "main.go~",
      ".#main.go",
      "4913",
      "x.tmp",
      "gen/a.go",
      "out.log",
    ]) {
      await writeFile(join(root, name), "x");
    }
    // Events arrive in order: once main.go's trigger is in, a trigger for any file above would be too.
    await writeFile(join(root, "main.go"), "x");
    await until(() => triggers.length > 0, "the trigger for main.go");
    expect(triggers).toEqual([["main.go"]]);
  });

  it("sees an editor's atomic save (write a temp file, rename it over the target)", async () => {
    await writeFile(join(root, "app.py"), "v1");
    await watchRoot();
    await writeFile(join(root, "app.py.tmp"), "v2");
    await rename(join(root, "app.py.tmp"), join(root, "app.py"));
    await until(() => triggers.length > 0, "the trigger for app.py");
    expect(triggers).toEqual([["app.py"]]);
  });

  it("watches directories created after it started, and their new files", async () => {
    await watchRoot();
    await mkdir(join(root, "pkg", "sub"), { recursive: true });
    await until(() => watcher!.watchedDirs === 3, "pkg and pkg/sub to be watched");
    await writeFile(join(root, "pkg", "sub", "x.go"), "x");
    await until(() => triggers.flat().includes("pkg/sub/x.go"), "the trigger for pkg/sub/x.go");
  });

  it("a change during a build queues exactly one more build", async () => {
    const builds: number[] = [];
    let running = 0;
    let overlap = false;
    // Build 1 lasts until the test has made its changes: how slow the machine is does not matter.
    let finishFirst!: () => void;
    const firstHeld = new Promise<void>((r) => (finishFirst = r));
    const queue = new BuildQueue(async (_out, run) => {
      running += 1;
      overlap ||= running > 1;
      builds.push(run.sequence);
      if (run.sequence === 1) await firstHeld;
      running -= 1;
      return { ok: true, exitCode: 0, timings: {} };
    });
    let fired = 0;
    await watchRoot({
      onTrigger: () => {
        fired += 1;
        void queue.request({ restart: true });
      },
    });
    await writeFile(join(root, "a.go"), "1");
    await until(() => queue.busy, "build 1 to start");
    for (let i = 0; i < 3; i += 1) {
      const before = fired;
      await appendFile(join(root, "a.go"), `${i}`);
      await until(() => fired > before, `trigger ${i + 2}`); // separate debounced triggers, all during build 1
    }
    finishFirst();
    await queue.idle();
    // Not a wait for an event: the time in which a late trigger from those writes would queue a third build.
    await sleep(100);
    await queue.idle();
    expect(builds).toEqual([1, 2]);
    expect(overlap).toBe(false);
  });
});
