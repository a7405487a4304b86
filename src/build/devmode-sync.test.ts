import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { devmodeBomEntry, devmodeSyncRules } from "./devmode-sync.js";

describe("devmodeSyncRules", () => {
  it("covers every top-level file and directory and each top-level extension, but not project.toml", async () => {
    const src = await mkdtemp(join(tmpdir(), "tilt-live-devmode-"));
    for (const file of ["main.go", "go.mod", "project.toml", "Tiltfile"]) await writeFile(join(src, file), "");
    await mkdir(join(src, "pkg"));
    const dest = "/layers/tilt-live/src";
    const rules = await devmodeSyncRules(src, dest);
    expect(rules.map((r) => r.src)).toEqual(["go.mod", "main.go", "pkg/**", "Tiltfile", "*.mod", "*.go"]);
    expect(rules.every((r) => r.dest === dest)).toBe(true);
    expect(devmodeBomEntry(rules)).toEqual({ name: "devmode", metadata: { "devmode.sync": rules } });
  });
});
