// `skaffold dev` (Skaffold built by scripts/platform/skaffold.sh) with the Docker deployer on samples/go and
// samples/node, with the README's skaffold.yaml: a `buildpacks` artifact with `sync: auto: true`, built by the Skaffold builder variant
// (scripts/platform/builder.sh skaffold: Platform API 0.8, so the image label carries tilt-live's devmode sync
// rules), its run image the `requires` alias of a one-line Dockerfile artifact (Skaffold pulls builder and run
// image before the first build otherwise, and nothing here serves them). Skaffold sets GOOGLE_DEVMODE=1 for the
// build, so the supervisor watches the sync target and rebuilds in the container. Checks: an edit is synced and
// served with no image build (Skaffold's output and the container's image) on the path the change calls for (a
// rebuild for Go, a restart only for a .js file), a compile or syntax error keeps the old app serving,
// project.toml (which the rules leave out) makes Skaffold build a new image.
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerLogs, imageLabel } from "./harness/index.js";
import { LIVE_GROUPS, SYNC_TARGET } from "./harness/live.js";
import {
  prepareSkaffold,
  SkaffoldDev,
  skaffoldBinary,
  skaffoldLeftovers,
  skaffoldNetworks,
  type SkaffoldProject,
} from "./harness/skaffold.js";
import { liveSuite } from "./harness/suite.js";
import { dockerLines, getText, seconds, waitForAnswer } from "./harness/tilt-session.js";

/** One sample under `skaffold dev`: its group, the file the tests edit, and the path an edit of it takes. */
interface SkaffoldCase {
  sample: string;
  group: readonly string[];
  /** Holds `const message = "v1"`, which GET / answers. */
  file: string;
  /** The supervisor's line for a good edit of `file` (the watcher's rebuild). */
  succeeded: RegExp;
}

const CASES: SkaffoldCase[] = [
  { sample: "samples/go", group: LIVE_GROUPS.go, file: "main.go", succeeded: /\[tilt-live\] rebuild #\d+ succeeded/ },
  {
    sample: "samples/node",
    group: LIVE_GROUPS.node,
    file: "server.js",
    succeeded: /\[tilt-live\] rebuild #\d+ \(restart only\) succeeded/,
  },
];

/** The image's ID, or "" when no image has that name. */
async function imageId(ref: string): Promise<string> {
  return (await dockerLines(["image", "ls", "--no-trunc", "--format", "{{.ID}}", ref]))[0] ?? "";
}

interface DevmodeBom {
  name?: string;
  metadata?: { "devmode.sync"?: { src: string; dest: string }[] };
}

for (const { sample, group, file, succeeded } of CASES)
  describe.sequential(`skaffold dev with sync: auto on a tilt-live image (${sample}, Docker deployer)`, () => {
    const suite = liveSuite(sample);
    let project: SkaffoldProject;
    let appImage: string;
    let url: string;
    let dev: SkaffoldDev | undefined;
    let networksBefore: string[] = [];
    let buildImageId = "";

    const devLog = () => dev?.log ?? "";
    const builds = () => devLog().split(`Building [${appImage}]...`).length - 1;
    const edit = async (file: string, change: (text: string) => string): Promise<number> => {
      const local = path.join(suite.app, file);
      await writeFile(local, change(await readFile(local, "utf8").catch(() => "")));
      return Date.now();
    };
    /** The app container Skaffold runs (named after the image) and the image it runs. */
    const deployed = async (): Promise<{ id: string; image: string }> => {
      const [line = ""] = await dockerLines(["ps", "--filter", `name=^/${appImage}$`, "--format", "{{.ID}}"]);
      if (line === "") return { id: "", image: "" };
      const inspected = await execa("docker", ["container", "inspect", "--format", "{{.Image}}", line], { reject: false });
      return { id: line, image: inspected.stdout.trim() };
    };
    const rebuildsDone = async (): Promise<number> =>
      ((await containerLogs(appImage)).match(/\[tilt-live\] rebuild #\d+ (\(restart only\) )?(succeeded|failed)/g) ?? []).length;
    const context = async () => (dev ? dev.context() : "");

    beforeAll(async () => {
      const skaffold = await skaffoldBinary();
      buildImageId = await imageId(suite.platform.buildImage);
      project = await prepareSkaffold(suite.platform, suite.app, group);
      ({ appImage, url } = project);
      dev = new SkaffoldDev(skaffold, project);
      networksBefore = await skaffoldNetworks();
    });

    afterAll(async () => {
      await dev?.stop();
      try {
        if (project) expect(await skaffoldLeftovers(project, networksBefore)).toEqual([]);
      } finally {
        // Skaffold's images (name:latest and name:<sha256>, both artifacts) and pack's cache volumes carry the run prefix.
        await suite.resources.cleanup();
        await suite.resources.assertNoLeaks();
        // The platform's build image (the run-image artifact's base) outlives Skaffold's cleanup and ours.
        expect(await imageId(suite.platform.buildImage)).toBe(buildImageId);
        await rm(path.dirname(suite.app), { recursive: true, force: true });
      }
    });

    it("builds the image once with the Skaffold builder, deploys it and serves v1; the label carries the sync rules", async () => {
      dev!.start();
      await waitForAnswer(url, "v1\n", Date.now(), 240_000, context);
      expect(await dev!.watching(30_000)).toBe(true);
      expect(builds()).toBe(1);
      // GOOGLE_DEVMODE=1 (set by Skaffold) turned the supervisor's watcher on.
      expect(await containerLogs(appImage)).toContain(`[tilt-live] watching ${SYNC_TARGET}`);
      const metadata = JSON.parse((await imageLabel((await deployed()).image, "io.buildpacks.build.metadata")) ?? "{}");
      const devmode = ((metadata.bom ?? []) as DevmodeBom[]).find((b) => b.name === "devmode");
      const rules = devmode?.metadata?.["devmode.sync"] ?? [];
      expect(rules.length).toBeGreaterThan(0);
      expect(new Set(rules.map((r) => r.dest))).toEqual(new Set([SYNC_TARGET]));
    });

    it(`an edit of ${file} is synced by Skaffold, rebuilt (or restarted) in the container and served: no image build`, async () => {
      const before = await deployed();
      const times: number[] = [];
      for (const [from, to] of [
        ["v1", "v2"],
        ["v2", "v3"],
      ] as const) {
        const syncs = devLog().split("Syncing 1 files for").length;
        const editedAt = await edit(file, (text) => text.replace(`const message = "${from}"`, `const message = "${to}"`));
        times.push(await waitForAnswer(url, `${to}\n`, editedAt, 120_000, context));
        expect(devLog().split("Syncing 1 files for").length).toBe(syncs + 1);
      }
      expect(builds()).toBe(1);
      expect(await deployed()).toEqual(before);
      expect(await containerLogs(appImage)).toMatch(succeeded);
      console.log(
        `[skaffold-dev] ${sample}: edit of ${file} → new response (sync: auto, no image build): ${times.map(seconds).join(" s, ")} s`,
      );
    });

    it("a compile or syntax error fails the in-container rebuild and the old app keeps serving; the fix is served", async () => {
      const doneBefore = await rebuildsDone();
      await edit(file, (text) => text.replace('const message = "v3"', "const message = v4 +"));
      const deadline = Date.now() + 120_000;
      while ((await rebuildsDone()) === doneBefore && Date.now() < deadline) await sleep(200);
      expect(await containerLogs(appImage)).toMatch(/\[tilt-live\] rebuild #\d+ failed/);
      expect(await getText(url)).toBe("v3\n");
      const fixedAt = await edit(file, (text) => text.replace("const message = v4 +", 'const message = "v4"'));
      const fixed = await waitForAnswer(url, "v4\n", fixedAt, 120_000, context);
      expect(builds()).toBe(1);
      console.log(`[skaffold-dev] ${sample}: fix after a compile error → new response: ${seconds(fixed)} s`);
    });

    it("project.toml, which the sync rules leave out, makes Skaffold build and deploy a new image", async () => {
      const before = await deployed();
      const editedAt = await edit("project.toml", () => '[_]\nschema-version = "0.2"\n');
      const deadline = Date.now() + 180_000;
      let after = before;
      while ((after.id === before.id || after.id === "") && Date.now() < deadline) {
        await sleep(500);
        after = await deployed();
      }
      expect(builds(), await context()).toBe(2);
      expect(after.id).not.toBe(before.id);
      expect(after.image).not.toBe(before.image);
      await waitForAnswer(url, "v4\n", editedAt, 180_000, context);
      console.log(`[skaffold-dev] ${sample}: project.toml → new image built, deployed and serving: ${seconds(Date.now() - editedAt)} s`);
    });
  });
