// tilt-live on a real-size Go project (issue 24): kpack's controller, its modules vendored (the bench's go-large
// profile, fetched by scripts/platform/go-large.sh), built cold with the Go group and tilt-live into a dev image
// that must export (the export of an image this large is what failed in the issue), weigh itself in the build log,
// and live-update a one-line edit in kpack's most imported package of its own without recompiling the rest.
// The cold build is most of this file's time: about five minutes of `go build` on a 2-core machine.
import { describe, expect, it } from "vitest";
import { containerLogs, waitForHttp, type RunningContainer } from "./harness/index.js";
import { goLarge } from "../bench/languages.js";
import { imageBytes } from "../bench/image-weight.js";
import { syncFile, waitForBody } from "./harness/live.js";
import { expectRebuild, languageSuite } from "./harness/suite.js";

/** The pack build's own budget, plus the minute the test around it may take. */
const BUILD_TEST_TIMEOUT_MS = (goLarge.buildTimeoutMs ?? 600_000) + 60_000;

describe.sequential("tilt-live on a large Go project (kpack's controller)", () => {
  const suite = languageSuite(goLarge);
  const { resources } = suite;
  let image: string;
  let coldBuildMs: number;
  let container: RunningContainer;

  it(
    "builds cold with the Go group and tilt-live, exports the image and weighs it in the build log",
    async () => {
      const built = await suite.buildImage();
      image = built.image;
      coldBuildMs = built.durationMs;
      const { log } = built;
      // pack says so only once the exporter saved the image into the engine.
      expect(log).toContain(`Successfully built image '${image}'`);
      expect(await imageBytes(image)).toBeGreaterThan(0);
      expect(log).toMatch(/^(\[builder\] )? {4}controller \(default\): \/layers\/paketo-buildpacks_go-build\/targets\/bin\/controller$/m);
      expect(log).toMatch(/^(\[builder\] )? {6}Go build cache: kept the \d+ entries this build used, left out \d+ it did not \(.+\)$/m);
      expect(log).toMatch(
        /^(\[builder\] )? {2}Dev image weight: [\d.]+ GiB added \(.*carried paketo-buildpacks\/go-build:gocache [\d.]+ [GM]iB.*\)$/m,
      );
      console.info(`go-large: cold build and export ${(coldBuildMs / 1000).toFixed(0)} s, dev image ${await imageBytes(image)} bytes`);
    },
    BUILD_TEST_TIMEOUT_MS,
  );

  it("runs under the supervisor and answers with the deep package's message", async () => {
    container = await suite.runImage(image);
    expect(await waitForHttp(container, "/", 60_000)).toBe("v1\n");
    expect(await containerLogs(container.name)).toContain("[tilt-live] started /layers/paketo-buildpacks_go-build/targets/bin/controller");
  });

  it("live-updates a one-line edit in the deep package, recompiling only what it changed", async () => {
    const started = Date.now();
    await syncFile(container.name, suite.app, goLarge.file, (text) => goLarge.setMessage(text, "v2"));
    const rebuild = await expectRebuild(container.name);
    expect(rebuild.stdout).toContain("Reusing cached layer /layers/paketo-buildpacks_go-dist/go");
    expect(rebuild.stdout).toContain("Running 'go build -o /layers/paketo-buildpacks_go-build/targets/bin");
    await waitForBody(container, "v2\n");
    const liveMs = Date.now() - started;
    console.info(`go-large: first live update in the new container ${(liveMs / 1000).toFixed(1)} s`);
    // Recompiling kpack's packages and its 2,123 dependencies again is what the cold build spent its time on: a
    // live update that takes anywhere near as long did not get the carried Go build cache.
    expect(liveMs).toBeLessThan(coldBuildMs / 4);
  });

  it("re-stamps the carried Go build cache in the background, so that rebuilds do not copy it up one by one", async () => {
    await expect
      .poll(() => containerLogs(container.name), { timeout: 300_000, interval: 2_000 })
      .toMatch(/Go build cache \S+: re-stamped \d+ entries \(.+\) in [\d.]+s/);
  });

  it("leaves no container, image or volume behind", async () => {
    await resources.cleanup();
    await resources.assertNoLeaks();
  });
});
