// tilt-live on the real platform with Paketo's Node.js buildpacks: pack + lifecycle + the node-engine stand-in,
// npm-install and node-start build the Node sample into a dev image, which is then live-updated in its running
// container the way Tilt does it (tar into the sync target, then the rebuild tool by argv through docker exec).
import { describe, expect, it } from "vitest";
import {
  containerLogs,
  dockerExec,
  lifecycleMetadata,
  listImageFiles,
  pinnedVersion,
  waitForHttp,
  type RunningContainer,
} from "./harness/index.js";
import { node } from "../bench/languages.js";
import { fetchOnce, LIVE_GROUPS, REBUILD, syncFile, waitForBody } from "./harness/live.js";
import { expectGracefulStop, expectRebuild, languageSuite } from "./harness/suite.js";

const NODE_LIVE_GROUP = LIVE_GROUPS.node;
const MODULES = "/layers/paketo-buildpacks_npm-install/launch-modules/node_modules";

describe.sequential("tilt-live on the Node.js sample", () => {
  const suite = languageSuite(node);
  const { resources } = suite;
  let image: string;
  let container: RunningContainer;

  it("builds with node-engine (stand-in), npm-install and node-start inside tilt-live's group, offline, without a lockfile", async () => {
    const built = await suite.buildImage();
    image = built.image;
    const { log } = built;
    expect(log).toContain("Paketo Buildpack for Node Engine (tilt-live offline stand-in) 0.1.0");
    // The sample has no package-lock.json, as many apps: npm-install runs `npm install`, which writes one into the app dir.
    expect(log).toContain("Running 'npm install --unsafe-perm --cache /layers/paketo-buildpacks_npm-install/npm-cache'");
    expect(log).toMatch(/^(\[builder\] )? {4}web \(default\): node server\.js$/m);
    const keys = (await lifecycleMetadata(image)).buildpacks?.map((bp) => bp.key);
    expect(keys).toEqual(NODE_LIVE_GROUP);
    const files = await listImageFiles(resources, image);
    for (const file of [
      "layers/tilt-live/src/server.js",
      "workspace/package-lock.json",
      "layers/paketo-buildpacks_node-engine/node/bin/node",
      "layers/paketo-buildpacks_node-engine/node/lib/node_modules/npm/bin/npm-cli.js",
      "layers/paketo-buildpacks_npm-install/launch-modules/node_modules/greeting/index.js",
      `layers/tilt-live/buildpacks/paketo-buildpacks_npm-install/${pinnedVersion("PAKETO_NPM_INSTALL_VERSION")}/bin/setup-symlinks`,
    ]) {
      expect(files, file).toContain(file);
    }
    expect(files).not.toContain("layers/tilt-live/src/package-lock.json");
  });

  it("runs under the supervisor and answers v1, with node_modules linked into the app dir", async () => {
    container = await suite.runImage(image);
    expect(await waitForHttp(container)).toBe("v1\n");
    const logs = await containerLogs(container.name);
    expect(logs).toContain("[tilt-live] started node server.js");
    expect(logs).toContain("hello from node sample");
    expect((await dockerExec(container.name, ["readlink", "/workspace/node_modules"])).stdout).not.toBe("");
  });

  it("live-updates a changed server.js by a restart only, though npm wrote a package-lock.json the source lacks", async () => {
    await syncFile(container.name, suite.app, "server.js", (text) => text.replace('const message = "v1"', 'const message = "v2"'));
    const rebuild = await expectRebuild(container.name);
    expect(rebuild.stdout).toMatch(/^ {2}Checked the syntax of changed files \(\d+(\.\d+)?s\)$/m);
    expect(rebuild.stdout.split("\n")).toContain(
      "  Change set: restart only (server.js is read by no build step of node-engine, npm-install, node-start)",
    );
    expect(rebuild.stdout).not.toContain("Ran the build phase");
    expect(rebuild.stdout.split("\n")).toContain("    1 copied, 0 deleted, 7 unchanged, 2 not from the source left alone");
    expect(rebuild.stderr).toMatch(/^\[tilt-live\] rebuild succeeded \(exit 0\): .*restart [\d.]+s, ready [\d.]+s/m);
    expect(await fetchOnce(container)).toBe("v2\n");
    expect((await dockerExec(container.name, ["test", "-f", "/workspace/package-lock.json"])).exitCode).toBe(0);
    await expect.poll(() => containerLogs(container.name), { timeout: 10_000 }).toMatch(/hello from node sample.*"v2"/);
  });

  it("installs a dependency added to package.json (offline, from vendor/) with `npm install` again, and the app uses it", async () => {
    await syncFile(container.name, suite.app, "package.json", (text) => {
      const pkg = JSON.parse(text) as { dependencies: Record<string, string> };
      pkg.dependencies.shout = "file:vendor/shout";
      return `${JSON.stringify(pkg, null, 2)}\n`;
    });
    await syncFile(container.name, suite.app, "server.js", (text) =>
      text
        .replace('const { greet } = require("greeting");', 'const { greet } = require("greeting");\nconst { shout } = require("shout");')
        .replace('const message = "v2"', 'const message = shout("v3")'),
    );
    const rebuild = await expectRebuild(container.name);
    expect(rebuild.stdout.split("\n"), rebuild.stdout).toContain("  Change set: rebuild (package.json is read by node-engine)");
    // The lockfile npm wrote at image build is an output of npm-install: removed before the build, so that npm-install
    // picks `npm install` as the image build did (with it, `npm ci` would refuse the new dependency).
    expect(rebuild.stdout).toContain("Running 'npm install --unsafe-perm --cache /layers/paketo-buildpacks_npm-install/npm-cache'");
    expect(await fetchOnce(container)).toBe("V3\n");
    const lock = await dockerExec(container.name, ["cat", "/workspace/package-lock.json"]);
    expect(lock.stdout).toContain('"node_modules/shout"');
    const modules = await dockerExec(container.name, ["ls", `${MODULES}`]);
    expect(modules.stdout.split("\n")).toEqual(expect.arrayContaining(["greeting", "shout"]));
  });

  it("keeps node_modules through restarts: the app dir's link still resolves to npm-install's layer", async () => {
    await syncFile(container.name, suite.app, "server.js", (text) => text.replace('shout("v3")', 'shout("v4")'));
    expect((await expectRebuild(container.name)).stdout).toContain("Change set: restart only");
    expect(await fetchOnce(container)).toBe("V4\n");
    const link = await dockerExec(container.name, ["readlink", "-f", "/workspace/node_modules"]);
    expect(link.stdout.trim()).toBe(MODULES);
    const shout = await dockerExec(container.name, ["cat", "/workspace/node_modules/shout/index.js"]);
    expect(shout.exitCode, shout.stderr).toBe(0);
  });

  it("keeps serving the last good app when server.js has a syntax error (node --check on the supervisor's PATH)", async () => {
    await syncFile(container.name, suite.app, "server.js", (text) => text.replace('shout("v4")', 'shout("v5"'));
    const failed = await dockerExec(container.name, [REBUILD]);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stdout).toContain("SyntaxError");
    expect(failed.stdout + failed.stderr).toContain("syntax error in server.js");
    expect(await waitForHttp(container)).toBe("V4\n");

    await syncFile(container.name, suite.app, "server.js", (text) => text.replace('shout("v5"', 'shout("v5")'));
    await expectRebuild(container.name);
    await waitForBody(container, "V5\n");
  });

  it("stops within its grace period and the app saw SIGTERM", async () => {
    await expectGracefulStop(container.name);
  });

  it("builds through the builder's order (the node group) with --pre-buildpack and --post-buildpack", async () => {
    expect(await suite.buildThroughOrder()).toEqual(NODE_LIVE_GROUP);
  });

  it("leaves no container, image or volume behind", async () => {
    await resources.cleanup();
    await resources.assertNoLeaks();
  });
});
