import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../testing/temp-dir.js";
import { asBuiltGoRoot } from "./go-root.js";

/** A layers root as a rebuild's restore leaves it: carried layers under tilt-live/carried, linked into place. */
async function layersRoot(): Promise<{ layers: string; carried: string }> {
  const layers = await tempDir("tilt-live-layers-");
  const carried = join(layers, "tilt-live", "carried");
  await mkdir(carried, { recursive: true });
  return { layers, carried };
}

async function goToolchain(dir: string): Promise<void> {
  await mkdir(join(dir, "pkg", "tool", "linux_amd64"), { recursive: true });
  await mkdir(join(dir, "bin"), { recursive: true });
  await writeFile(join(dir, "bin", "go"), "#!/bin/sh\n");
}

async function carry(layers: string, carried: string, bp: string, layer: string): Promise<string> {
  const dir = join(carried, bp, layer);
  await mkdir(dir, { recursive: true });
  await mkdir(join(layers, bp), { recursive: true });
  await symlink(dir, join(layers, bp, layer));
  return dir;
}

describe("asBuiltGoRoot", () => {
  it("names the layer path of the carried Go toolchain, not the carried copy it links to", async () => {
    const { layers, carried } = await layersRoot();
    await carry(layers, carried, "paketo-buildpacks_go-build", "gocache");
    await goToolchain(await carry(layers, carried, "paketo-buildpacks_go-dist", "go"));
    expect(await asBuiltGoRoot(layers, carried)).toBe(join(layers, "paketo-buildpacks_go-dist", "go"));
  });

  it("takes a relative link as well", async () => {
    const { layers, carried } = await layersRoot();
    const dir = join(carried, "paketo-buildpacks_go-dist", "go");
    await goToolchain(dir);
    await mkdir(join(layers, "paketo-buildpacks_go-dist"));
    await symlink("../tilt-live/carried/paketo-buildpacks_go-dist/go", join(layers, "paketo-buildpacks_go-dist", "go"));
    expect(await asBuiltGoRoot(layers, carried)).toBe(join(layers, "paketo-buildpacks_go-dist", "go"));
  });

  it("names none when a buildpack replaced the link with a layer of its own", async () => {
    const { layers, carried } = await layersRoot();
    await goToolchain(join(carried, "paketo-buildpacks_go-dist", "go"));
    await goToolchain(join(layers, "paketo-buildpacks_go-dist", "go"));
    expect(await asBuiltGoRoot(layers, carried)).toBeUndefined();
  });

  it("names none for carried layers that are not a Go toolchain, or when nothing is carried", async () => {
    const { layers, carried } = await layersRoot();
    await carry(layers, carried, "paketo-buildpacks_node-engine", "node");
    const notGo = await carry(layers, carried, "paketo-buildpacks_go-build", "gocache");
    await mkdir(join(notGo, "pkg", "tool"), { recursive: true }); // no bin/go
    expect(await asBuiltGoRoot(layers, carried)).toBeUndefined();
    expect(await asBuiltGoRoot(layers, join(layers, "missing"))).toBeUndefined();
  });
});
