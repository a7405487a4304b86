import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { lifecycleFixture, type LifecycleFixture } from "../testing/lifecycle-fixture.js";
import { complementOfNames, skaffoldSyncRules, type SkaffoldSyncRule } from "./skaffold-sync.js";

/**
 * The part of bmatcuk/doublestar v1's PathMatch the rules use (checked against doublestar v1.3.4 itself):
 * a leading `**\/` (zero or more directories), a trailing `/**`, `*` and `?` within a segment, `[^...]`
 * classes, backslash escapes.
 */
function doublestarV1(pattern: string, path: string): boolean {
  let re = "";
  let rest = pattern;
  if (rest.startsWith("**/")) {
    re += "(?:[^/]*/)*";
    rest = rest.slice(3);
  }
  const tail = rest.endsWith("/**");
  if (tail) rest = rest.slice(0, -3);
  for (let i = 0; i < rest.length; i += 1) {
    const c = rest[i]!;
    if (c === "\\") re += `\\${rest[++i]}`;
    else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = rest.indexOf("]", i);
      re += `[${rest.slice(i + 1, end).replace(/-$/, "\\-")}]`;
      i = end;
    } else re += c.replace(/[.+^$(){}|]/g, "\\$&");
  }
  if (tail) re += "/.*";
  return new RegExp(`^${re}$`).test(path);
}

const synced = (rules: SkaffoldSyncRule[], path: string) => rules.some((r) => doublestarV1(r.src, path));

describe("complementOfNames", () => {
  it("matches every name but the excluded ones, whatever their length", () => {
    const patterns = complementOfNames(["project.toml"]);
    const matches = (name: string) => patterns.some((p) => doublestarV1(p, name));
    expect(matches("project.toml")).toBe(false);
    for (const name of ["main.go", "p", "project.tom", "project.tomlx", "project.toml~", "Project.toml", ".hidden", "q"]) {
      expect(matches(name), name).toBe(true);
    }
  });

  it("excludes several names sharing a prefix, including one that is a prefix of another", () => {
    const patterns = complementOfNames(["app.yaml", "app.yaml.local", "Procfile", "go-x"]);
    const matches = (name: string) => patterns.some((p) => doublestarV1(p, name));
    for (const name of ["app.yaml", "app.yaml.local", "Procfile", "go-x"]) expect(matches(name), name).toBe(false);
    for (const name of ["app.yam", "app.yaml.", "app.yaml.locals", "app.yml", "Proc", "go-y", "go", "go.mod", "-"]) {
      expect(matches(name), name).toBe(true);
    }
  });

  it("writes one class per branch, with '-' last so that it is no range", () => {
    expect(complementOfNames(["a-b", "a.b"])).toEqual(["[^a]*", "a", "a[^.-]*", "a-", "a-[^b]*", "a-b?*", "a.", "a.[^b]*", "a.b?*"]);
  });
});

describe("skaffoldSyncRules on a source snapshot", () => {
  let f: LifecycleFixture;
  let src: string;
  const dest = "/layers/tilt-live/src";
  beforeEach(async () => {
    f = await lifecycleFixture();
    src = join(f.layersRoot, "tilt-live", "src");
    await mkdir(join(src, "cmd", "web"), { recursive: true });
    await mkdir(join(src, "config"), { recursive: true });
    await writeFile(join(src, "main.go"), "package main\n");
    await writeFile(join(src, "go.mod"), "module app\n");
    await writeFile(join(src, "project.toml"), '[_]\nschema-version = "0.2"\n');
    await writeFile(join(src, "cmd", "web", "web.go"), "package main\n");
    await writeFile(join(src, "config", "app.yaml"), "a: 1\n");
    await writeFile(join(src, "config", "log.yaml"), "b: 2\n");
  });

  it("by default sends every path to the sync target except project.toml, new files included", async () => {
    const plan = await skaffoldSyncRules(src, ["project.toml"], dest);
    expect(plan.kind).toBe("names");
    expect(plan.rules.every((r) => r.dest === dest && r.src.startsWith("**/"))).toBe(true);
    for (const path of ["main.go", "go.mod", "cmd/web/web.go", "config/app.yaml", "added.go", "new/dir/file.txt"]) {
      expect(synced(plan.rules, path), path).toBe(true);
    }
    // any depth, as tilt-live's own rule (src/core/glob.ts: a name without "/" matches at any depth)
    expect(synced(plan.rules, "project.toml")).toBe(false);
    expect(synced(plan.rules, "cmd/project.toml")).toBe(false);
  });

  it("takes plain names from BP_TILT_LIVE_IMAGE_BUILD as well", async () => {
    const plan = await skaffoldSyncRules(src, ["project.toml", "app.yaml"], dest);
    expect(plan.kind).toBe("names");
    expect(synced(plan.rules, "config/app.yaml")).toBe(false);
    expect(synced(plan.rules, "config/log.yaml")).toBe(true);
    expect(synced(plan.rules, "main.go")).toBe(true);
  });

  it("lists the source as built when an image-build glob is more than a name", async () => {
    const plan = await skaffoldSyncRules(src, ["project.toml", "config/app.*"], dest);
    expect(plan.kind).toBe("listed");
    expect(plan.rules.map((r) => r.src)).toEqual(["cmd/**", "config/log.yaml", "go.mod", "main.go"]);
    expect(synced(plan.rules, "cmd/web/web.go")).toBe(true);
    expect(synced(plan.rules, "cmd/web/added.go")).toBe(true);
    expect(synced(plan.rules, "config/app.yaml")).toBe(false);
    expect(synced(plan.rules, "project.toml")).toBe(false);
    // a new file next to an image input: Skaffold rebuilds the image (the rules only know the built tree)
    expect(synced(plan.rules, "added.go")).toBe(false);
  });

  it("escapes glob characters in listed file names", async () => {
    await writeFile(join(src, "odd[1]*.txt"), "x");
    const plan = await skaffoldSyncRules(src, ["*.toml"], dest);
    expect(plan.rules.map((r) => r.src)).toContain("odd\\[1\\]\\*.txt");
    expect(synced(plan.rules, "odd[1]*.txt")).toBe(true);
    expect(synced(plan.rules, "odd1.txt")).toBe(false);
  });
});
