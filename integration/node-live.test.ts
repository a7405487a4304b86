// tilt-live on the real platform with Paketo's Node.js buildpacks: pack + lifecycle + the node-engine stand-in,
// npm-install and node-start build the Node sample into a dev image, which is then live-updated in its running
// container the way Tilt does it (tar into the sync target, then the rebuild tool by argv through docker exec).
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  containerLogs,
  dockerExec,
  ensurePlatform,
  lifecycleMetadata,
  listImageFiles,
  packBuild,
  randomName,
  Resources,
  runContainer,
  stopContainer,
  waitForHttp,
  type Platform,
  type RunningContainer,
} from "./harness/index.js";
import { copySample, liveBuildArgs, LIVE_GROUPS, REBUILD, syncFile, waitForBody } from "./harness/live.js";

const NODE_LIVE_GROUP = LIVE_GROUPS.node;
const MODULES = "/layers/paketo-buildpacks_npm-install/launch-modules/node_modules";

describe("tilt-live on the Node.js sample", () => {
  const resources = new Resources();
  let platform: Platform;
  let image: string;
  let app: string;
  let container: RunningContainer;

  beforeAll(async () => {
    platform = await ensurePlatform();
    app = await copySample("samples/node");
  });

  afterAll(async () => {
    await resources.cleanup();
  });

  it("builds with node-engine (stand-in), npm-install and node-start inside tilt-live's group, offline", async () => {
    image = randomName("node-live");
    const { log } = await packBuild(platform, resources, { image, path: app, args: liveBuildArgs(platform, NODE_LIVE_GROUP) });
    expect(log).toContain("Paketo Buildpack for Node Engine (tilt-live offline stand-in) 0.1.0");
    expect(log).toContain("Running 'npm ci --unsafe-perm --cache /layers/paketo-buildpacks_npm-install/npm-cache'");
    expect(log).toMatch(/^(\[builder\] )? {4}web \(default\): node server\.js$/m);
    const keys = (await lifecycleMetadata(image)).buildpacks?.map((bp) => bp.key);
    expect(keys).toEqual(NODE_LIVE_GROUP);
    const files = await listImageFiles(resources, image);
    for (const file of [
      "layers/tilt-live/src/server.js",
      "layers/tilt-live/src/package-lock.json",
      "layers/paketo-buildpacks_node-engine/node/bin/node",
      "layers/paketo-buildpacks_node-engine/node/lib/node_modules/npm/bin/npm-cli.js",
      "layers/paketo-buildpacks_npm-install/launch-modules/node_modules/greeting/index.js",
      "layers/tilt-live/buildpacks/paketo-buildpacks_npm-install/1.6.9/bin/setup-symlinks",
    ]) {
      expect(files, file).toContain(file);
    }
  });

  it("runs under the supervisor and answers v1, with node_modules linked into the app dir", async () => {
    container = await runContainer(resources, { image, containerPort: 8080, env: { TILT_LIVE_WATCH: "false" } });
    expect(await waitForHttp(container)).toBe("v1\n");
    const logs = await containerLogs(container.name);
    expect(logs).toContain("[tilt-live] started node server.js");
    expect(logs).toContain("hello from node sample");
    expect((await dockerExec(container.name, ["readlink", "/workspace/node_modules"])).stdout).not.toBe("");
  });

  it("live-updates a changed server.js: npm-install reuses the modules, node-start's process restarts", async () => {
    await syncFile(container.name, app, "server.js", (text) => text.replace('const message = "v1"', 'const message = "v2"'));
    const rebuild = await dockerExec(container.name, [REBUILD]);
    expect(rebuild.exitCode, rebuild.stdout + rebuild.stderr).toBe(0);
    expect(rebuild.stdout).toMatch(/^ {2}Checked the syntax of changed files \(\d+(\.\d+)?s\)$/m);
    expect(rebuild.stdout).toContain("Reusing cached layer /layers/paketo-buildpacks_node-engine/node");
    expect(rebuild.stdout).toContain("Reusing cached layer /layers/paketo-buildpacks_npm-install/launch-modules");
    expect(rebuild.stderr).toMatch(/^\[tilt-live\] rebuild succeeded \(exit 0\)/m);
    expect(await waitForHttp(container)).toBe("v2\n");
    await expect.poll(() => containerLogs(container.name), { timeout: 10_000 }).toMatch(/hello from node sample.*"v2"/);
  });

  it("installs a dependency added to package.json (offline, from vendor/) and the app uses it", async () => {
    await syncFile(container.name, app, "package.json", (text) => {
      const pkg = JSON.parse(text) as { dependencies: Record<string, string> };
      pkg.dependencies.shout = "file:vendor/shout";
      return `${JSON.stringify(pkg, null, 2)}\n`;
    });
    // The lock file the way a developer gets it: npm on their machine, offline (the dependency is vendored).
    await execa("npm", ["install", "--package-lock-only", "--offline", "--ignore-scripts"], { cwd: app });
    await syncFile(container.name, app, "package-lock.json", (text) => text);
    await syncFile(container.name, app, "server.js", (text) =>
      text
        .replace('const { greet } = require("greeting");', 'const { greet } = require("greeting");\nconst { shout } = require("shout");')
        .replace('const message = "v2"', 'const message = shout("v3")'),
    );
    const rebuild = await dockerExec(container.name, [REBUILD]);
    expect(rebuild.exitCode, rebuild.stdout + rebuild.stderr).toBe(0);
    expect(rebuild.stdout).toContain("Running 'npm ci --unsafe-perm --cache /layers/paketo-buildpacks_npm-install/npm-cache'");
    expect(await waitForHttp(container)).toBe("V3\n");
    const modules = await dockerExec(container.name, ["ls", `${MODULES}`]);
    expect(modules.stdout.split("\n")).toEqual(expect.arrayContaining(["greeting", "shout"]));
  });

  it("keeps node_modules through rebuilds: the app dir's link still resolves to npm-install's layer", async () => {
    await syncFile(container.name, app, "server.js", (text) => text.replace('shout("v3")', 'shout("v4")'));
    const rebuild = await dockerExec(container.name, [REBUILD]);
    expect(rebuild.exitCode, rebuild.stdout + rebuild.stderr).toBe(0);
    expect(await waitForHttp(container)).toBe("V4\n");
    const link = await dockerExec(container.name, ["readlink", "-f", "/workspace/node_modules"]);
    expect(link.stdout.trim()).toBe(MODULES);
    const shout = await dockerExec(container.name, ["cat", "/workspace/node_modules/shout/index.js"]);
    expect(shout.exitCode, shout.stderr).toBe(0);
  });

  it("keeps serving the last good app when server.js has a syntax error (node --check on the supervisor's PATH)", async () => {
    await syncFile(container.name, app, "server.js", (text) => text.replace('shout("v4")', 'shout("v5"'));
    const failed = await dockerExec(container.name, [REBUILD]);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stdout).toContain("SyntaxError");
    expect(failed.stdout + failed.stderr).toContain("syntax error in server.js");
    expect(await waitForHttp(container)).toBe("V4\n");

    await syncFile(container.name, app, "server.js", (text) => text.replace('shout("v5"', 'shout("v5")'));
    const fixed = await dockerExec(container.name, [REBUILD]);
    expect(fixed.exitCode, fixed.stdout).toBe(0);
    await waitForBody(container, "V5\n");
  });

  it("stops within its grace period and the app saw SIGTERM", async () => {
    const started = Date.now();
    const exitCode = await stopContainer(container.name, 10);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(exitCode).toBe(0);
    expect(await containerLogs(container.name)).toContain("received SIGTERM, shutting down");
  });

  it("builds through the builder's order (the node group) with --pre-buildpack and --post-buildpack", async () => {
    const wrapped = randomName("node-live-order");
    const sample = await copySample("samples/node");
    await packBuild(platform, resources, {
      image: wrapped,
      path: sample,
      args: ["--network", "none", "--pull-policy", "never", "--trust-builder", "--run-image", platform.buildImage,
        "--pre-buildpack", "tilt-live/source", "--post-buildpack", "tilt-live"],
    });
    const keys = (await lifecycleMetadata(wrapped)).buildpacks?.map((bp) => bp.key) ?? [];
    expect(keys).toEqual(NODE_LIVE_GROUP);
    const run = await runContainer(resources, { image: wrapped, containerPort: 8080 });
    expect(await waitForHttp(run)).toBe("v1\n");
  });

  it("leaves no container, image or volume behind", async () => {
    await resources.cleanup();
    await resources.assertNoLeaks();
  });
});

