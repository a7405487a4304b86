import { describe, expect, it } from "vitest";
import { compileGlobs } from "./glob.js";

describe("compileGlobs", () => {
  it("matches slash-less patterns against any segment, so a matched directory covers its contents", () => {
    const m = compileGlobs(["*.tmp", "node_modules", ".#*", "*~", "4913", "build/"]);
    expect(m("a.tmp")).toBe(true);
    expect(m("deep/dir/a.tmp")).toBe(true);
    expect(m("a.tmpx")).toBe(false);
    expect(m("node_modules/x/index.js")).toBe(true);
    expect(m("pkg/node_modules")).toBe(true);
    expect(m("src/.#main.go")).toBe(true);
    expect(m("main.go~")).toBe(true);
    expect(m("4913")).toBe(true);
    expect(m("49130")).toBe(false);
    expect(m("build/out.o")).toBe(true);
    expect(m("src/main.go")).toBe(false);
  });

  it("anchors patterns with a slash at the root and supports ** and classes", () => {
    const m = compileGlobs(["/vendor/*.go", "docs/**/*.md", "**/gen/*.pb.go", "log[0-9].txt", "x?.c", "[!a]b"]);
    expect(m("vendor/a.go")).toBe(true);
    expect(m("src/vendor/a.go")).toBe(false);
    expect(m("vendor/sub/a.go")).toBe(false);
    expect(m("docs/a.md")).toBe(true);
    expect(m("docs/x/y/a.md")).toBe(true);
    expect(m("gen/a.pb.go")).toBe(true);
    expect(m("api/v1/gen/a.pb.go")).toBe(true);
    expect(m("log7.txt")).toBe(true);
    expect(m("logx.txt")).toBe(false);
    expect(m("x1.c")).toBe(true);
    expect(m("x/.c")).toBe(false);
    expect(m("bb")).toBe(true);
    expect(m("ab")).toBe(false);
  });

  it("escapes regex characters and ignores blank and comment lines", () => {
    const m = compileGlobs(["a+b(1).js", "", "# comment"]);
    expect(m("a+b(1).js")).toBe(true);
    expect(m("aab(1).js")).toBe(false);
    expect(m("# comment")).toBe(false);
  });
});
