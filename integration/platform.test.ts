// The offline platform alone (no tilt-live): the Go sample builds with the builder, runs and answers.
import path from "node:path";
import { execa } from "execa";
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

  it("keeps one image per platform repository: the current inputs' (tagged by their key) and latest", async () => {
    // scripts/platform removes images made from earlier inputs (platform::remove_superseded): without that, every
    // version bump left a stack image or builder of up to 1.5 GB in Docker's image store.
    for (const repo of ["tilt-live/stack-build", "tilt-live/stack-run", "tilt-live/builder-go"]) {
      const listed = (await execa("docker", ["image", "ls", "--format", "{{.Tag}} {{.ID}}", repo])).stdout.trim().split("\n");
      const tags = listed.map((line) => line.split(" ")[0]).sort();
      expect(tags, repo).toHaveLength(2);
      expect(tags[1], repo).toBe("latest");
      expect(tags[0], repo).toMatch(/^[0-9a-f]{12}$/);
      expect(new Set(listed.map((line) => line.split(" ")[1])).size, `${repo}: key and latest are one image`).toBe(1);
    }
  });

  it("removes every container, image and volume it made", async () => {
    await resources.cleanup();
    await resources.assertNoLeaks();
  });
});
