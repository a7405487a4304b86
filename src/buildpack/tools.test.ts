import { mkdir, readdir, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { livePaths } from "../contract/context.js";
import { installTools, toolPaths } from "./tools.js";
import { tempDir } from "../testing/temp-dir.js";

describe("the tools layer", () => {
  it("links rebuild to the small static client when the buildpack has one, else to the single executable", async () => {
    const root = await tempDir("tilt-live-tools-");
    const paths = livePaths(join(root, "layers"));
    const buildpackDir = join(root, "cnb", "buildpacks", "tilt-live", "0.1.0");
    await mkdir(join(buildpackDir, "bin"), { recursive: true });
    await installTools(join(root, "without"), toolPaths(paths, buildpackDir));
    expect(await readlink(join(root, "without", "bin", "rebuild"))).toBe("tilt-live");

    await writeFile(join(buildpackDir, "bin", "tilt-live-rebuild"), "");
    await installTools(join(root, "with"), toolPaths(paths, buildpackDir));
    expect(await readlink(join(root, "with", "bin", "rebuild"))).toBe(
      join(paths.buildpacks, "tilt-live", "0.1.0", "bin", "tilt-live-rebuild"),
    );
    expect(await readlink(join(root, "with", "bin", "tilt-live-supervise"))).toBe("tilt-live");
  });

  it("gives rebuilds the SBOM writer as rebuild-bin/syft where the buildpack has one, never in bin/", async () => {
    const root = await tempDir("tilt-live-tools-");
    const paths = livePaths(join(root, "layers"));
    const buildpackDir = join(root, "cnb", "buildpacks", "tilt-live", "0.1.0");
    await mkdir(join(buildpackDir, "bin"), { recursive: true });
    await installTools(join(root, "without"), toolPaths(paths, buildpackDir));
    expect(await readdir(join(root, "without"))).toEqual(["bin"]);

    await writeFile(join(buildpackDir, "bin", "tilt-live-sbom"), "");
    await installTools(join(root, "with"), toolPaths(paths, buildpackDir));
    expect(await readlink(join(root, "with", "rebuild-bin", "syft"))).toBe(
      join(paths.buildpacks, "tilt-live", "0.1.0", "bin", "tilt-live-sbom"),
    );
    expect(await readdir(join(root, "with", "bin"))).not.toContain("syft");
  });
});
