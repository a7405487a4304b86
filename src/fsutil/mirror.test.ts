import { lstat, mkdir, readFile, readlink, readdir, rename, rm, symlink, writeFile, chmod } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing/temp-dir.js";
import { formatError } from "../core/errors.js";
import { exists } from "./copy.js";
import { mirrorTree } from "./mirror.js";
import { indexTree, readMirrorIndex, writeMirrorIndex } from "./mirror-index.js";

async function tree(root: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(root, prefix))).sort()) {
    const rel = join(prefix, name);
    const st = await lstat(join(root, rel));
    if (st.isSymbolicLink()) out.push(`L ${rel} -> ${await readlink(join(root, rel))}`);
    else if (st.isDirectory()) out.push(`D ${rel} ${(st.mode & 0o777).toString(8)}`, ...(await tree(root, rel)));
    else out.push(`F ${rel} ${(st.mode & 0o777).toString(8)} ${await readFile(join(root, rel), "utf8")}`);
  }
  return out;
}

async function dirs() {
  const root = await tempDir("tilt-live-mirror-");
  const src = join(root, "src");
  const dst = join(root, "dst");
  await mkdir(src);
  return { root, src, dst };
}

describe("mirrorTree", () => {
  it("copies odd names, nested dirs, modes and links without following them", async () => {
    const { root, src, dst } = await dirs();
    await writeFile(join(root, "outside-secret"), "do not copy");
    await mkdir(join(src, "a dir/ünïcödé"), { recursive: true });
    await writeFile(join(src, "a dir/ünïcödé/file with spaces.go"), "x");
    await writeFile(join(src, "-leading-dash"), "dash");
    await writeFile(join(src, "run.sh"), "#!/bin/sh");
    await chmod(join(src, "run.sh"), 0o755);
    await symlink("../outside-secret", join(src, "escape"));
    const long = join(src, ...Array.from({ length: 20 }, (_, i) => `directory-level-${i}-with-a-long-name`));
    await mkdir(long, { recursive: true });
    await writeFile(join(long, "deep.txt"), "deep");

    await mirrorTree(src, dst);

    expect(await tree(dst)).toEqual(await tree(src));
    expect(await readlink(join(dst, "escape"))).toBe("../outside-secret");
    expect((await lstat(join(dst, "escape"))).isSymbolicLink()).toBe(true);
  });

  it("propagates deletions, renamed dirs and type changes, and skips unchanged files", async () => {
    const { src, dst } = await dirs();
    await mkdir(join(src, "pkg"));
    await writeFile(join(src, "pkg/a.go"), "a");
    await writeFile(join(src, "gone.go"), "gone");
    await writeFile(join(src, "flip"), "file");
    await writeFile(join(src, "same.go"), "same");
    const first = await mirrorTree(src, dst);

    await rm(join(src, "gone.go"));
    await rename(join(src, "pkg"), join(src, "renamed"));
    await rm(join(src, "flip"));
    await mkdir(join(src, "flip"));
    await writeFile(join(src, "flip/inner"), "now a dir");
    const second = (await mirrorTree(src, dst, first.index)).stats;
    expect(await tree(dst)).toEqual(await tree(src));
    expect(second.unchanged).toBe(1);

    await rm(join(src, "flip"), { recursive: true });
    await writeFile(join(src, "flip"), "file again");
    await mirrorTree(src, dst);
    expect(await tree(dst)).toEqual(await tree(src));
  });

  it("sees a same-size rewrite whose mtime was restored (as tar does); without an index it compares bytes", async () => {
    const { src, dst } = await dirs();
    await writeFile(join(src, "main.go"), "v1");
    const first = await mirrorTree(src, dst);
    const before = await lstat(join(src, "main.go"));
    await rm(join(src, "main.go"));
    await writeFile(join(src, "main.go"), "v2");
    const { utimes } = await import("node:fs/promises");
    await utimes(join(src, "main.go"), before.atimeMs / 1000, before.mtimeMs / 1000);
    expect((await mirrorTree(src, dst, first.index)).stats.copied).toBe(1);
    expect(await readFile(join(dst, "main.go"), "utf8")).toBe("v2");
    expect((await mirrorTree(src, dst)).stats).toMatchObject({ copied: 0, unchanged: 1, changes: [] });
    await writeFile(join(dst, "main.go"), "v3");
    expect((await mirrorTree(src, dst)).stats).toMatchObject({ copied: 1, changes: [{ path: "main.go", kind: "modified", type: "file" }] });
    expect(await readFile(join(dst, "main.go"), "utf8")).toBe("v2");
  });

  it("lists what it added, changed and deleted, and keeps what `keep` names", async () => {
    const { src, dst } = await dirs();
    await mkdir(join(src, "lib"));
    await writeFile(join(src, "lib", "a.js"), "a");
    await writeFile(join(src, "old.js"), "x");
    const first = await mirrorTree(src, dst);
    await symlink("/layers/npm/node_modules", join(dst, "node_modules"));
    await rm(join(src, "old.js"));
    await rm(join(src, "lib"), { recursive: true });
    await writeFile(join(src, "new.js"), "n");
    const { stats } = await mirrorTree(src, dst, first.index, { keep: (path) => path === "node_modules" });
    // A deleted dir is the deletion of the files the source had in it.
    expect(stats.changes).toEqual([
      { path: "lib/a.js", kind: "deleted", type: "file" },
      { path: "new.js", kind: "added", type: "file" },
      { path: "old.js", kind: "deleted", type: "file" },
    ]);
    expect(await exists(join(dst, "lib"))).toBe(false);
    expect(await readlink(join(dst, "node_modules"))).toBe("/layers/npm/node_modules");
    expect(stats.kept).toEqual(["node_modules"]);
  });

  it("leaves what the app or a build wrote alone; deletes only what the source had and lost", async () => {
    const { src, dst } = await dirs();
    await mkdir(join(src, "pkg"));
    await writeFile(join(src, "pkg", "__init__.py"), "");
    await writeFile(join(src, "app.py"), "v1");
    await writeFile(join(src, "notes.md"), "n");
    const first = await mirrorTree(src, dst);
    // Written at run time by the app and by Python, and at build time by a buildpack.
    await writeFile(join(dst, "app.db"), "rows");
    await mkdir(join(dst, "uploads"));
    await writeFile(join(dst, "uploads", "a.png"), "png");
    await mkdir(join(dst, "pkg", "__pycache__"));
    await writeFile(join(dst, "pkg", "__pycache__", "__init__.cpython-311.pyc"), "pyc");
    await writeFile(join(dst, "package-lock.json"), "{}");

    await writeFile(join(src, "app.py"), "v2!");
    await rm(join(src, "notes.md"));
    const { stats } = await mirrorTree(src, dst, first.index);
    expect(stats.changes).toEqual([
      { path: "app.py", kind: "modified", type: "file" },
      { path: "notes.md", kind: "deleted", type: "file" },
    ]);
    expect(stats).toMatchObject({ copied: 1, deleted: 1, leftAlone: 4, kept: [] });
    expect(await tree(dst)).toEqual([
      "F app.db 644 rows",
      "F app.py 644 v2!",
      "F package-lock.json 644 {}",
      "D pkg 755",
      "F pkg/__init__.py 644 ",
      "D pkg/__pycache__ 755",
      "F pkg/__pycache__/__init__.cpython-311.pyc 644 pyc",
      "D uploads 755",
      "F uploads/a.png 644 png",
    ]);
  });

  it("deletes a source dir the user deleted whole, with what the app wrote into it", async () => {
    const { src, dst } = await dirs();
    await mkdir(join(src, "pkg", "sub"), { recursive: true });
    await writeFile(join(src, "pkg", "a.py"), "a");
    await writeFile(join(src, "pkg", "sub", "b.py"), "b");
    await mkdir(join(src, "empty"));
    const first = await mirrorTree(src, dst);
    await mkdir(join(dst, "pkg", "__pycache__"));
    await writeFile(join(dst, "pkg", "__pycache__", "a.pyc"), "pyc");
    await rm(join(src, "pkg"), { recursive: true });
    await rm(join(src, "empty"), { recursive: true });
    const { stats } = await mirrorTree(src, dst, first.index);
    expect(stats.changes).toEqual([
      { path: "empty", kind: "deleted", type: "dir" },
      { path: "pkg/a.py", kind: "deleted", type: "file" },
      { path: "pkg/sub/b.py", kind: "deleted", type: "file" },
    ]);
    expect(await readdir(dst)).toEqual([]);
  });

  it("starts from the build's index: deletions since the image build reach the app dir, build outputs stay", async () => {
    const { root, src, dst } = await dirs();
    await writeFile(join(src, "server.js"), "v1");
    await writeFile(join(src, "old.js"), "old");
    // The image: the app dir as the buildpacks left it, and the index the build recorded of the source.
    await mkdir(dst);
    await writeFile(join(dst, "server.js"), "v1");
    await writeFile(join(dst, "old.js"), "old");
    await writeFile(join(dst, "package-lock.json"), "{}");
    await symlink("/layers/npm-install/launch-modules/node_modules", join(dst, "node_modules"));
    const built = join(root, "source-index.json");
    await writeMirrorIndex(built, await indexTree(src));
    await rm(join(src, "old.js"));

    const keep = (path: string) => path === "node_modules" || path === "package-lock.json";
    const { stats } = await mirrorTree(src, dst, await readMirrorIndex(built), { keep });
    expect(stats.changes).toEqual([{ path: "old.js", kind: "deleted", type: "file" }]);
    expect(stats).toMatchObject({ unchanged: 1, kept: ["node_modules", "package-lock.json"], leftAlone: 0 });
    expect((await readdir(dst)).sort()).toEqual(["node_modules", "package-lock.json", "server.js"]);
  });

  it("takes a file both sides still have at the export's mtime as unchanged without reading it; a synced one is read", async () => {
    const { utimes } = await import("node:fs/promises");
    const { src, dst } = await dirs();
    const exported = Date.UTC(1980, 0, 1, 0, 0, 1);
    // The image: the source snapshot and the app dir, both written by the export. A same-size difference the
    // shortcut cannot see stands for "not read": an untouched pair is never compared.
    await mkdir(dst);
    for (const [name, source, app] of [
      ["untouched.go", "aaaa", "bbbb"],
      ["synced.go", "v2v2", "v1v1"],
    ] as const) {
      await writeFile(join(src, name), source);
      await writeFile(join(dst, name), app);
      await utimes(join(dst, name), exported / 1000, exported / 1000);
    }
    await utimes(join(src, "untouched.go"), exported / 1000, exported / 1000);
    const { stats } = await mirrorTree(src, dst, await indexTree(src), { untouchedMtimeMs: exported });
    expect(stats).toMatchObject({ unchanged: 1, changedFiles: ["synced.go"] });
    expect(await readFile(join(dst, "synced.go"), "utf8")).toBe("v2v2");
    expect(await readFile(join(dst, "untouched.go"), "utf8")).toBe("bbbb");
    // Without the option every file the index has no signature of is compared by its bytes.
    expect((await mirrorTree(src, dst, await indexTree(src))).stats.changedFiles).toEqual(["untouched.go"]);
  });

  it("makes an exact copy with `clean`, but for what `keep` names", async () => {
    const { src, dst } = await dirs();
    await writeFile(join(src, "app.py"), "v1");
    const first = await mirrorTree(src, dst);
    await writeFile(join(dst, "app.db"), "rows");
    await mkdir(join(dst, "uploads"));
    await symlink("/layers/x/node_modules", join(dst, "node_modules"));
    const { stats } = await mirrorTree(src, dst, first.index, { clean: true, keep: (path) => path === "node_modules" });
    expect(stats.changes).toEqual([
      { path: "app.db", kind: "deleted", type: "file" },
      { path: "uploads", kind: "deleted", type: "dir" },
    ]);
    expect((await readdir(dst)).sort()).toEqual(["app.py", "node_modules"]);
  });

  it("round-trips its index through a file and names a damaged one", async () => {
    const { root, src, dst } = await dirs();
    await mkdir(join(src, "d"));
    await writeFile(join(src, "d", "f"), "f");
    await symlink("d/f", join(src, "l"));
    const { index } = await mirrorTree(src, dst);
    const path = join(root, "index.json");
    await writeMirrorIndex(path, index);
    expect(await readMirrorIndex(path)).toEqual(index);
    expect([...(await indexTree(src))].sort()).toEqual([
      ["d", { type: "dir" }],
      ["d/f", { type: "file" }],
      ["l", { type: "link" }],
    ]);
    expect(await readMirrorIndex(join(root, "none.json"))).toBeUndefined();
    for (const [text, detail] of [
      ["{", "not valid JSON"],
      ['{"version":2,"entries":[]}', "version 2, expected 1"],
      ['{"version":1,"entries":[["a","socket"]]}', 'bad entry ["a","socket"]'],
    ]) {
      await writeFile(path, text!);
      const error = await readMirrorIndex(path).catch((e: unknown) => e);
      expect(formatError(error)).toContain(path);
      expect(formatError(error)).toContain(detail);
    }
  });

  it("leaves the mode of the destination root (the app dir: a tmpfs or volume of the platform's) alone", async () => {
    const { src, dst } = await dirs();
    await mkdir(join(src, "sub"));
    await chmod(src, 0o775);
    await chmod(join(src, "sub"), 0o750);
    await mkdir(dst);
    await chmod(dst, 0o1777);
    await mirrorTree(src, dst);
    expect((await lstat(dst)).mode & 0o7777).toBe(0o1777);
    expect((await lstat(join(dst, "sub"))).mode & 0o7777).toBe(0o750);
  });

  it("replaces a read-only destination file", async () => {
    const { src, dst } = await dirs();
    await writeFile(join(src, "ro.txt"), "one");
    await chmod(join(src, "ro.txt"), 0o444);
    await mirrorTree(src, dst);
    await chmod(join(src, "ro.txt"), 0o644);
    await writeFile(join(src, "ro.txt"), "two!");
    await chmod(join(src, "ro.txt"), 0o444);
    await mirrorTree(src, dst);
    expect(await readFile(join(dst, "ro.txt"), "utf8")).toBe("two!");
  });

  it("follows a file that becomes a link or a dir, a dir that becomes a link, and a deleted nested tree", async () => {
    const { root, src, dst } = await dirs();
    await writeFile(join(root, "outside"), "outside");
    await writeFile(join(src, "to-link"), "file");
    await mkdir(join(src, "dir-to-link/sub"), { recursive: true });
    await writeFile(join(src, "dir-to-link/sub/f"), "f");
    await symlink("to-link", join(src, "link-to-file"));
    await mkdir(join(src, "gone/a/b"), { recursive: true });
    await writeFile(join(src, "gone/a/b/c.go"), "c");
    const first = await mirrorTree(src, dst);

    await rm(join(src, "to-link"));
    await symlink("../outside", join(src, "to-link"));
    await rm(join(src, "dir-to-link"), { recursive: true });
    await symlink("/", join(src, "dir-to-link"));
    await rm(join(src, "link-to-file"));
    await writeFile(join(src, "link-to-file"), "a file now");
    await rm(join(src, "gone"), { recursive: true });
    const second = await mirrorTree(src, dst, first.index);
    expect(await tree(dst)).toEqual(await tree(src));
    // The links were written as links: nothing outside the tree was read or written through them.
    expect(await readFile(join(root, "outside"), "utf8")).toBe("outside");
    expect(second.stats.changedFiles).toEqual(["link-to-file"]);

    // And back again, with the index of the previous mirror.
    await rm(join(src, "to-link"));
    await writeFile(join(src, "to-link"), "file again");
    await rm(join(src, "dir-to-link"));
    await mkdir(join(src, "dir-to-link"));
    await mirrorTree(src, dst, second.index);
    expect(await tree(dst)).toEqual(await tree(src));
  });

  it("mirrors a tree of 10,000 files exactly, then a change to one of them touches one file", async () => {
    const { src, dst } = await dirs();
    for (let d = 0; d < 100; d++) {
      const dir = join(src, `pkg ${d}`, "ünï");
      await mkdir(dir, { recursive: true });
      await Promise.all(Array.from({ length: 100 }, (_, f) => writeFile(join(dir, `-f${f}.go`), `package p${d} // ${f}`)));
    }
    let t0 = performance.now();
    const first = await mirrorTree(src, dst);
    const fullMs = performance.now() - t0;
    expect(first.stats.copied).toBe(10_000);
    expect(await tree(dst)).toEqual(await tree(src));
    await writeFile(join(src, "pkg 42", "ünï", "-f7.go"), "package changed");
    t0 = performance.now();
    const second = await mirrorTree(src, dst, first.index);
    const incrementalMs = performance.now() - t0;
    expect(second.stats).toMatchObject({ copied: 1, deleted: 0, unchanged: 9_999, changedFiles: [join("pkg 42", "ünï", "-f7.go")] });
    console.log(`[mirror] 10,000 files: first mirror ${fullMs.toFixed(0)} ms, one change ${incrementalMs.toFixed(0)} ms`);
  }, 120_000);
});
