// The offline platform alone (no tilt-live): the Go sample builds with the builder, runs and answers.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dockerExec,
  ensurePlatform,
  lifecycleMetadata,
  listImageFiles,
  packBuild,
  randomName,
  repoRoot,
  Resources,
  runContainer,
  stopContainer,
  containerLogs,
  waitForHttp,
  type Platform,
} from "./harness/index.js";
import { failFast } from "./harness/suite.js";

const sample = path.join(repoRoot, "samples/go");
const offline = ["--network", "none", "--pull-policy", "never", "--trust-builder"];

describe.sequential("platform: Go sample on the offline builder", () => {
  failFast();
  const resources = new Resources();
  let platform: Platform;
  let image: string;

  beforeAll(async () => {
    platform = await ensurePlatform();
  });

  afterAll(async () => {
    await resources.cleanup();
  });

  it("builds samples/go with go-dist (stand-in), go-mod-vendor and go-build", async () => {
    image = randomName("go");
    const { log } = await packBuild(platform, resources, { image, path: sample, args: offline });

    expect(log).toMatch(/paketo-buildpacks\/go-dist\s+0\.1\.0/);
    expect(log).toMatch(/paketo-buildpacks\/go-build\s+\d+\.\d+\.\d+/);
    expect(log).toContain("Paketo Buildpack for Go Distribution (tilt-live offline stand-in)");
    expect(log).toContain("Installing Go");
    // No module requirements: go-mod-vendor's `go mod vendor` has nothing to fetch, so it works offline.
    expect(log).toMatch(/Paketo Buildpack for Go Mod Vendor [\d.]+\n[\s\S]*go: no dependencies to vendor/);
    expect(log).toContain(`Successfully built image '${image}'`);

    const metadata = await lifecycleMetadata(image);
    expect(metadata.buildpacks?.map((bp) => bp.key)).toEqual([
      "paketo-buildpacks/go-dist",
      "paketo-buildpacks/go-mod-vendor",
      "paketo-buildpacks/go-build",
    ]);
    const files = await listImageFiles(resources, image);
    expect(files).toContain("layers/paketo-buildpacks_go-build/targets/bin/hello");
    expect(files).toContain("cnb/lifecycle/launcher");
    // go-dist's layer is build/cache only: the toolchain is not in the app image.
    expect(files.some((file) => file.startsWith("layers/paketo-buildpacks_go-dist/"))).toBe(false);
  });

  it("runs the image: GET / answers v1, SIGTERM stops it cleanly", async () => {
    const container = await runContainer(resources, { image, containerPort: 8080 });
    expect(await waitForHttp(container)).toBe("v1\n");

    const whoami = await dockerExec(container.name, ["id", "-u"]);
    expect(whoami).toMatchObject({ exitCode: 0, stdout: "1000" });

    expect(await stopContainer(container.name)).toBe(0);
    expect(await containerLogs(container.name)).toContain("received SIGTERM, shutting down");
  });

  it("rebuilds from the cache: the go-dist stand-in reuses its layer", async () => {
    const { log } = await packBuild(platform, resources, { image, path: sample, args: offline });
    expect(log).toContain("Reusing cached layer /layers/paketo-buildpacks_go-dist/go");
    expect(log).not.toContain("Installing Go");
    expect(log).toContain(`Successfully built image '${image}'`);
  });

  it("removes every container, image and volume it made", async () => {
    await resources.cleanup();
    await resources.assertNoLeaks();
  });
});
