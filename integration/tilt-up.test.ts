// Real `tilt up` with the tilt_live extension and Docker Compose on a private copy of samples/go: the first deploy
// is a pack build, an edit of main.go is a live update in the running container (Tilt's own state says so), an
// edit of project.toml (fall_back_on) is a new image. Prints edit → new response times. Leaves nothing behind.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TILT_LIVE_VERSION } from "./harness/index.js";
import type { BuildRecord } from "./harness/tilt.js";
import { composeContainer, editApp, expectLiveUpdates, tiltComposeSuite, writeTiltLiveComposeTiltfile } from "./harness/tilt-compose.js";
import { getText, seconds } from "./harness/tilt-session.js";

describe.sequential("tilt up with the tilt_live extension (Docker Compose, samples/go)", () => {
  const suite = tiltComposeSuite("tilt-go");
  const { service } = suite;

  beforeAll(async () => {
    await writeTiltLiveComposeTiltfile(suite);
  });

  let baseline: BuildRecord;

  it("deploys a pack build with tilt-live: the first build is an image build and GET answers v1", async () => {
    const { session } = suite;
    session.start();
    const started = Date.now();
    baseline = await session.nextBuild(undefined, 900_000);
    expect(baseline.error ?? "", await session.logs()).toBe("");
    expect(baseline.spanID).toMatch(/^build:\d+$/);
    await session.waitForAnswer(suite.url, "v1\n", Date.now(), 60_000); // throws unless it answers
    console.log(`[tilt-up] first deploy (pack build + compose up): ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const logs = await session.logs();
    expect(logs).toContain("Building Custom Build:");
    expect(logs).toContain(`tilt-live ${TILT_LIVE_VERSION}`);
  });

  it("live-updates an edit of main.go in the running container (spanID liveupdate:, same container)", async () => {
    const before = await composeContainer(suite);
    const { times, last } = await expectLiveUpdates(suite, baseline, [
      ["v1", "v2"],
      ["v2", "v3"],
      ["v3", "v4"],
    ]);
    baseline = last;
    expect(await composeContainer(suite)).toBe(before);
    const logs = await suite.session.logs();
    expect(logs).toMatch(/1 File Changed: \[main\.go\]/);
    expect(logs).toContain(`'${path.join(suite.app, "main.go")}' --> '/layers/tilt-live/src/main.go'`);
    expect(logs).toContain("/layers/tilt-live/tools/bin/rebuild");
    expect(logs).toMatch(/Container \S+ updated!/);
    console.log(`[tilt-up] edit of main.go → new response under real Tilt: ${times.map(seconds).join(" s, ")} s`);
  });

  it("builds a new image when project.toml (fall_back_on) changes, then live-updates again", async () => {
    const { session } = suite;
    const before = await composeContainer(suite);
    const editedAt = await editApp(suite, "project.toml", () => '[_]\nschema-version = "0.2"\nid = "tilt-live-sample"\n');
    const record = await session.nextBuild(baseline, 900_000);
    const fallBackMs = Date.now() - editedAt;
    expect(record.error ?? "").toBe("");
    expect(record.spanID).toMatch(/^build:\d+$/);
    baseline = record;
    await session.waitForAnswer(suite.url, "v4\n", Date.now(), 60_000);
    expect(await composeContainer(suite)).not.toBe(before);
    expect(await session.logs()).toContain(`UpdateStopped: Detected change to stop file "${path.join(suite.app, "project.toml")}"`);

    const { times, last } = await expectLiveUpdates(suite, baseline, [["v4", "v5"]]);
    baseline = last;
    console.log(
      `[tilt-up] edit of project.toml → new image deployed: ${(fallBackMs / 1000).toFixed(1)} s; ` +
        `live update after it: ${seconds(times[0]!)} s`,
    );
  });

  it("reports a compile error as a failed live update, keeps serving, and recovers on the next edit", async () => {
    const { session } = suite;
    const before = await composeContainer(suite);
    await editApp(suite, "main.go", (text) => text.replace('const message = "v5"', "const message = v6 +"));
    const failed = await session.nextBuild(baseline, 120_000);
    expect(failed.spanID).toBe(`liveupdate:${service}:${suite.image}`);
    expect(failed.error).toMatch(/rebuild/);
    expect((await session.uiResource()).status.updateStatus).toBe("error");
    expect(await getText(suite.url)).toBe("v5\n");
    expect(await session.logs()).toMatch(/main\.go:\d+:\d+: syntax error/);
    baseline = failed;

    const fixedAt = await editApp(suite, "main.go", (text) => text.replace("const message = v6 +", 'const message = "v6"'));
    await session.waitForAnswer(suite.url, "v6\n", fixedAt, 120_000);
    const fixed = await session.nextBuild(baseline, 60_000);
    expect(fixed.spanID).toBe(`liveupdate:${service}:${suite.image}`);
    expect(fixed.error ?? "").toBe("");
    expect(await composeContainer(suite)).toBe(before);
  });
});
