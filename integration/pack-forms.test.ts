// The forms users type (issue 13, part 0), on samples/go:
// - `pack build --buildpack ./tilt-live/buildpacks/source ... --buildpack ./tilt-live`, the checkout itself after
//   `npm run build`: the image live-updates, and none of the checkout's node_modules, dist or .git goes into it;
// - the same command with BP_TILT_LIVE_ENABLED=false, and `--pre/--post-buildpack` through project.toml with it:
//   tilt-live is required there, so it passes detect and contributes nothing: no tilt-live file, layer or
//   wrapped process; only the group in the labels still names it.
import { lstat, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import {
  dockerExec,
  imageLabel,
  lifecycleMetadata,
  listImageFiles,
  packBuild,
  randomName,
  repoRoot,
  runContainer,
  waitForHttp,
} from "./harness/index.js";
import { copySample, LIVE_GROUPS, OFFLINE, REBUILD, syncFile, waitForBody } from "./harness/live.js";
import { liveSuite } from "./harness/suite.js";

/** The checkout as pack sees it: `--buildpack ./tilt-live --buildpack ./tilt-live/buildpacks/source`. */
const checkoutGroup = [
  "--buildpack",
  path.join(repoRoot, "buildpacks/source"),
  ...LIVE_GROUPS.go.slice(1, -1).flatMap((bp) => ["--buildpack", bp]),
  "--buildpack",
  repoRoot,
];

/** Bytes pack puts into its tar of `dir` (every file, a hard-linked inode once), and the share of each top entry. */
async function tarBytes(dir: string, seen = new Set<number>()): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) {
    const st = await lstat(path.join(dir, name));
    if (st.isDirectory()) total += await tarBytes(path.join(dir, name), seen);
    else if (st.isFile() && !seen.has(st.ino)) {
      seen.add(st.ino);
      total += st.size;
    }
  }
  return total;
}

interface BuildMetadata {
  buildpacks: Array<{ id: string; version: string }>;
  processes: Array<{ type: string; command: string[] | string; args?: string[] }>;
}

async function buildMetadata(image: string): Promise<BuildMetadata> {
  return JSON.parse((await imageLabel(image, "io.buildpacks.build.metadata")) ?? "{}") as BuildMetadata;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

describe("pack build with the checkout as the buildpacks, for development and production", () => {
  const suite = liveSuite("samples/go");

  it("`--buildpack ./tilt-live` (the checkout) builds a dev image that live-updates, without the checkout's extras", async () => {
    const image = randomName("checkout");
    const { durationMs, timeToMs } = await packBuild(suite.platform, suite.resources, {
      image,
      path: suite.app,
      timeTo: /===> DETECTING/,
      args: [...OFFLINE, "--trust-extra-buildpacks", "--run-image", suite.platform.buildImage, ...checkoutGroup],
    });
    const seen = new Set<number>();
    const parts = await Promise.all(
      ["node_modules", "dist", ".git"].map(async (d) => [d, await tarBytes(path.join(repoRoot, d), seen).catch(() => 0)] as const),
    );
    console.log(
      `pack build with the checkout as tilt-live: ${(durationMs / 1000).toFixed(1)} s (${((timeToMs ?? 0) / 1000).toFixed(1)} s to DETECTING, ` +
        `packages.test.ts prints the package ref's); pack tars ${mb(await tarBytes(repoRoot))} of it ` +
        `(${parts.map(([d, n]) => `${d} ${mb(n)}`).join(", ")})`,
    );
    const files = await listImageFiles(suite.resources, image);
    const own = files
      .filter((f) => /^layers\/tilt-live\/buildpacks\/tilt-live(_source)?\/[^/]+\/[^/]+/.test(f))
      .map((f) => f.split("/").slice(5, 6)[0]!.replace(/\/$/, ""));
    expect([...new Set(own)].sort()).toEqual(["bin", "buildpack.toml"]);
    const app = await runContainer(suite.resources, { image, containerPort: 8080 });
    expect(await waitForHttp(app)).toBe("v1\n");
    await syncFile(app.name, suite.app, "main.go", (text) => text.replace('"v1"', '"v2"'));
    const rebuild = await dockerExec(app.name, [REBUILD]);
    expect(rebuild.exitCode, rebuild.stdout + rebuild.stderr).toBe(0);
    await waitForBody(app, "v2\n");
  });

  async function expectProductionImage(image: string, log: string): Promise<void> {
    expect(log).toContain("BP_TILT_LIVE_ENABLED=false: contributing no layer and no process");
    const files = await listImageFiles(suite.resources, image);
    expect(files.filter((f) => /tilt-live/.test(f))).toEqual([]);
    // What remains: both buildpacks are group members, so the lifecycle lists them, each with no layer.
    const lifecycle = await lifecycleMetadata(image);
    for (const key of ["tilt-live/source", "tilt-live"]) {
      const entry = lifecycle.buildpacks?.find((bp) => bp.key === key);
      expect(entry, JSON.stringify(lifecycle.buildpacks)).toBeDefined();
      expect(Object.keys(entry!.layers ?? {})).toEqual([]);
    }
    const build = await buildMetadata(image);
    expect(build.buildpacks.map((bp) => bp.id)).toEqual(expect.arrayContaining(["tilt-live/source", "tilt-live"]));
    expect(build.processes.length).toBeGreaterThan(0);
    expect(JSON.stringify(build.processes)).not.toContain("tilt-live");
    const labels = await execa("docker", ["image", "inspect", "--format", "{{json .Config.Labels}}", image]);
    expect(labels.stdout).not.toContain("layers/tilt-live");
    expect(labels.stdout).not.toContain("tilt-live-supervise");
    console.log(
      `production image ${image}: labels keep ${JSON.stringify(lifecycle.buildpacks?.filter((bp) => bp.key.startsWith("tilt-live")))}`,
    );
    const app = await runContainer(suite.resources, { image, containerPort: 8080 });
    expect(await waitForHttp(app)).toBe("v1\n");
    const ps = await dockerExec(app.name, ["cat", "/proc/1/cmdline"]);
    expect(ps.stdout).not.toContain("tilt-live");
  }

  it("the same command with BP_TILT_LIVE_ENABLED=false gives a production image", async () => {
    const image = randomName("checkout-prod");
    const { log } = await packBuild(suite.platform, suite.resources, {
      image,
      path: await copySample("samples/go"),
      args: [...OFFLINE, "--trust-extra-buildpacks", ...checkoutGroup, "--env", "BP_TILT_LIVE_ENABLED=false"],
    });
    await expectProductionImage(image, log);
  });

  it("project.toml pre/post groups with BP_TILT_LIVE_ENABLED=false give a production image", async () => {
    const image = randomName("project-prod");
    const app = await copySample("samples/go");
    await writeFile(
      path.join(app, "project.toml"),
      '[_]\nschema-version = "0.2"\n\n[[io.buildpacks.pre.group]]\nid = "tilt-live/source"\n\n' +
        '[[io.buildpacks.post.group]]\nid = "tilt-live"\n\n[[io.buildpacks.build.env]]\nname = "BP_TILT_LIVE_ENABLED"\nvalue = "false"\n',
    );
    const { log } = await packBuild(suite.platform, suite.resources, { image, path: app, args: OFFLINE });
    await expectProductionImage(image, log);
  });

  it("leaves no container, image or volume behind", async () => {
    await suite.resources.cleanup();
    await suite.resources.assertNoLeaks();
  });
});
