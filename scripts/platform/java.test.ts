// The Java parts of the platform scripts that need no network: the maven buildpack's offline dependency entry
// (libpak decodes dependencies/<sha256>.toml and wants it equal to the buildpack.toml entry) and the generic
// `replace` hook of platform::paketo::buildpack.
import { execFile } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../src/testing/temp-dir.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
let work: string;

beforeEach(async () => {
  work = await tempDir("tilt-live-java-platform-");
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function bash(script: string, ...args: string[]): Promise<string> {
  const sources =
    "source scripts/lib.sh && source scripts/platform/lib/common.sh && source scripts/platform/lib/paketo.sh && source scripts/platform/lib/java.sh";
  const { stdout } = await run("bash", ["-c", `${sources} && ${script}`, "bash", ...args], {
    cwd: root,
    env: { ...process.env, TILT_LIVE_CACHE: path.join(work, "cache") },
  });
  return stdout;
}

const BUILDPACK_TOML = `api = "0.7"

[buildpack]
  id = "paketo-buildpacks/maven"
  version = "{{.version}}"

[metadata]
  pre-package = "scripts/build.sh"

  [[metadata.dependencies]]
    cpes = ["cpe:2.3:a:apache:maven:3.9.9:*:*:*:*:*:*:*"]
    id = "maven"
    sha256 = "aaa"
    uri = "https://example.com/apache-maven-3.9.16-bin.tar.gz"
    version = "3.9.16"

    [[metadata.dependencies.licenses]]
      type = "Apache-2.0"
      uri = "https://www.apache.org/licenses/"

  [[metadata.dependencies]]
    id = "mvnd"
    sha256 = "bbb"
    version = "1.0.6"

[[stacks]]
  id = "*"
`;

describe("the maven buildpack's offline dependency entry", () => {
  it("is the matching [[metadata.dependencies]] table, flat, with its licenses", async () => {
    await writeFile(path.join(work, "buildpack.toml"), BUILDPACK_TOML);
    const entry = await bash('platform::java::dependency_entry "$1" "$2"', path.join(work, "buildpack.toml"), "aaa");
    expect(entry).toBe(
      [
        'cpes = ["cpe:2.3:a:apache:maven:3.9.9:*:*:*:*:*:*:*"]',
        'id = "maven"',
        'sha256 = "aaa"',
        'uri = "https://example.com/apache-maven-3.9.16-bin.tar.gz"',
        'version = "3.9.16"',
        "",
        "[[licenses]]",
        'type = "Apache-2.0"',
        'uri = "https://www.apache.org/licenses/"',
        "",
      ].join("\n"),
    );
  });

  it("is the last entry too, and nothing for an unknown sha256", async () => {
    await writeFile(path.join(work, "buildpack.toml"), BUILDPACK_TOML);
    expect(await bash('platform::java::dependency_entry "$1" "$2"', path.join(work, "buildpack.toml"), "bbb")).toBe(
      'id = "mvnd"\nsha256 = "bbb"\nversion = "1.0.6"\n',
    );
    expect(await bash('platform::java::dependency_entry "$1" "$2"', path.join(work, "buildpack.toml"), "ccc")).toBe("");
  });
});

describe("platform::paketo::replace", () => {
  it("points a module's go.mod at another module's source, from the upstream bundle when the proxy refuses it", async () => {
    const bundle = path.join(work, "bundle");
    await mkdir(path.join(work, "release", "dep-v1.2.3"), { recursive: true });
    await writeFile(path.join(work, "release", "dep-v1.2.3", "go.mod"), "module example.com/dep\n");
    await mkdir(bundle);
    await run("tar", ["-czf", path.join(bundle, "dep-v1.2.3.tar.gz"), "-C", path.join(work, "release"), "dep-v1.2.3"]);
    const sha = (await run("sha256sum", [path.join(bundle, "dep-v1.2.3.tar.gz")])).stdout.split(" ")[0];
    await writeFile(
      path.join(bundle, "MANIFEST.tsv"),
      `archive\trepository\ttag\tcommit\tsha256\ndep-v1.2.3.tar.gz\texample.com/dep\tv1.2.3\tabc\t${sha}\n`,
    );
    const src = path.join(work, "src");
    await mkdir(src);
    await writeFile(path.join(src, "go.mod"), "module example.com/bp\n\ngo 1.22\n");
    // GOPROXY=off: the proxy "refuses" every module, as it refuses source-removal for the maven buildpack.
    const sources = "source scripts/lib.sh && source scripts/platform/lib/common.sh && source scripts/platform/lib/paketo.sh";
    await run("bash", ["-c", `${sources} && platform::paketo::replace "$1" example.com/dep@v1.2.3`, "bash", src], {
      cwd: root,
      env: { ...process.env, TILT_LIVE_CACHE: path.join(work, "cache"), TILT_LIVE_UPSTREAM_DIR: bundle, GOPROXY: "off" },
    });
    const goMod = await readFile(path.join(src, "go.mod"), "utf8");
    const replaced = /^replace example\.com\/dep => (\/\S+)$/m.exec(goMod)?.[1];
    expect(replaced, goMod).toBeDefined();
    expect(await readFile(path.join(replaced!, "go.mod"), "utf8")).toBe("module example.com/dep\n");
  });
});
