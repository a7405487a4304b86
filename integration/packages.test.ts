// tilt-live as buildpacks ship: `npm run package -- --publish` into a registry on 127.0.0.1 (once per run, for every
// file that uses the packages: harness/packages-setup.ts), then used the way users use a buildpack package
// (docs/packages.md):
// - `pack build --buildpack docker://<registry>/tilt-live:<version>` on each sample, one flag, then a live update;
// - the same with `--buildpack <file>.cnb`;
// - `pack builder create` from a builder.toml whose buildpack is the docker:// package and whose order is the
//   meta-buildpack alone;
// - BP_TILT_LIVE_ENABLED=false with the one flag: a production image;
// - `--buildpack tilt-live` alone (no language group) fails detection and says what to write instead.
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { go, java, node, python, type LanguageProfile } from "../bench/languages.js";
import {
  ensurePlatform,
  imageLabel,
  lifecycleMetadata,
  listImageFiles,
  PackBuildError,
  packBuild,
  randomName,
  Resources,
  runContainer,
  stopContainer,
  TILT_LIVE_VERSION,
  waitForHttp,
  type Platform,
} from "./harness/index.js";
import { copySample, LIVE_GROUPS, syncFile, waitForBody } from "./harness/live.js";
import { packageFile, publishedPackages, type PublishedPackages } from "./harness/registry.js";
import { expectRebuild, failFast } from "./harness/suite.js";

const INDEX = "application/vnd.oci.image.index.v1+json";
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const DETECTING = /===> DETECTING/;
/** Offline builds that pull a `docker://` package once (the builder and run image are local: never pulled). */
const PULL_PACKAGE = ["--network", "none", "--pull-policy", "if-not-present", "--trust-builder"];

interface Manifest {
  mediaType: string;
  manifests?: { digest: string; platform: { os: string; architecture: string } }[];
  config?: { digest: string };
  layers?: { size: number; digest: string }[];
}

async function manifest(registry: string, repo: string, reference: string): Promise<{ body: Manifest; digest: string }> {
  const response = await fetch(`http://${registry}/v2/${repo}/manifests/${reference}`, {
    headers: { Accept: `${INDEX}, ${MANIFEST}` },
  });
  expect(response.status, `${repo}:${reference}`).toBe(200);
  return { body: (await response.json()) as Manifest, digest: response.headers.get("docker-content-digest") ?? "" };
}

/** Buildpacks of the meta-buildpack compiled per target (Go binaries, or a toolchain inside). */
const ARCH_BUILDS = [
  "tilt-live",
  "tilt-live/source",
  "paketo-buildpacks/go-dist",
  "paketo-buildpacks/go-build",
  "paketo-buildpacks/node-engine",
  "paketo-buildpacks/npm-install",
  "paketo-buildpacks/pip-install",
  "paketo-buildpacks/procfile",
  "paketo-buildpacks/syft",
  "paketo-buildpacks/maven",
  "paketo-buildpacks/spring-boot",
];
/** Stand-ins that are scripts over the stack's own packages: one build serves every target. */
const SHARED_SCRIPTS = ["paketo-buildpacks/cpython", "paketo-buildpacks/pip", "tilt-live/debian-openjdk"];
const ELF_X86_64 = 62;
const ELF_AARCH64 = 183;

interface MetaImage {
  config: { architecture: string; config: { Labels: Record<string, string> }; rootfs: { diff_ids: string[] } };
  /** Buildpack id -> the diff id of its layer. */
  buildpacks: Map<string, string>;
  /** Layer diff id -> its blob's digest. */
  blobs: Map<string, string>;
  bytes: number;
}

/** One target's image of the meta-buildpack: its config, and each buildpack's layer. */
async function metaImage(registry: string, digest: string): Promise<MetaImage> {
  const { body } = await manifest(registry, "tilt-live", digest);
  const config = (await (await fetch(`http://${registry}/v2/tilt-live/blobs/${body.config?.digest}`)).json()) as MetaImage["config"];
  const layers = JSON.parse(config.config.Labels["io.buildpacks.buildpack.layers"] ?? "{}") as Record<
    string,
    Record<string, { layerDiffID?: string }>
  >;
  const buildpacks = new Map<string, string>();
  for (const [id, versions] of Object.entries(layers)) {
    for (const info of Object.values(versions)) buildpacks.set(id, info.layerDiffID ?? "");
  }
  const blobs = new Map(config.rootfs.diff_ids.map((diffId, i) => [diffId, body.layers?.[i]?.digest ?? ""]));
  return { config, buildpacks, blobs, bytes: (body.layers ?? []).reduce((sum, layer) => sum + layer.size, 0) };
}

/** The ELF machine (e_machine) of FILE in the buildpack ID's layer of the image: fetched, unpacked with tar. */
async function elfMachine(registry: string, image: MetaImage, id: string, file: string): Promise<number> {
  const blob = image.blobs.get(image.buildpacks.get(id) ?? "");
  expect(blob, `${id}'s layer`).toBeTruthy();
  const response = await fetch(`http://${registry}/v2/tilt-live/blobs/${blob}`);
  const layer = path.join(await mkdtemp(path.join(os.tmpdir(), "tl-layer-")), "layer.tgz");
  await writeFile(layer, Buffer.from(await response.arrayBuffer()));
  try {
    const member = (await execa("tar", ["-tzf", layer])).stdout.split("\n").find((name) => name.endsWith(`/${file}`));
    expect(member, `${file} in ${id}'s layer`).toBeTruthy();
    const header = Buffer.from((await execa("tar", ["-xzOf", layer, member as string], { encoding: "buffer" })).stdout);
    expect(header.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    return header.readUInt16LE(18);
  } finally {
    await rm(path.dirname(layer), { recursive: true, force: true });
  }
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Runs the dev image, expects v1, live-updates the profile's file to v2 (sync, then rebuild) and expects v2. */
async function expectLiveUpdate(
  resources: Resources,
  platform: Platform,
  image: string,
  app: string,
  profile: LanguageProfile,
): Promise<void> {
  const container = await runContainer(resources, {
    image,
    containerPort: profile.containerPort,
    env: { TILT_LIVE_WATCH: "false" },
    ...(profile.runArgs ? { args: profile.runArgs(platform) } : {}),
  });
  expect(await waitForHttp(container, "/", 60_000)).toBe("v1\n");
  await syncFile(container.name, app, profile.file, (text) => profile.setMessage(text, "v2"));
  await expectRebuild(container.name);
  await waitForBody(container, "v2\n");
  await stopContainer(container.name, 10);
}

describe.sequential("tilt-live as OCI buildpackages: the meta-buildpack by one name", () => {
  const resources = new Resources();
  failFast();
  let platform: Platform;
  let published: PublishedPackages;
  const timeToDetect: Record<string, number> = {};

  beforeAll(async () => {
    platform = await ensurePlatform();
    published = publishedPackages();
    // pack pulls a docker:// package into the daemon before it builds: removed with the rest.
    resources.image(published.meta);
  });

  afterAll(async () => {
    await resources.cleanup();
    await resources.assertNoLeaks();
  });

  it("pushes an image index per buildpack (linux/amd64 + linux/arm64), the meta-buildpack's with each target's builds, tagged with package.json's version, and a .cnb per target", async () => {
    const reg = published.registry;
    for (const repo of ["tilt-live/source", "tilt-live/live"]) {
      const { body, digest } = await manifest(reg, repo, TILT_LIVE_VERSION);
      expect(body.mediaType).toBe(INDEX);
      expect(body.manifests?.map((m) => `${m.platform.os}/${m.platform.architecture}`).sort()).toEqual(["linux/amd64", "linux/arm64"]);
      expect(digest).toBe(published.digests[`${reg}/${repo}:${TILT_LIVE_VERSION}`]);
      for (const entry of body.manifests ?? []) {
        const { body: image } = await manifest(reg, repo, entry.digest);
        const bytes = (image.layers ?? []).reduce((sum, layer) => sum + layer.size, 0);
        console.log(`[packages] ${repo}:${TILT_LIVE_VERSION} linux/${entry.platform.architecture}: ${mib(bytes)} compressed`);
      }
    }
    // The meta-buildpack: an index too, each target's image bundling that target's builds of every buildpack its order
    // names (pack requires them all of a composite).
    const meta = await manifest(reg, "tilt-live", TILT_LIVE_VERSION);
    expect(meta.body.mediaType).toBe(INDEX);
    expect(meta.digest).toBe(published.digests[published.meta]);
    const byArch = new Map<string, MetaImage>();
    for (const entry of meta.body.manifests ?? []) byArch.set(entry.platform.architecture, await metaImage(reg, entry.digest));
    expect([...byArch.keys()].sort()).toEqual(["amd64", "arm64"]);
    for (const [arch, image] of byArch) {
      expect(image.config.architecture).toBe(arch);
      expect(JSON.parse(image.config.config.Labels["io.buildpacks.buildpackage.metadata"] ?? "{}")).toMatchObject({
        id: "tilt-live/dev",
        version: TILT_LIVE_VERSION,
      });
      expect([...image.buildpacks.keys()]).toEqual(expect.arrayContaining([...ARCH_BUILDS, ...SHARED_SCRIPTS]));
      console.log(
        `[packages] tilt-live:${TILT_LIVE_VERSION} (meta) linux/${arch}: ${mib(image.bytes)} compressed, ${image.buildpacks.size} buildpacks`,
      );
    }
    const [amd64, arm64] = [byArch.get("amd64") as MetaImage, byArch.get("arm64") as MetaImage];
    // Compiled buildpacks and toolchains differ per target; the stand-ins that are scripts over the stack's packages
    // are the same layer in both.
    for (const id of ARCH_BUILDS) expect(arm64.buildpacks.get(id), id).not.toBe(amd64.buildpacks.get(id));
    for (const id of SHARED_SCRIPTS) expect(arm64.buildpacks.get(id), id).toBe(amd64.buildpacks.get(id));
    // And the arm64 image's go-build is an AArch64 executable.
    expect(await elfMachine(reg, arm64, "paketo-buildpacks/go-build", "bin/run")).toBe(ELF_AARCH64);
    expect(await elfMachine(reg, amd64, "paketo-buildpacks/go-build", "bin/run")).toBe(ELF_X86_64);
    for (const [name, arches] of [
      ["tilt-live", ["amd64", "arm64"]],
      ["tilt-live-source", ["amd64", "arm64"]],
      ["tilt-live-live", ["amd64", "arm64"]],
    ] as const) {
      for (const arch of arches) {
        const file = packageFile(name, arch);
        console.log(`[packages] ${path.basename(file)}: ${mib((await stat(file)).size)}`);
      }
    }
  });

  const oneFlag = (profile: LanguageProfile) => async () => {
    const app = await copySample(profile.sample);
    const image = randomName(`pkg-${profile.name}`);
    const built = await packBuild(platform, resources, {
      image,
      path: app,
      timeTo: DETECTING,
      args: [
        ...PULL_PACKAGE,
        "--run-image",
        platform.buildImage,
        "--buildpack",
        `docker://${published.meta}`,
        ...(profile.buildArgs?.(platform) ?? []),
      ],
    });
    timeToDetect[profile.name] = built.timeToMs ?? Number.NaN;
    console.log(
      `[packages] ${profile.name}: pack build → DETECTING ${((built.timeToMs ?? 0) / 1000).toFixed(1)} s, whole build ${(built.durationMs / 1000).toFixed(1)} s`,
    );
    // The group the meta-buildpack's order chose: the sample's language group inside tilt-live's two parts.
    const keys = (await lifecycleMetadata(image)).buildpacks?.map((bp) => bp.key) ?? [];
    expect(keys[0]).toBe("tilt-live/source");
    expect(keys.at(-1)).toBe("tilt-live");
    const language = LIVE_GROUPS[profile.name as keyof typeof LIVE_GROUPS].slice(1, -1).filter((id) => id !== "paketo-buildpacks/procfile");
    expect(keys).toEqual(expect.arrayContaining(language));
    await expectLiveUpdate(resources, platform, image, app, profile);
  };

  it(
    "`--buildpack docker://<registry>/tilt-live:<version>` on samples/go: the Go group inside tilt-live, live-updated",
    oneFlag(go),
    900_000,
  );
  it("the same flag on samples/node", oneFlag(node), 900_000);
  it("the same flag on samples/python", oneFlag(python), 900_000);
  it("the same flag on samples/java (with the Maven binding the sample needs)", oneFlag(java), 900_000);

  it("the parts alone around the builder's order: `--pre-buildpack docker://…/tilt-live/source --post-buildpack docker://…/tilt-live/live` on samples/node", async () => {
    const app = await copySample("samples/node");
    const image = randomName("pkg-parts");
    // The part images are indexes: pack pulls the daemon's platform, linux/amd64.
    resources.image(published.source);
    resources.image(published.live);
    const built = await packBuild(platform, resources, {
      image,
      path: app,
      timeTo: DETECTING,
      args: [
        ...PULL_PACKAGE,
        ...["--run-image", platform.buildImage],
        ...["--pre-buildpack", `docker://${published.source}`, "--post-buildpack", `docker://${published.live}`],
      ],
    });
    timeToDetect["node (parts, pre/post)"] = built.timeToMs ?? Number.NaN;
    console.log(
      `[packages] node, parts as pre/post: pack build → DETECTING ${((built.timeToMs ?? 0) / 1000).toFixed(1)} s, whole build ${(built.durationMs / 1000).toFixed(1)} s`,
    );
    expect((await lifecycleMetadata(image)).buildpacks?.map((bp) => bp.key)).toEqual(LIVE_GROUPS.node);
    await expectLiveUpdate(resources, platform, image, app, node);
  });

  it("`--buildpack <file>.cnb`: the meta-buildpack's linux/amd64 file builds samples/python, live-updated", async () => {
    const app = await copySample("samples/python");
    const image = randomName("pkg-cnb");
    const file = packageFile("tilt-live", "amd64");
    await packBuild(platform, resources, {
      image,
      path: app,
      args: ["--network", "none", "--pull-policy", "never", "--trust-builder", "--run-image", platform.buildImage, "--buildpack", file],
    });
    const keys = (await lifecycleMetadata(image)).buildpacks?.map((bp) => bp.key) ?? [];
    expect(keys).toEqual(LIVE_GROUPS.python);
    await expectLiveUpdate(resources, platform, image, app, python);
  });

  it("`pack builder create` from docker:// package refs: the meta-buildpack as the whole order builds a dev image with a Tiltfile and a production image without", async () => {
    const builder = resources.image(randomName("pkg-builder"));
    const toml = path.join(await copySample("samples/node"), "..", "builder.toml");
    await writeFile(
      toml,
      `[[buildpacks]]\n  uri = "docker://${published.meta}"\n\n` +
        `[[order]]\n  [[order.group]]\n    id = "tilt-live/dev"\n    version = "${TILT_LIVE_VERSION}"\n\n` +
        `[lifecycle]\n  uri = "${platform.lifecycleTgz}"\n\n` +
        `[stack]\n  id = "${platform.stackId}"\n  build-image = "${platform.buildImage}"\n  run-image = "${platform.runImage}"\n\n` +
        `[build]\n  image = "${platform.buildImage}"\n\n[run]\n  [[run.images]]\n    image = "${platform.runImage}"\n`,
    );
    const created = await execa(platform.pack, ["builder", "create", builder, "--config", toml, "--pull-policy", "if-not-present"], {
      env: { PACK_HOME: platform.packHome },
      all: true,
      reject: false,
    });
    expect(created.exitCode, created.all).toBe(0);
    const offline = ["--network", "none", "--pull-policy", "never", "--trust-builder", "--run-image", platform.buildImage];

    const dev = randomName("pkg-builder-dev");
    const app = await copySample("samples/node");
    await packBuild(platform, resources, { image: dev, path: app, builder, args: offline });
    expect((await lifecycleMetadata(dev)).buildpacks?.map((bp) => bp.key)).toEqual(LIVE_GROUPS.node);
    await expectLiveUpdate(resources, platform, dev, app, node);

    // No Tiltfile: tilt-live's parts are optional in the meta-buildpack's order, so the Node.js group builds alone.
    const production = randomName("pkg-builder-prod");
    const plain = await copySample("samples/node");
    await execa("rm", [path.join(plain, "Tiltfile")]);
    await packBuild(platform, resources, { image: production, path: plain, builder, args: offline });
    expect((await lifecycleMetadata(production)).buildpacks?.map((bp) => bp.key)).toEqual(LIVE_GROUPS.node.slice(1, -1));
  });

  it("BP_TILT_LIVE_ENABLED=false with the one flag gives a clean production image: no tilt-live in the group, the layers or the processes", async () => {
    const image = randomName("pkg-disabled");
    await packBuild(platform, resources, {
      image,
      path: await copySample("samples/node"),
      args: [...PULL_PACKAGE, "--buildpack", `docker://${published.meta}`, "--env", "BP_TILT_LIVE_ENABLED=false"],
    });
    expect((await lifecycleMetadata(image)).buildpacks?.map((bp) => bp.key)).toEqual(LIVE_GROUPS.node.slice(1, -1));
    const build = JSON.parse((await imageLabel(image, "io.buildpacks.build.metadata")) ?? "{}") as {
      buildpacks: { id: string }[];
      processes: unknown[];
    };
    expect(build.buildpacks.map((bp) => bp.id)).toEqual(LIVE_GROUPS.node.slice(1, -1));
    expect(build.processes.length).toBeGreaterThan(0);
    expect(JSON.stringify(build.processes)).not.toContain("tilt-live");
    expect((await listImageFiles(resources, image)).filter((file) => file.includes("tilt-live"))).toEqual([]);
    const container = await runContainer(resources, { image, containerPort: 8080 });
    expect(await waitForHttp(container)).toBe("v1\n");
  });

  it("`--buildpack tilt-live` alone fails detection and says to name the meta-buildpack instead", async () => {
    const error = await packBuild(platform, resources, {
      image: randomName("pkg-alone"),
      path: await copySample("samples/go"),
      args: ["--network", "none", "--pull-policy", "never", "--trust-builder", "--buildpack", "tilt-live"],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackBuildError);
    const { log } = error as PackBuildError;
    expect(log).toContain(
      "tilt-live: skip: no language buildpack runs with tilt-live in /cnb/order.toml: the image would have no app and no process.",
    );
    expect(log).toContain("`--buildpack docker://<registry>/tilt-live:<version>`");
    expect(log).toContain("ERROR: No buildpack groups passed detection.");
  });

  it("reports pack build → detection for the package ref (the checkout form tars the whole checkout first)", () => {
    // Printed for the closing note and docs/packages.md; the checkout's own figure comes from pack-forms.test.ts.
    console.log(`[packages] pack build → DETECTING with the package ref: ${JSON.stringify(timeToDetect)} ms`);
    expect(Object.keys(timeToDetect).sort()).toEqual(["go", "java", "node", "node (parts, pre/post)", "python"]);
    expect(Object.values(timeToDetect).every((ms) => Number.isFinite(ms) && ms > 0)).toBe(true);
  });
});
