import { mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../testing/temp-dir.js";
import { recordBindings, restoreBindings } from "./recorded-bindings.js";

describe("recorded bindings", () => {
  let root: string;
  let platform: string;
  beforeEach(async () => {
    root = await tempDir("tilt-live-bindings-");
    platform = join(root, "platform");
    const maven = join(platform, "bindings", "maven");
    await mkdir(maven, { recursive: true });
    await writeFile(join(maven, "type"), "maven");
    await writeFile(join(maven, "settings.xml"), "<settings>ü</settings>\n");
    // Kubernetes projects a secret as links into ..data/.
    const secret = join(platform, "bindings", "registry");
    await mkdir(join(secret, "..data"), { recursive: true });
    await writeFile(join(secret, "..data", "type"), "registry");
    await writeFile(join(secret, "..data", "password"), "s3cret");
    await symlink("..data/type", join(secret, "type"));
    await symlink("..data/password", join(secret, "password"));
  });

  it("records each binding's entries, following links and skipping ..data, owner-only", async () => {
    const dest = join(root, "meta", "bindings");
    const result = await recordBindings(platform, {}, {}, dest);
    expect(result.recorded.map((b) => [b.name, b.type, [...b.entries.keys()]])).toEqual([
      ["maven", "maven", ["settings.xml", "type"]],
      ["registry", "registry", ["password", "type"]],
    ]);
    expect(await readFile(join(dest, "maven", "settings.xml"), "utf8")).toBe("<settings>ü</settings>\n");
    expect(await readdir(join(dest, "registry"))).toEqual(["password", "type"]);
    expect((await stat(join(dest, "registry", "password"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dest, "maven"))).mode & 0o777).toBe(0o700);
  });

  it("leaves out the bindings named in BP_TILT_LIVE_BINDINGS_EXCLUDE (platform env wins)", async () => {
    const dest = join(root, "meta", "bindings");
    const result = await recordBindings(
      platform,
      { BP_TILT_LIVE_BINDINGS_EXCLUDE: "registry" },
      { BP_TILT_LIVE_BINDINGS_EXCLUDE: "maven" },
      dest,
    );
    expect(result.recorded.map((b) => b.name)).toEqual(["maven"]);
    expect(result.excluded).toEqual(["registry"]);
    expect(await readdir(dest)).toEqual(["maven"]);
  });

  it("records nothing when the platform has no bindings", async () => {
    const result = await recordBindings(join(root, "empty"), {}, {}, join(root, "out"));
    expect(result).toEqual({ recorded: [], excluded: [] });
  });

  it("restores recorded bindings under <platform>/bindings for a rebuild", async () => {
    const dest = join(root, "meta", "bindings");
    await recordBindings(platform, {}, {}, dest);
    const rebuildPlatform = join(root, "rebuild-platform");
    expect(await restoreBindings(dest, rebuildPlatform)).toEqual(["maven", "registry"]);
    expect(await readFile(join(rebuildPlatform, "bindings", "maven", "type"), "utf8")).toBe("maven");
    expect(await readFile(join(rebuildPlatform, "bindings", "registry", "password"), "utf8")).toBe("s3cret");
    expect(await restoreBindings(join(root, "none"), rebuildPlatform)).toEqual([]);
  });
});
