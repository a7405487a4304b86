// The Java parts of the platform scripts that need no network: a libpak buildpack's offline dependency (libpak
// decodes dependencies/<sha256>.toml and wants it equal to the buildpack.toml entry; the Maven distribution and the
// spring-cloud-bindings jar are placed the same way), the data files a buildpack ships, and the generic `replace`
// hook of platform::paketo::buildpack.
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../src/testing/temp-dir.js";
import { type BashResult, runBash } from "../run-bash.js";

const run = promisify(execFile);
let work: string;

beforeEach(async () => {
  work = await tempDir("tilt-live-java-platform-");
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const LIBS = ["scripts/platform/lib/common.sh", "scripts/platform/lib/paketo.sh", "scripts/platform/lib/java.sh"];

/** Runs SCRIPT after the Java libs with ARGS and a private cache; its stdout, or a failure as a result. */
function bashResult(script: string, ...args: string[]): Promise<BashResult> {
  return runBash(script, { libs: LIBS, args, env: { TILT_LIVE_CACHE: path.join(work, "cache") } });
}

/** Like bashResult(), but a failure fails the test. */
async function bash(script: string, ...args: string[]): Promise<string> {
  const result = await bashResult(script, ...args);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
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

describe("a libpak buildpack's offline dependency", () => {
  /** A buildpack dir whose buildpack.toml pins `jar` (the file's real sha256) as version 2.0.4, and the file. */
  async function buildpackPinning(content: string): Promise<{ bp: string; file: string; sha: string }> {
    const bp = path.join(work, "bp");
    await mkdir(bp);
    const file = path.join(work, "dep-2.0.4.jar");
    await writeFile(file, content);
    const sha = (await run("sha256sum", [file])).stdout.split(" ")[0]!;
    await writeFile(
      path.join(bp, "buildpack.toml"),
      BUILDPACK_TOML.replace('sha256 = "aaa"', `sha256 = "${sha}"`).replace('version = "3.9.16"', 'version = "2.0.4"'),
    );
    return { bp, file, sha };
  }

  it("is placed as dependencies/<sha256>.toml (the entry) and dependencies/<sha256>/<file>, once", async () => {
    const { bp, file, sha } = await buildpackPinning("jar bytes");
    const place = 'platform::java::offline_dependency "$1" "$2" 2.0.4 "DEP_VERSION=2.0.4"';
    const first = await bashResult(place, bp, file);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`Placed dep-2.0.4.jar in ${bp}/dependencies/${sha}`);
    expect(await readFile(path.join(bp, "dependencies", sha, "dep-2.0.4.jar"), "utf8")).toBe("jar bytes");
    const entry = await readFile(path.join(bp, "dependencies", `${sha}.toml`), "utf8");
    expect(entry).toContain(`sha256 = "${sha}"\nuri = "https://example.com/apache-maven-3.9.16-bin.tar.gz"\nversion = "2.0.4"\n`);
    expect(entry).toContain('[[licenses]]\ntype = "Apache-2.0"\n');
    const second = await bashResult(place, bp, file);
    expect(second.stderr).toContain(`Reusing dep-2.0.4.jar in ${bp}/dependencies/${sha}`);
  });

  it("is refused, naming the setting to fix, when the buildpack pins another file or another version", async () => {
    const { bp, file } = await buildpackPinning("jar bytes");
    await writeFile(file, "other bytes");
    const otherFile = await bashResult('platform::java::offline_dependency "$1" "$2" 2.0.4 "DEP_VERSION=2.0.4"', bp, file);
    expect(otherFile.code).toBe(1);
    expect(otherFile.stderr).toMatch(
      /dep-2\.0\.4\.jar \(sha256 [0-9a-f]{64}\) is not a dependency of .*\/bp\/buildpack\.toml: DEP_VERSION=2\.0\.4 does not match/,
    );
    await writeFile(file, "jar bytes");
    const otherVersion = await bashResult('platform::java::offline_dependency "$1" "$2" 2.0.5 "DEP_VERSION=2.0.5"', bp, file);
    expect(otherVersion.code).toBe(1);
    expect(otherVersion.stderr).toMatch(/entry of sha256 [0-9a-f]{64} is not version 2\.0\.5 \(DEP_VERSION=2\.0\.5\)/);
  });
});

describe("platform::paketo::data_files", () => {
  it("copies the include-files that are neither binaries nor buildpack.toml", async () => {
    const src = path.join(work, "src");
    const dir = path.join(work, "dir");
    await mkdir(src);
    await mkdir(dir);
    await writeFile(
      path.join(src, "buildpack.toml"),
      '[metadata]\n  include-files = ["LICENSE", "linux/amd64/bin/main", "buildpack.toml", "spring-generations.toml", "absent.txt"]\n',
    );
    for (const file of ["LICENSE", "spring-generations.toml"]) await writeFile(path.join(src, file), file);
    await bash('platform::paketo::data_files "$1" "$2"', src, dir);
    expect((await readdir(dir)).sort()).toEqual(["LICENSE", "spring-generations.toml"]);
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
    const replace = await runBash('platform::paketo::replace "$1" example.com/dep@v1.2.3', {
      libs: LIBS,
      args: [src],
      env: { TILT_LIVE_CACHE: path.join(work, "cache"), TILT_LIVE_UPSTREAM_DIR: bundle, GOPROXY: "off" },
    });
    expect(replace.code, replace.stderr).toBe(0);
    const goMod = await readFile(path.join(src, "go.mod"), "utf8");
    const replaced = /^replace example\.com\/dep => (\/\S+)$/m.exec(goMod)?.[1];
    expect(replaced, goMod).toBeDefined();
    expect(await readFile(path.join(replaced!, "go.mod"), "utf8")).toBe("module example.com/dep\n");
  });
});
