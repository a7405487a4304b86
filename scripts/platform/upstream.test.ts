// The upstream bundle (scripts/platform/lib/common.sh): a release is taken from its archive only when the
// archive's sha256 matches MANIFEST.tsv, and every way of not finding it names the archive, the directory and
// the variable that points elsewhere.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../src/testing/temp-dir.js";
import { type BashResult, runBash } from "../run-bash.js";

const run = promisify(execFile);

let work: string;
let bundle: string;

beforeEach(async () => {
  work = await tempDir("tilt-live-upstream-");
  bundle = path.join(work, "bundle");
  await mkdir(path.join(work, "src", "demo-v1.2.3"), { recursive: true });
  await writeFile(path.join(work, "src", "demo-v1.2.3", "go.mod"), "module example.com/demo\n");
  await mkdir(bundle);
  await run("tar", ["-czf", path.join(bundle, "demo-v1.2.3.tar.gz"), "-C", path.join(work, "src"), "demo-v1.2.3"]);
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function manifest(sha256: string): Promise<void> {
  await writeFile(
    path.join(bundle, "MANIFEST.tsv"),
    `archive\trepository\ttag\tcommit\tsha256\ndemo-v1.2.3.tar.gz\texample.com/demo\tv1.2.3\tabc\t${sha256}\n`,
  );
}

async function archiveSha(): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path.join(bundle, "demo-v1.2.3.tar.gz")))
    .digest("hex");
}

/** Runs platform::upstream::archive_dir REPO TAG with the bundle and a private cache. */
function archiveDir(repo: string, tag: string): Promise<BashResult> {
  return runBash('platform::upstream::archive_dir "$1" "$2"', {
    libs: ["scripts/platform/lib/common.sh"],
    args: [repo, tag],
    env: { TILT_LIVE_CACHE: path.join(work, "cache"), TILT_LIVE_UPSTREAM_DIR: bundle },
  });
}

describe("the upstream bundle", () => {
  it("unpacks a release whose sha256 matches the manifest, once", async () => {
    await manifest(await archiveSha());
    const first = await archiveDir("example.com/demo", "v1.2.3");
    expect(first.code, first.stderr).toBe(0);
    const dir = first.stdout.trim();
    expect(path.basename(dir)).toBe("demo-v1.2.3");
    expect(await readFile(path.join(dir, "go.mod"), "utf8")).toBe("module example.com/demo\n");
    // The second call reuses the unpacked copy even when the archive is gone.
    await rm(path.join(bundle, "demo-v1.2.3.tar.gz"));
    expect((await archiveDir("example.com/demo", "v1.2.3")).stdout.trim()).toBe(dir);
  });

  it("refuses a corrupt archive, naming it, the checksums and the variable", async () => {
    await manifest("0".repeat(64));
    const result = await archiveDir("example.com/demo", "v1.2.3");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`upstream archive ${path.join(bundle, "demo-v1.2.3.tar.gz")} is corrupt`);
    expect(result.stderr).toContain(`MANIFEST.tsv says ${"0".repeat(64)}`);
    expect(result.stderr).toContain("TILT_LIVE_UPSTREAM_DIR");
  });

  it("names the archive, the directory and the variable when the archive is missing", async () => {
    await manifest(await archiveSha());
    await rm(path.join(bundle, "demo-v1.2.3.tar.gz"));
    const result = await archiveDir("example.com/demo", "v1.2.3");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`upstream archive demo-v1.2.3.tar.gz is missing from ${bundle}`);
    expect(result.stderr).toContain("TILT_LIVE_UPSTREAM_DIR");
  });

  it("says which release the manifest lacks", async () => {
    await manifest(await archiveSha());
    const result = await archiveDir("example.com/other", "v9.9.9");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${bundle}/MANIFEST.tsv lists no release example.com/other v9.9.9`);
  });
});
