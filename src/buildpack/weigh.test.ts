import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing/temp-dir.js";
import { totalBytes, weighLayers, weightLine } from "./weigh.js";

/** A layer of tilt-live's with `bytes` bytes of files and its .toml beside it. */
async function layer(ownLayersDir: string, name: string, bytes: number): Promise<void> {
  await mkdir(join(ownLayersDir, name, "sub"), { recursive: true });
  await writeFile(join(ownLayersDir, name, "sub", "file"), "x".repeat(bytes));
  await writeFile(join(ownLayersDir, `${name}.toml`), "[types]\n  launch = true\n");
}

describe("weighLayers", () => {
  it("weighs each launch layer, and each carried layer on its own instead of the carried layer", async () => {
    const own = await tempDir("tilt-live-weigh-");
    await layer(own, "src", 1536);
    await layer(own, "tools", 10);
    await layer(own, "carried", 5000);
    await mkdir(join(own, "no-toml"));
    await writeFile(join(own, "no-toml", "file"), "not a layer: the exporter leaves it out");
    const carried = [
      { buildpackId: "paketo-buildpacks/go-build", name: "gocache", bytes: 3000, types: { build: false, cache: true } },
      { buildpackId: "paketo-buildpacks/go-dist", name: "go", bytes: 2000, types: { build: true, cache: true } },
    ];
    const weights = await weighLayers(own, carried);
    expect(weights).toEqual([
      { part: "carried paketo-buildpacks/go-build:gocache", bytes: 3000 },
      { part: "carried paketo-buildpacks/go-dist:go", bytes: 2000 },
      { part: "src", bytes: 1536 },
      { part: "tools", bytes: 10 },
    ]);
    expect(totalBytes(weights)).toBe(6546);
    expect(weightLine(weights)).toBe(
      "Dev image weight: 6.4 KiB added (carried paketo-buildpacks/go-build:gocache 2.9 KiB, carried paketo-buildpacks/go-dist:go 2.0 KiB, src 1.5 KiB, tools 10 B)",
    );
  });

  it("counts what tilt-live adds outside its layers (the app dir's kept source) with them", async () => {
    const own = await tempDir("tilt-live-weigh-");
    await layer(own, "tools", 10);
    const weights = await weighLayers(own, [], [{ part: "app dir source (BP_KEEP_FILES=*)", bytes: 2048 }]);
    expect(weightLine(weights)).toBe("Dev image weight: 2.0 KiB added (app dir source (BP_KEEP_FILES=*) 2.0 KiB, tools 10 B)");
  });

  it("weighs nothing when tilt-live has no layers", async () => {
    const own = await tempDir("tilt-live-weigh-");
    expect(await weighLayers(own, [])).toEqual([]);
    expect(weightLine([])).toBe("Dev image weight: 0 B added");
  });
});
