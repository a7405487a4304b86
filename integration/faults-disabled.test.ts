// Case 13 of the Reliability table: BP_TILT_LIVE_ENABLED=false keeps tilt-live out of the image even though
// the app has a Tiltfile. This needs a builder whose order has tilt-live/source and tilt-live as optional
// members (with `--buildpack` or `--pre/--post-buildpack` pack makes them required, so a failed detect fails
// the build): the test makes one from the platform builder's own builder.toml.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cacheDir,
  ensurePlatform,
  lifecycleMetadata,
  listImageFiles,
  packBuild,
  randomName,
  repoRoot,
  Resources,
  runContainer,
  waitForHttp,
  type Platform,
} from "./harness/index.js";
import { OFFLINE } from "./harness/live.js";
import { parseToml, stringifyToml } from "../src/cnb/toml.js";
import { failFast } from "./harness/suite.js";

/** The platform builder's builder.toml with tilt-live/source first and tilt-live last in every group, optional. */
async function optionalTiltLiveBuilderToml(): Promise<string> {
  const dir = path.join(cacheDir(), "platform", "builder");
  const current = (await readFile(path.join(dir, "current"), "utf8")).trim();
  const file = path.join(dir, `builder-${current.split(":").at(-1)}.toml`);
  const config = parseToml(await readFile(file, "utf8"), file);
  const version = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")).version as string;
  const member = (id: string) => ({ id, version, optional: true });
  const order = config.order as Array<{ group: unknown[] }>;
  for (const entry of order) entry.group = [member("tilt-live/source"), ...entry.group, member("tilt-live")];
  return stringifyToml(config);
}

describe.sequential("BP_TILT_LIVE_ENABLED=false with a Tiltfile", () => {
  failFast();
  const resources = new Resources();
  let platform: Platform;
  let builder: string;
  let image: string;
  let log: string;

  beforeAll(async () => {
    platform = await ensurePlatform();
    const work = await mkdtemp(path.join(tmpdir(), "tilt-live-disabled-"));
    const config = path.join(work, "builder.toml");
    await writeFile(config, await optionalTiltLiveBuilderToml());
    builder = resources.image(randomName("builder"));
    await execa(platform.pack, ["builder", "create", builder, "--config", config, "--pull-policy", "never"], {
      env: { PACK_HOME: platform.packHome, NO_COLOR: "1" },
    });
    image = randomName("disabled");
    ({ log } = await packBuild(platform, resources, {
      image,
      builder,
      path: path.join(repoRoot, "samples/go"),
      args: [...OFFLINE, "--run-image", platform.buildImage, "--env", "BP_TILT_LIVE_ENABLED=false"],
    }));
  });

  afterAll(async () => {
    await resources.cleanup();
  });

  it("tilt-live was in the order, saw the Tiltfile, and stepped aside", async () => {
    const { stdout } = await execa("docker", [
      "image",
      "inspect",
      "--format",
      '{{index .Config.Labels "io.buildpacks.builder.metadata"}}',
      builder,
    ]);
    expect(stdout).toContain('"id":"tilt-live"');
    expect(stdout).toContain('"id":"tilt-live/source"');
    // "3 of 5 buildpacks participating": both tilt-live buildpacks were tried (the sample has a Tiltfile) and failed detect.
    const detected = /(\d+) of (\d+) buildpacks participating\n((?:.+\n)*?)===>/.exec(log);
    expect(detected, log).not.toBeNull();
    expect(Number(detected![2]) - Number(detected![1])).toBeGreaterThanOrEqual(2);
    expect(detected![3]).toContain("paketo-buildpacks/go-build");
    expect(detected![3]).not.toContain("tilt-live");
    expect(await readFile(path.join(repoRoot, "samples/go/Tiltfile"), "utf8")).not.toBe("");
  });

  it("the image holds no file, layer, label entry or process of tilt-live, and the app runs directly", async () => {
    const metadata = await lifecycleMetadata(image);
    const keys = metadata.buildpacks?.map((bp) => bp.key) ?? [];
    expect(keys).toContain("paketo-buildpacks/go-build");
    expect(keys.filter((key) => key.startsWith("tilt-live"))).toEqual([]);
    const labels = await execa("docker", ["image", "inspect", "--format", "{{json .Config.Labels}}", image]);
    expect(labels.stdout).not.toContain("layers/tilt-live");
    expect(labels.stdout).not.toContain("tilt-live-supervise");
    const files = await listImageFiles(resources, image);
    expect(files.filter((f) => f.startsWith("layers/tilt-live"))).toEqual([]);
    expect(files.filter((f) => /tilt-live/.test(f))).toEqual([]);
    const app = await runContainer(resources, { image, containerPort: 8080 });
    expect(await waitForHttp(app)).toBe("v1\n");
  });

  it("leaves no container, image or volume behind", async () => {
    await resources.cleanup();
    await resources.assertNoLeaks();
  });
});
