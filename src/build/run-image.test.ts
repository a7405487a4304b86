import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { GroupEntry } from "../cnb/group.js";
import { Logger } from "../log/logger.js";
import type { BuildInput } from "./inputs.js";
import { cgoMismatchWarning, readRunImageFacts } from "./run-image.js";

const goGroup = ["tilt-live/source", "paketo-buildpacks/go-dist", "paketo-buildpacks/go-build", "tilt-live"].map(
  (id) => ({ id, version: "1", api: "0.10", optional: false }) as GroupEntry,
);

async function fixture(runImage: string) {
  const root = await mkdtemp(join(tmpdir(), "tilt-live-run-image-"));
  const layers = join(root, "layers");
  const bin = join(root, "bin");
  await mkdir(layers);
  await mkdir(bin);
  await writeFile(join(bin, "gcc"), "#!/bin/sh\n");
  await chmod(join(bin, "gcc"), 0o755);
  await writeFile(join(layers, "analyzed.toml"), `[run-image]\n  reference = "sha256:abc"\n  image = "${runImage}"\n`);
  const runToml = join(root, "run.toml");
  await writeFile(runToml, '[[images]]\n  image = "stack-run:latest"\n');
  const input = (env: NodeJS.ProcessEnv, platformEnv: Record<string, string> = {}) =>
    ({ env: { PATH: bin, ...env }, platformEnv, logger: new Logger(process.stdout) }) as unknown as BuildInput;
  return { layers, runToml, input };
}

describe("cgoMismatchWarning", () => {
  it("warns for a Go build with gcc whose run image is the builder's, naming both fixes", async () => {
    const f = await fixture("stack-run:latest");
    const facts = await readRunImageFacts(f.layers, [f.runToml]);
    expect(facts).toEqual({ runImage: "stack-run:latest", builderRunImages: ["stack-run:latest"] });
    const warning = await cgoMismatchWarning(f.input({}), goGroup, facts);
    expect(warning).toContain("--run-image <the build image>");
    expect(warning).toContain("env_vars=['CGO_ENABLED=0']");
  });

  it("is quiet with another run image, a CGO_ENABLED the user set, no C compiler, or no Go", async () => {
    const other = await fixture("stack-build:latest");
    expect(await cgoMismatchWarning(other.input({}), goGroup, await readRunImageFacts(other.layers, [other.runToml]))).toBeUndefined();
    const f = await fixture("stack-run:latest");
    const facts = await readRunImageFacts(f.layers, [f.runToml]);
    expect(await cgoMismatchWarning(f.input({}, { CGO_ENABLED: "0" }), goGroup, facts)).toBeUndefined();
    expect(await cgoMismatchWarning(f.input({ PATH: "/nonexistent" }), goGroup, facts)).toBeUndefined();
    expect(await cgoMismatchWarning(f.input({}), goGroup.filter((bp) => !bp.id.includes("go-build")), facts)).toBeUndefined();
  });
});
