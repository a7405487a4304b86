import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readChangeSettings } from "../../contract/config.js";
import type { MirrorChange } from "../../fsutil/mirror.js";
import { compileRules, formatPlan, planChanges } from "./change-plan.js";
import { tempDir } from "../../testing/temp-dir.js";

const NODE = [
  "tilt-live/source",
  "paketo-buildpacks/node-engine",
  "paketo-buildpacks/npm-install",
  "paketo-buildpacks/node-start",
  "tilt-live",
];
const PYTHON = [
  "tilt-live/source",
  "paketo-buildpacks/cpython",
  "paketo-buildpacks/pip",
  "paketo-buildpacks/pip-install",
  "paketo-buildpacks/python-start",
  "paketo-buildpacks/procfile",
  "tilt-live",
];
const GO = ["tilt-live/source", "paketo-buildpacks/go-dist", "paketo-buildpacks/go-build", "tilt-live"];

const modified = (path: string): MirrorChange => ({ path, kind: "modified", type: "file" });
const added = (path: string): MirrorChange => ({ path, kind: "added", type: "file" });
const deleted = (path: string, type: MirrorChange["type"] = "file"): MirrorChange => ({ path, kind: "deleted", type });

/** A source snapshot laid out like the app's: files with their content. */
async function app(files: Record<string, string>): Promise<string> {
  const dir = await tempDir("tilt-live-change-");
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

async function plan(group: string[], changes: MirrorChange[], files: Record<string, string> = {}, vars: Record<string, string> = {}) {
  const get = (name: string) => vars[name];
  const rules = await compileRules(group, readChangeSettings(get), await app(files), get);
  return planChanges(changes, rules);
}

const NODE_APP = { "package.json": JSON.stringify({ dependencies: { greeting: "file:vendor/greeting" } }), "server.js": "" };
const PYTHON_APP = { "requirements.txt": "greeting==1.0.0\n", "app.py": "", Procfile: "web: python app.py\n" };

describe("the change plan of a Node.js group (node-engine, npm-install, node-start)", () => {
  it("restarts only for edited .js files and names them in one line", async () => {
    const result = await plan(NODE, [modified("lib/util.js"), modified("server.js")], NODE_APP);
    expect(result.action).toBe("restart");
    expect(formatPlan(result)).toBe(
      "Change set: restart only (lib/util.js, server.js are read by no build step of node-engine, npm-install, node-start)",
    );
  });

  it("rebuilds for package.json and package-lock.json (npm-install sums them, node-start reads package.json)", async () => {
    expect(await plan(NODE, [modified("server.js"), modified("package.json")], NODE_APP)).toEqual({
      action: "rebuild",
      reason: "package.json is read by node-engine",
    });
    expect((await plan(NODE, [modified("package-lock.json")], NODE_APP)).reason).toBe("package-lock.json is read by npm-install");
    expect((await plan(NODE, [modified(".npmrc")], NODE_APP)).action).toBe("rebuild");
  });

  it("rebuilds for a vendored dependency's source, even a .js file (npm copies file: dependencies)", async () => {
    expect(await plan(NODE, [modified("vendor/greeting/index.js")], NODE_APP)).toEqual({
      action: "rebuild",
      reason: "vendor/greeting/index.js is read by npm-install",
    });
  });

  it("rebuilds every change when package.json has a script npm ci runs", async () => {
    const files = { ...NODE_APP, "package.json": JSON.stringify({ scripts: { prepare: "tsc" } }) };
    expect(await plan(NODE, [modified("src/index.js")], files)).toEqual({
      action: "rebuild",
      reason: 'src/index.js: package.json has a "prepare" script, which npm ci runs',
    });
  });

  it("rebuilds when an entry file node-start looks for is added, and needs an image when package.json is deleted", async () => {
    expect(await plan(NODE, [added("index.js")], NODE_APP)).toEqual({
      action: "rebuild",
      reason: "index.js was added: node-start looks for it",
    });
    expect((await plan(NODE, [added("lib/index.js")], NODE_APP)).action).toBe("restart");
    expect(await plan(NODE, [deleted("package.json")], NODE_APP)).toEqual({
      action: "image",
      reason: "package.json was deleted: npm-install detects on it, so the group would change",
    });
  });

  it("follows BP_NODE_PROJECT_PATH and BP_LAUNCHPOINT", async () => {
    const vars = { BP_NODE_PROJECT_PATH: "./web", BP_LAUNCHPOINT: "web/src/main.js" };
    expect((await plan(NODE, [modified("web/package-lock.json")], {}, vars)).action).toBe("rebuild");
    expect((await plan(NODE, [deleted("web/src/main.js")], {}, vars)).action).toBe("image");
    expect((await plan(NODE, [modified("web/src/main.js")], {}, vars)).action).toBe("restart");
  });
});

describe("the change plan of a Python group (cpython, pip, pip-install, python-start, procfile)", () => {
  it("restarts only for .py files and templates", async () => {
    expect((await plan(PYTHON, [modified("app.py"), added("templates/index.html")], PYTHON_APP)).action).toBe("restart");
  });

  it("rebuilds for requirements.txt, a wheel in vendor/, a Procfile", async () => {
    expect((await plan(PYTHON, [modified("requirements.txt")], PYTHON_APP)).reason).toBe("requirements.txt is read by pip-install");
    expect((await plan(PYTHON, [added("vendor/shout-1.0.0-py3-none-any.whl")], PYTHON_APP)).reason).toBe(
      "vendor/shout-1.0.0-py3-none-any.whl is read by pip-install",
    );
    expect((await plan(PYTHON, [modified("Procfile")], PYTHON_APP)).reason).toBe("Procfile is read by procfile");
    expect((await plan(PYTHON, [modified(".python-version")], PYTHON_APP)).reason).toBe(".python-version is read by cpython");
  });

  it("rebuilds every change when the requirements install the app itself, and follows BP_PIP_REQUIREMENT", async () => {
    const files = { ...PYTHON_APP, "requirements.txt": "-e .\n" };
    expect((await plan(PYTHON, [modified("app.py")], files)).reason).toBe("app.py: requirements.txt installs a local path (-e .)");
    const vars = { BP_PIP_REQUIREMENT: "reqs/base.in" };
    expect((await plan(PYTHON, [modified("reqs/base.in")], { "reqs/base.in": "x\n" }, vars)).action).toBe("rebuild");
  });
});

describe("the change plan of a Go group and of unknown buildpacks", () => {
  it("rebuilds for any source of a compiled language", async () => {
    expect(await plan(GO, [modified("main.go")])).toEqual({
      action: "rebuild",
      reason: "main.go is source for go-build, which compiles the app",
    });
    expect((await plan(GO, [modified("static/index.html")])).action).toBe("rebuild"); // go:embed
  });

  it("rebuilds when a buildpack of the group has no rule", async () => {
    expect(
      await plan([...NODE.slice(0, 3), "paketo-buildpacks/node-run-script", ...NODE.slice(3)], [modified("server.js")], NODE_APP),
    ).toEqual({
      action: "rebuild",
      reason: "paketo-buildpacks/node-run-script has no change rule: it may read any file",
    });
  });

  it("rebuilds for a deleted directory, restarts for a deleted source file", async () => {
    expect((await plan(NODE, [deleted("lib", "dir")], NODE_APP)).action).toBe("rebuild");
    expect((await plan(NODE, [deleted("lib/old.js")], NODE_APP)).action).toBe("restart");
  });
});

describe("project.toml, an empty change set and the user's rules", () => {
  it("needs a full image build for project.toml, before anything else", async () => {
    expect(await plan(NODE, [modified("package.json"), modified("project.toml")], NODE_APP)).toEqual({
      action: "image",
      reason: "project.toml is read only by the image build: it can change the group, the buildpacks and the build env",
    });
  });

  it("restarts when nothing changed", async () => {
    expect((await plan(GO, [])).action).toBe("restart");
  });

  it("applies BP_TILT_LIVE_IMAGE_BUILD, BP_TILT_LIVE_REBUILD and BP_TILT_LIVE_RESTART_ONLY in that order", async () => {
    const vars = {
      BP_TILT_LIVE_IMAGE_BUILD: "Dockerfile.dev",
      BP_TILT_LIVE_REBUILD: "*.graphql",
      BP_TILT_LIVE_RESTART_ONLY: "static,package.json",
    };
    expect(await plan(NODE, [modified("Dockerfile.dev")], NODE_APP, vars)).toEqual({
      action: "image",
      reason: "Dockerfile.dev matches BP_TILT_LIVE_IMAGE_BUILD",
    });
    expect(await plan(NODE, [modified("schema/a.graphql")], NODE_APP, vars)).toEqual({
      action: "rebuild",
      reason: "schema/a.graphql matches BP_TILT_LIVE_REBUILD",
    });
    expect((await plan(GO, [modified("static/app.css")], {}, vars)).action).toBe("restart");
    expect((await plan(NODE, [modified("package.json")], NODE_APP, vars)).action).toBe("restart");
  });

  it("rebuilds every change set when BP_TILT_LIVE_CHANGE_AWARE=false", async () => {
    expect((await plan(NODE, [modified("server.js")], NODE_APP, { BP_TILT_LIVE_CHANGE_AWARE: "false" })).action).toBe("rebuild");
  });
});
