// tilt-live on the real platform: pack + lifecycle + Paketo's Go buildpacks build the Go sample into a dev
// image, which is then live-updated in its running container the way Tilt does it (tar into the sync target,
// then the rebuild tool by argv through docker exec: no shell, no launcher).
import { describe, expect, it } from "vitest";
import {
  containerLogs,
  dockerExec,
  lifecycleMetadata,
  listImageFiles,
  pinnedVersion,
  TILT_LIVE_VERSION,
  waitForHttp,
  type RunningContainer,
} from "./harness/index.js";
import { go } from "../bench/languages.js";
import { deleteSyncedFile, REBUILD, syncFile, waitForBody } from "./harness/live.js";
import { expectGracefulStop, expectRebuild, languageSuite } from "./harness/suite.js";

describe.sequential("tilt-live on the Go sample", () => {
  const suite = languageSuite(go);
  const { resources } = suite;
  let image: string;
  let container: RunningContainer;

  it("builds with tilt-live/source first and tilt-live last (--buildpack), offline", async () => {
    const built = await suite.buildImage();
    image = built.image;
    const { log } = built;
    for (const line of [
      `tilt-live source snapshot ${TILT_LIVE_VERSION}`,
      "  Snapshotting the pristine app source",
      `tilt-live ${TILT_LIVE_VERSION}`,
      "  This is a DEVELOPMENT image: it holds the app's source, toolchains and tilt-live's rebuild tools",
      "    From tilt-live/source's snapshot of the pristine source",
      `    tilt-live/source@${TILT_LIVE_VERSION}, paketo-buildpacks/go-dist@0.1.0, paketo-buildpacks/go-build@${pinnedVersion("PAKETO_GO_BUILD_VERSION")}, tilt-live@${TILT_LIVE_VERSION}`,
      "    Lifecycle builder from /cnb/lifecycle/lifecycle",
      "  Processes, each under the tilt-live supervisor",
      "    hello (default): /layers/paketo-buildpacks_go-build/targets/bin/hello",
    ]) {
      expect(log).toMatch(new RegExp(`^(\\[builder\\] )?${escapeRegExp(line)}$`, "m"));
    }
    expect(log).toMatch(/^(\[builder\] )? {4}paketo-buildpacks\/go-dist:go \(build\+cache, [\d.]+ MiB\)$/m);
    expect(log).toMatch(/^(\[builder\] )? {4}paketo-buildpacks\/go-build:gocache \(cache, [\d.]+ (KiB|MiB)\)$/m);

    const metadata = await lifecycleMetadata(image);
    expect(metadata.buildpacks?.map((bp) => bp.key)).toEqual([
      "tilt-live/source",
      "paketo-buildpacks/go-dist",
      "paketo-buildpacks/go-build",
      "tilt-live",
    ]);
    const files = await listImageFiles(resources, image);
    for (const file of [
      "layers/tilt-live/src/main.go",
      "layers/tilt-live/src/Tiltfile",
      "layers/tilt-live/meta/group.toml",
      "layers/tilt-live/meta/plan.toml",
      "layers/tilt-live/meta/context.json",
      "layers/tilt-live/meta/processes.json",
      "layers/tilt-live/meta/buildpacks/paketo-buildpacks_go-build/layers/targets.toml",
      "layers/tilt-live/meta/buildpacks/paketo-buildpacks_go-dist/layers/go.toml",
      `layers/tilt-live/buildpacks/paketo-buildpacks_go-build/${pinnedVersion("PAKETO_GO_BUILD_VERSION")}/buildpack.toml`,
      "layers/tilt-live/lifecycle/lifecycle",
      "layers/tilt-live/carried/paketo-buildpacks_go-dist/go/bin/go",
      "layers/tilt-live/tools/bin/rebuild",
      "layers/tilt-live/tools/bin/tilt-live-init",
    ]) {
      expect(files, file).toContain(file);
    }
    // go-build keeps the app dir's source in a dev image (BP_KEEP_FILES=* from tilt-live/source): a rebuild's
    // mirror then copies only what changed, not the whole source after go-build deleted it.
    expect(files).toContain("workspace/main.go");
  });

  it("runs under the supervisor and answers v1", async () => {
    container = await suite.runImage(image);
    expect(await waitForHttp(container)).toBe("v1\n");
    expect(await containerLogs(container.name)).toContain("[tilt-live] started /layers/paketo-buildpacks_go-build/targets/bin/hello");
  });

  it("live-updates a synced change: rebuild by argv reuses the toolchain and the compile cache", async () => {
    await syncFile(container.name, suite.app, "main.go", (text) => text.replace('"v1"', '"v2"'));
    const rebuild = await expectRebuild(container.name);
    expect(rebuild.stdout).toMatch(/^ {2}Mirrored the source \(\d+(\.\d+)?s\)$/m);
    expect(rebuild.stdout).toMatch(/^ {2}Ran the build phase \(\d+(\.\d+)?s\)$/m);
    expect(rebuild.stdout).toContain("paketo-buildpacks_go-dist/go/");
    expect(rebuild.stdout).toContain("paketo-buildpacks_go-build/gocache/");
    expect(rebuild.stdout).toContain("Reusing cached layer /layers/paketo-buildpacks_go-dist/go");
    expect(rebuild.stdout).toContain("Running 'go build -o /layers/paketo-buildpacks_go-build/targets/bin");
    expect(rebuild.stderr).toMatch(
      /^\[tilt-live\] rebuild succeeded \(exit 0\): validate .*, build [\d.]+s, total [\d.]+s, restart [\d.]+s, ready [\d.]+s$/m,
    );
    expect(await waitForHttp(container)).toBe("v2\n");
  });

  it("keeps serving the last good app when the compile fails, and recovers", async () => {
    await syncFile(container.name, suite.app, "main.go", (text) => text.replace('const message = "v2"', "const message = v3 +"));
    const failed = await dockerExec(container.name, [REBUILD]);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stdout).toMatch(/main\.go:\d+:\d+: syntax error/);
    expect(failed.stdout).toContain("ERROR: Rebuild failed: the build phase exited with status");
    expect(await waitForHttp(container)).toBe("v2\n");

    await syncFile(container.name, suite.app, "main.go", (text) => text.replace("const message = v3 +", 'const message = "v3"'));
    await expectRebuild(container.name);
    expect(await waitForHttp(container)).toBe("v3\n");
  });

  it("takes a new file and a deleted file into account", async () => {
    await syncFile(container.name, suite.app, "broken.go", () => "package main\n\nvar broken = undefinedThing\n");
    const withBroken = await dockerExec(container.name, [REBUILD]);
    expect(withBroken.exitCode).not.toBe(0);
    expect(withBroken.stdout).toContain("undefined: undefinedThing");

    await deleteSyncedFile(container.name, suite.app, "broken.go");
    await syncFile(
      container.name,
      suite.app,
      "extra.go",
      () => 'package main\n\nimport "log"\n\nfunc init() { log.Print("extra.go compiled in") }\n',
    );
    await expectRebuild(container.name);
    await waitForBody(container, "v3\n");
    await expect.poll(() => containerLogs(container.name), { timeout: 10_000 }).toContain("extra.go compiled in");
  });

  it("with the watcher on, a synced change alone brings the new version", async () => {
    const watched = await suite.runImage(image, { TILT_LIVE_WATCH: "true" });
    expect(await waitForHttp(watched)).toBe("v1\n");
    await syncFile(watched.name, suite.app, "main.go", (text) => text.replace(/const message = "v\d"/, 'const message = "v4"'));
    await waitForBody(watched, "v4\n", 120_000);
    expect(await containerLogs(watched.name)).toMatch(/\[tilt-live\] .*rebuild #1 succeeded/);
  });

  it("stops within its grace period and the app saw SIGTERM", async () => {
    await expectGracefulStop(container.name);
  });

  it("builds through the builder's order with --pre-buildpack and --post-buildpack", async () => {
    const keys = await suite.buildThroughOrder();
    expect(keys[0]).toBe("tilt-live/source");
    expect(keys.at(-1)).toBe("tilt-live");
    expect(keys).toContain("paketo-buildpacks/go-build");
  });

  it("leaves no container, image or volume behind", async () => {
    await resources.cleanup();
    await resources.assertNoLeaks();
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
