/**
 * Test helper: a temp dir laid out as the lifecycle lays out a build container: /cnb/buildpacks, the layers
 * root with group.toml, plan.toml and other buildpacks' layers, the platform dir and the app dir.
 */
import { mkdir, writeFile, chmod } from "node:fs/promises";
import { join } from "node:path";
import { Logger } from "../log/logger.js";
import { tempDir } from "./temp-dir.js";

export interface LifecycleFixture {
  root: string;
  cnbBuildpacks: string;
  layersRoot: string;
  platformDir: string;
  appDir: string;
  lifecyclePath: string;
  output: { text: string };
  logger: Logger;
  buildpackDir(id: string, version: string): string;
  env(id: string, version: string): NodeJS.ProcessEnv;
}

export const GO_GROUP = [
  { id: "tilt-live/source", version: "0.1.0" },
  { id: "paketo-buildpacks/go-dist", version: "2.6.0" },
  { id: "paketo-buildpacks/go-build", version: "2.2.0" },
  { id: "tilt-live", version: "0.1.0" },
];

export async function lifecycleFixture(group = GO_GROUP): Promise<LifecycleFixture> {
  const root = await tempDir("tilt-live-lifecycle-");
  const cnbBuildpacks = join(root, "cnb", "buildpacks");
  const layersRoot = join(root, "layers");
  const platformDir = join(root, "platform");
  const appDir = join(root, "workspace");
  const lifecyclePath = join(root, "cnb", "lifecycle", "lifecycle");
  for (const dir of [layersRoot, join(platformDir, "env"), appDir, join(root, "cnb", "lifecycle")]) {
    await mkdir(dir, { recursive: true });
  }
  await writeFile(lifecyclePath, "#!/bin/sh\necho fake lifecycle\n");
  await chmod(lifecyclePath, 0o755);
  const groupToml = group.map((bp) => `[[group]]\n  id = "${bp.id}"\n  version = "${bp.version}"\n  api = "0.10"\n`).join("\n");
  await writeFile(join(layersRoot, "group.toml"), groupToml);
  await writeFile(
    join(layersRoot, "plan.toml"),
    '[[entries]]\n  [[entries.providers]]\n    id = "paketo-buildpacks/go-dist"\n    version = "2.6.0"\n  [[entries.requires]]\n    name = "go"\n    [entries.requires.metadata]\n      build = true\n',
  );
  const buildpackDir = (id: string, version: string) => join(cnbBuildpacks, id.replaceAll("/", "_"), version);
  for (const bp of group) {
    const dir = buildpackDir(bp.id, bp.version);
    await mkdir(join(dir, "bin"), { recursive: true });
    await writeFile(join(dir, "buildpack.toml"), `api = "0.10"\n[buildpack]\n  id = "${bp.id}"\n  version = "${bp.version}"\n`);
    await writeFile(join(dir, "bin", bp.id.startsWith("tilt-live") ? "tilt-live" : "run"), `binary of ${bp.id}`);
  }
  const output = { text: "" };
  const logger = new Logger({
    write: (s: string) => {
      output.text += s;
      return true;
    },
  });
  return {
    root,
    cnbBuildpacks,
    layersRoot,
    platformDir,
    appDir,
    lifecyclePath,
    output,
    logger,
    buildpackDir,
    env: (id, version) => ({
      CNB_LAYERS_DIR: join(layersRoot, id.replaceAll("/", "_")),
      CNB_PLATFORM_DIR: platformDir,
      CNB_BUILDPACK_DIR: buildpackDir(id, version),
      CNB_BP_PLAN_PATH: join(root, `plan-${id.replaceAll("/", "_")}.toml`),
      CNB_PLATFORM_API: "0.14",
      PATH: "/usr/bin:/bin",
      HOME: "/home/cnb",
    }),
  };
}

/** Lays down what go-dist and go-build leave behind: a build/cache toolchain, a cache-only gocache, a launch binary. */
export async function goBuildpackLayers(f: LifecycleFixture): Promise<void> {
  const dist = join(f.layersRoot, "paketo-buildpacks_go-dist");
  await mkdir(join(dist, "go", "bin"), { recursive: true });
  await writeFile(join(dist, "go", "bin", "go"), "go toolchain");
  await writeFile(
    join(dist, "go.toml"),
    '[types]\n  build = true\n  cache = true\n  launch = false\n[metadata]\n  dependency-sha = "abc"\n',
  );
  const build = join(f.layersRoot, "paketo-buildpacks_go-build");
  await mkdir(join(build, "gocache", "00"), { recursive: true });
  await writeFile(join(build, "gocache", "00", "entry"), "cached object");
  await writeFile(join(build, "gocache.toml"), "[types]\n  cache = true\n");
  await mkdir(join(build, "targets", "bin"), { recursive: true });
  await writeFile(join(build, "targets", "bin", "app"), "app binary");
  await writeFile(join(build, "targets.toml"), '[types]\n  launch = true\n[metadata]\n  built_at = "now"\n');
  await writeFile(
    join(build, "launch.toml"),
    `[[processes]]\n  type = "web"\n  command = ["${join(build, "targets", "bin", "app")}"]\n  args = []\n  default = true\n  direct = true\n`,
  );
}
