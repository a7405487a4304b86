import { lstat, mkdir, readFile, readdir, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing/temp-dir.js";
import type { GroupEntry } from "../cnb/group.js";
import { copyGroupBuildpacks } from "./buildpacks.js";

const entry = (id: string): GroupEntry => ({ id: id as GroupEntry["id"], version: "1.0.0", api: "0.10", optional: false });

/** A buildpack dir shaped like a checkout given to `pack build --buildpack ./tilt-live`. */
async function checkoutShapedBuildpack(root: string, escapedId: string): Promise<void> {
  const dir = join(root, escapedId, "1.0.0");
  for (const sub of ["bin", "node_modules/typescript", "dist/work", ".git", "src"]) await mkdir(join(dir, sub), { recursive: true });
  await writeFile(join(dir, "buildpack.toml"), 'api = "0.10"\n');
  await writeFile(join(dir, "bin", "tilt-live"), "executable");
  await symlink("tilt-live", join(dir, "bin", "detect"));
  await writeFile(join(dir, "node_modules/typescript/lib.js"), "heavy");
  await writeFile(join(dir, "package.json"), "{}");
}

describe("copyGroupBuildpacks", () => {
  it("copies only buildpack.toml and bin/ of tilt-live's own buildpacks, and every file of the others", async () => {
    const root = await tempDir("tilt-live-bps-");
    const source = join(root, "cnb");
    await checkoutShapedBuildpack(source, "tilt-live");
    await checkoutShapedBuildpack(source, "tilt-live_source");
    await checkoutShapedBuildpack(source, "example_lang");
    const dest = join(root, "dest");
    await copyGroupBuildpacks(source, [entry("tilt-live/source"), entry("example/lang"), entry("tilt-live")], dest);
    for (const own of ["tilt-live", "tilt-live_source"]) {
      expect((await readdir(join(dest, own, "1.0.0"))).sort()).toEqual(["bin", "buildpack.toml"]);
      expect((await readdir(join(dest, own, "1.0.0", "bin"))).sort()).toEqual(["detect", "tilt-live"]);
    }
    expect((await readdir(join(dest, "example_lang", "1.0.0"))).sort()).toEqual([
      ".git",
      "bin",
      "buildpack.toml",
      "dist",
      "node_modules",
      "package.json",
      "src",
    ]);
  });

  it("stores a large file that two buildpacks hold once: the later copy is a relative link to the first", async () => {
    const root = await tempDir("tilt-live-bps-");
    const source = join(root, "cnb");
    await checkoutShapedBuildpack(source, "tilt-live");
    await checkoutShapedBuildpack(source, "tilt-live_source");
    const big = "x".repeat(1024 * 1024);
    for (const id of ["tilt-live", "tilt-live_source"]) await writeFile(join(source, id, "1.0.0", "bin", "tilt-live"), big);
    const dest = join(root, "dest");
    const deduped = await copyGroupBuildpacks(source, [entry("tilt-live/source"), entry("tilt-live")], dest);
    expect(deduped).toBe(big.length);
    const first = join(dest, "tilt-live_source", "1.0.0", "bin", "tilt-live");
    const later = join(dest, "tilt-live", "1.0.0", "bin", "tilt-live");
    expect((await lstat(first)).isFile()).toBe(true);
    expect(await readlink(later)).toBe("../../../tilt-live_source/1.0.0/bin/tilt-live");
    expect(await readFile(later, "utf8")).toBe(big);
  });
});
