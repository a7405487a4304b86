import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing/temp-dir.js";
import type { GroupEntry } from "../cnb/group.js";
import type { BuildInput } from "../buildpack/inputs.js";
import { goUsedCgo, hasCCompiler } from "./go-cgo.js";

const goGroup = ["tilt-live/source", "paketo-buildpacks/go-dist", "paketo-buildpacks/go-build", "tilt-live"].map(
  (id) => ({ id, version: "1", api: "0.10", optional: false }) as GroupEntry,
);

async function binWithGcc(): Promise<string> {
  const bin = join(await tempDir("tilt-live-cc-"), "bin");
  await mkdir(bin);
  await writeFile(join(bin, "gcc"), "#!/bin/sh\n");
  await chmod(join(bin, "gcc"), 0o755);
  return bin;
}

const input = (env: NodeJS.ProcessEnv, platformEnv: Record<string, string> = {}) => ({ env, platformEnv }) as unknown as BuildInput;

describe("goUsedCgo", () => {
  it("is true for a Go group built with a C compiler on the PATH and CGO_ENABLED left to Go", async () => {
    const bin = await binWithGcc();
    expect(await hasCCompiler(`/nonexistent:${bin}`)).toBe(true);
    expect(await goUsedCgo(input({ PATH: bin }), goGroup)).toBe(true);
  });

  it("is false with CGO_ENABLED set by the user (recorded for the rebuild), no C compiler, or no Go", async () => {
    const bin = await binWithGcc();
    expect(await goUsedCgo(input({ PATH: bin }, { CGO_ENABLED: "0" }), goGroup)).toBe(false);
    expect(await goUsedCgo(input({ PATH: bin, CGO_ENABLED: "1" }), goGroup)).toBe(false);
    expect(await goUsedCgo(input({ PATH: "/nonexistent" }), goGroup)).toBe(false);
    expect(
      await goUsedCgo(
        input({ PATH: bin }),
        goGroup.filter((bp) => !bp.id.endsWith("go-build")),
      ),
    ).toBe(false);
  });
});
