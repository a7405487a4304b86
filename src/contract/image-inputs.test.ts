import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { MirrorChange } from "../fsutil/mirror.js";
import { readImageInputs, recordImageInputs, withoutImageInputsAsBuilt } from "./image-inputs.js";
import { tempDir } from "../testing/temp-dir.js";

const added = (path: string): MirrorChange => ({ path, kind: "added", type: "file" });

describe("the image inputs as built", () => {
  it("drops a container's first-mirror 'changes' that leave project.toml as the image had it, and keeps real edits", async () => {
    const root = await tempDir("image-inputs-");
    const src = join(root, "src");
    await mkdir(join(src, "sub"), { recursive: true });
    await writeFile(join(src, "project.toml"), "[build]\n");
    await writeFile(join(src, "sub", "Dockerfile.dev"), "FROM x\n");
    await writeFile(join(src, "main.go"), "package main\n");
    const recordPath = join(root, "image-inputs.json");
    const globs = ["project.toml", "**/Dockerfile.dev"];
    expect(Object.keys(await recordImageInputs(src, globs, recordPath)).sort()).toEqual(["project.toml", "sub/Dockerfile.dev"]);
    const recorded = await readImageInputs(recordPath);

    const firstMirror = [added("main.go"), added("project.toml"), added("sub/Dockerfile.dev")];
    expect(await withoutImageInputsAsBuilt(firstMirror, src, globs, recorded)).toEqual([added("main.go")]);

    await writeFile(join(src, "project.toml"), "[build]\n[[build.env]]\n");
    const edited = await withoutImageInputsAsBuilt([{ path: "project.toml", kind: "modified", type: "file" }], src, globs, recorded);
    expect(edited.map((c) => c.path)).toEqual(["project.toml"]);

    const deletedUnrecorded: MirrorChange = { path: "other/Dockerfile.dev", kind: "deleted", type: "file" };
    const deletedRecorded: MirrorChange = { path: "sub/Dockerfile.dev", kind: "deleted", type: "file" };
    expect(await withoutImageInputsAsBuilt([deletedUnrecorded, deletedRecorded], src, globs, recorded)).toEqual([deletedRecorded]);
  });

  it("keeps every change for an image without a record, and rejects a malformed record", async () => {
    const root = await tempDir("image-inputs-");
    expect(await withoutImageInputsAsBuilt([added("project.toml")], root, ["project.toml"], undefined)).toEqual([added("project.toml")]);
    expect(await readImageInputs(join(root, "missing.json"))).toBeUndefined();
    await writeFile(join(root, "bad.json"), '{"project.toml": 7}');
    await expect(readImageInputs(join(root, "bad.json"))).rejects.toMatchObject({ code: "invalid-metadata" });
  });
});
