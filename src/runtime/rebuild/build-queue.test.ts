import { describe, expect, it } from "vitest";
import { BuildQueue, type BuildRun } from "./build-queue.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A build that takes `ms`; build 1 also waits for `holdFirst`, so a test can queue requests while it runs. */
function recordingBuild(ms = 30, ok = true, holdFirst: Promise<void> = Promise.resolve()) {
  let running = 0;
  let maxRunning = 0;
  const runs: Array<BuildRun & { startedAt: number }> = [];
  const build = async (onOutput: (t: string) => void, run: BuildRun) => {
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    runs.push({ ...run, startedAt: performance.now() });
    onOutput(`build ${run.sequence} serving ${run.requests}\n`);
    if (run.sequence === 1) await holdFirst;
    await sleep(ms);
    running -= 1;
    return { ok, exitCode: ok ? 0 : 1, timings: { build: ms, sequence: run.sequence } };
  };
  return { build, runs, maxRunning: () => maxRunning };
}

describe("BuildQueue", () => {
  it("serves 2 concurrent requests with 2 builds: the second waits for the first", async () => {
    const b = recordingBuild();
    const q = new BuildQueue(b.build);
    const out: string[] = [];
    const results = await Promise.all([
      q.request({ onOutput: (t) => out.push(`A ${t}`) }),
      q.request({ onOutput: (t) => out.push(`B ${t}`) }),
    ]);
    expect(b.runs.length).toBe(2);
    expect(b.maxRunning()).toBe(1);
    expect(results.map((r) => r.timings.sequence)).toEqual([1, 2]);
    expect(out).toEqual(["A build 1 serving 1\n", "B build 2 serving 1\n"]);
  });

  it("coalesces a burst of 10 during a build into exactly one following build, which starts after all of them", async () => {
    // Build 1 lasts until the burst is queued: how slow the machine is does not matter.
    let finishFirst!: () => void;
    const b = recordingBuild(50, true, new Promise<void>((r) => (finishFirst = r)));
    const q = new BuildQueue(b.build);
    const first = q.request();
    expect(q.busy).toBe(true);
    const burst: Array<Promise<unknown>> = [];
    const requestedAt: number[] = [];
    const outputs: string[][] = [];
    for (let i = 0; i < 10; i += 1) {
      const out: string[] = [];
      outputs.push(out);
      requestedAt.push(performance.now());
      burst.push(q.request({ onOutput: (t) => out.push(t), restart: i === 7 }));
      await sleep(1);
    }
    expect(q.waiting).toBe(10);
    finishFirst();
    const results = (await Promise.all([first, ...burst])) as Array<{ timings: Record<string, number> }>;
    expect(b.runs.length).toBe(2);
    expect(b.maxRunning()).toBe(1);
    expect(results.slice(1).every((r) => r.timings.sequence === 2)).toBe(true);
    expect(b.runs[1]?.requests).toBe(10);
    expect(b.runs[1]?.restart).toBe(true);
    expect(b.runs.map((r) => r.clean)).toEqual([false, false]);
    expect(b.runs[1]!.startedAt).toBeGreaterThanOrEqual(Math.max(...requestedAt));
    for (const out of outputs) expect(out).toEqual(["build 2 serving 10\n"]);
    expect(q.busy).toBe(false);
  });

  it("makes a coalesced build clean when one of its requests asked for --clean", async () => {
    const b = recordingBuild(20);
    const q = new BuildQueue(b.build);
    await Promise.all([q.request(), q.request({ clean: true }), q.request()]);
    expect(b.runs.map((r) => [r.requests, r.clean])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it("serves 10 requests made at once from idle with 2 builds", async () => {
    const b = recordingBuild(20);
    const q = new BuildQueue(b.build);
    const results = await Promise.all(Array.from({ length: 10 }, () => q.request()));
    expect(b.runs.map((r) => r.requests)).toEqual([1, 9]);
    expect(results.filter((r) => r.timings.sequence === 2).length).toBe(9);
    expect(b.maxRunning()).toBe(1);
  });

  it("turns a build that throws into a failed result and keeps serving", async () => {
    let calls = 0;
    const q = new BuildQueue(async () => {
      calls += 1;
      if (calls === 1) throw new Error("boom");
      return { ok: true, exitCode: 0, timings: {} };
    });
    const out: string[] = [];
    expect(await q.request({ onOutput: (t) => out.push(t) })).toEqual({ ok: false, exitCode: 70, timings: {} });
    expect(out.join("")).toContain("boom");
    expect((await q.request()).ok).toBe(true);
  });

  it("a listener that throws does not break the build for others", async () => {
    const b = recordingBuild(5);
    const q = new BuildQueue(b.build);
    const out: string[] = [];
    const run = q.request();
    const [x, y] = await Promise.all([
      q.request({
        onOutput: () => {
          throw new Error("client gone");
        },
      }),
      q.request({ onOutput: (t) => out.push(t) }),
      run,
    ]);
    expect(x.ok && y.ok).toBe(true);
    expect(out).toEqual(["build 2 serving 2\n"]);
  });
});
