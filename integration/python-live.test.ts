// tilt-live on the real platform with Paketo's Python buildpacks: pack + lifecycle + the cpython and pip stand-ins,
// pip-install, python-start and procfile build the Python sample into a dev image, which is then live-updated in
// its running container the way Tilt does it (tar into the sync target, then the rebuild tool by argv).
import { describe, expect, it } from "vitest";
import { containerLogs, dockerExec, lifecycleMetadata, listImageFiles, waitForHttp, type RunningContainer } from "./harness/index.js";
import { python } from "../bench/languages.js";
import { deleteSyncedFile, fetchOnce, LIVE_GROUPS, REBUILD, syncFile, waitForBody } from "./harness/live.js";
import { expectGracefulStop, expectRebuild, languageSuite } from "./harness/suite.js";

const PYTHON_LIVE_GROUP = LIVE_GROUPS.python;
const SITE_PACKAGES = "/layers/paketo-buildpacks_pip-install/packages/lib/python3.11/site-packages";

/** What the app wrote into its working dir at run time: a database, an upload, and Python's bytecode cache. */
const APP_WRITTEN = ["/workspace/app.db", "/workspace/uploads/a.png", "/workspace/banner/__pycache__"];

async function expectAppWrittenFilesKept(container: string): Promise<void> {
  const listed = await dockerExec(container, ["ls", "-d", ...APP_WRITTEN]);
  expect(listed.stdout.split("\n").sort(), listed.stderr).toEqual([...APP_WRITTEN].sort());
  expect((await dockerExec(container, ["cat", "/workspace/app.db"])).stdout).toBe("rows");
}

describe.sequential("tilt-live on the Python sample", () => {
  const suite = languageSuite(python);
  const { resources } = suite;
  let image: string;
  let container: RunningContainer;

  it("builds with cpython and pip (stand-ins), pip-install, python-start and procfile inside tilt-live's group, offline", async () => {
    const built = await suite.buildImage();
    image = built.image;
    const { log } = built;
    expect(log).toContain("Paketo Buildpack for CPython (tilt-live offline stand-in) 0.1.0");
    expect(log).toContain("--no-index --compile --user --disable-pip-version-check --requirement=requirements.txt");
    expect(log).toContain("Successfully installed greeting-1.0.0");
    expect(log).toMatch(/^(\[builder\] )? {4}web \(default\): python app\.py$/m);
    const keys = (await lifecycleMetadata(image)).buildpacks?.map((bp) => bp.key);
    expect(keys).toEqual(PYTHON_LIVE_GROUP);
    const files = await listImageFiles(resources, image);
    for (const file of [
      "layers/tilt-live/src/app.py",
      "layers/tilt-live/src/vendor/greeting-1.0.0-py3-none-any.whl",
      "layers/paketo-buildpacks_cpython/cpython/bin/python",
      `${SITE_PACKAGES.slice(1)}/greeting.py`,
      "workspace/app.py",
    ]) {
      expect(files, file).toContain(file);
    }
  });

  it("runs under the supervisor and answers v1", async () => {
    container = await suite.runImage(image);
    expect(await waitForHttp(container)).toBe("v1\n");
    const logs = await containerLogs(container.name);
    expect(logs).toContain("[tilt-live] started python app.py");
    expect(logs).toContain("hello from python sample: listening on :8080, message 'v1'");
    // The app's own package: importing it made Python write banner/__pycache__/ into the app dir.
    await expect.poll(async () => (await dockerExec(container.name, ["ls", "/workspace/banner"])).stdout).toContain("__pycache__");
    // An app that keeps its data beside its code (Flask's and Django's default SQLite file, uploads).
    const wrote = await dockerExec(container.name, [
      "sh",
      "-c",
      "echo rows > /workspace/app.db && mkdir /workspace/uploads && echo png > /workspace/uploads/a.png",
    ]);
    expect(wrote.exitCode, wrote.stderr).toBe(0);
  });

  it("live-updates a changed app.py by a restart only (no build step reads it), serving when rebuild returns", async () => {
    await syncFile(container.name, suite.app, "app.py", (text) => text.replace('message = "v1"', 'message = "v2"'));
    const rebuild = await expectRebuild(container.name);
    expect(rebuild.stdout).toMatch(/^ {2}Checked the syntax of changed files \(\d+(\.\d+)?s\)$/m);
    expect(rebuild.stdout.split("\n")).toContain(
      "  Change set: restart only (app.py is read by no build step of cpython, pip, pip-install, python-start, procfile)",
    );
    expect(rebuild.stdout).not.toContain("Ran the build phase");
    expect(rebuild.stdout.split("\n")).toContain("    1 copied, 0 deleted, 10 unchanged, 3 not from the source left alone");
    expect(rebuild.stderr).toMatch(/^\[tilt-live\] rebuild succeeded \(exit 0\): .*restart [\d.]+s, ready [\d.]+s/m);
    expect(await fetchOnce(container)).toBe("v2\n");
    await expectAppWrittenFilesKept(container.name);
  });

  it("installs a dependency added to requirements.txt (offline, from vendor/) and the app uses it", async () => {
    await syncFile(container.name, suite.app, "requirements.txt", (text) => `${text}shout==1.0.0\n`);
    await syncFile(container.name, suite.app, "app.py", (text) =>
      text
        .replace("from greeting import greet", "from greeting import greet\nfrom shout import shout")
        .replace('message = "v2"', 'message = shout("v3")'),
    );
    const rebuild = await expectRebuild(container.name);
    expect(rebuild.stdout.split("\n")).toContain("  Change set: rebuild (requirements.txt is read by pip-install)");
    expect(rebuild.stdout).toMatch(
      /Successfully installed greeting-1\.0\.0 shout-1\.0\.0|Successfully installed shout-1\.0\.0 greeting-1\.0\.0/,
    );
    expect(await fetchOnce(container)).toBe("V3\n");
    const site = await dockerExec(container.name, ["ls", SITE_PACKAGES]);
    expect(site.stdout.split("\n")).toEqual(expect.arrayContaining(["greeting.py", "shout.py"]));
    await expectAppWrittenFilesKept(container.name);
  });

  it("keeps serving the last good app when app.py has a syntax error (python3 ast.parse on the supervisor's PATH)", async () => {
    await syncFile(container.name, suite.app, "app.py", (text) => text.replace('shout("v3")', 'shout("v4"'));
    const failed = await dockerExec(container.name, [REBUILD]);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stdout).toContain("SyntaxError");
    expect(failed.stdout + failed.stderr).toContain("syntax error in app.py");
    expect(await waitForHttp(container)).toBe("V3\n");
    await expectAppWrittenFilesKept(container.name);

    await syncFile(container.name, suite.app, "app.py", (text) => text.replace('shout("v4"', 'shout("v4")'));
    await expectRebuild(container.name);
    await waitForBody(container, "V4\n");
  });

  it("keeps serving, and keeps what the app wrote, when the build phase fails (a requirement not in vendor/)", async () => {
    await syncFile(container.name, suite.app, "requirements.txt", (text) => `${text}missing-package==9.9.9\n`);
    const failed = await dockerExec(container.name, [REBUILD]);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stdout).toContain("Change set: rebuild (requirements.txt is read by pip-install)");
    expect(failed.stdout).toContain("No matching distribution found for missing-package==9.9.9");
    expect(await fetchOnce(container)).toBe("V4\n");
    await expectAppWrittenFilesKept(container.name);

    await syncFile(container.name, suite.app, "requirements.txt", (text) => text.replace("missing-package==9.9.9\n", ""));
    await expectRebuild(container.name);
    expect(await fetchOnce(container)).toBe("V4\n");
    await expectAppWrittenFilesKept(container.name);
  });

  it("deletes from the app dir what was deleted from the source, and only that", async () => {
    await syncFile(container.name, suite.app, "banner/extra.py", () => "EXTRA = 1\n");
    expect((await expectRebuild(container.name)).stdout).toContain("Change set: restart only (banner/extra.py is read by no build step");
    expect((await dockerExec(container.name, ["cat", "/workspace/banner/extra.py"])).stdout).toBe("EXTRA = 1");

    await deleteSyncedFile(container.name, suite.app, "banner/extra.py");
    const rebuild = await expectRebuild(container.name);
    expect(rebuild.stdout).toContain("Change set: restart only (banner/extra.py (deleted) is read by no build step");
    expect(rebuild.stdout).toMatch(/^ {4}0 copied, 1 deleted, \d+ unchanged, 3 not from the source left alone$/m);
    expect((await dockerExec(container.name, ["test", "-e", "/workspace/banner/extra.py"])).exitCode).toBe(1);
    expect(await fetchOnce(container)).toBe("V4\n");
    await expectAppWrittenFilesKept(container.name);
  });

  it("stops within its grace period and the app saw SIGTERM", async () => {
    await expectGracefulStop(container.name);
  });

  it("builds through the builder's order (the python group) with --pre-buildpack and --post-buildpack", async () => {
    expect(await suite.buildThroughOrder()).toEqual(PYTHON_LIVE_GROUP);
  });

  it("leaves no container, image or volume behind", async () => {
    await resources.cleanup();
    await resources.assertNoLeaks();
  });
});
