import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../testing/temp-dir.js";
import { checkSyntax, closeResidentParsers } from "./syntax-check.js";

describe("checkSyntax", () => {
  it("finds a JavaScript syntax error in a changed file and passes good files", async () => {
    const dir = await tempDir("tilt-live-syntax-");
    await writeFile(join(dir, "good.js"), "module.exports = 1;\n");
    await writeFile(join(dir, "bad.js"), "function (\n");
    await writeFile(join(dir, "notes.txt"), "function (\n");
    const result = await checkSyntax(dir, ["good.js", "bad.js", "notes.txt"], process.env);
    expect(result.checked).toBe(2);
    expect(result.problems.map((p) => p.file)).toEqual(["bad.js"]);
    expect(result.problems[0]!.output).toContain("SyntaxError");
  });

  it("passes CommonJS in process and leaves ES modules and every rejection to the app's node --check", async () => {
    const dir = await tempDir("tilt-live-syntax-");
    await writeFile(join(dir, "cli.js"), "#!/usr/bin/env node\nif (require.main === module) return;\n");
    await writeFile(join(dir, "esm.mjs"), 'import { x } from "../x.mjs";\nexport const y = x;\n');
    await writeFile(join(dir, "bad.mjs"), "export const = 1;\n");
    // No node on the PATH: only what compiles in process is checked, the rest is skipped, never failed.
    expect(await checkSyntax(dir, ["cli.js", "esm.mjs"], { PATH: "/nonexistent" })).toEqual({ checked: 1, problems: [] });
    const result = await checkSyntax(dir, ["cli.js", "esm.mjs", "bad.mjs"], process.env);
    expect(result.checked).toBe(3);
    expect(result.problems.map((p) => p.file)).toEqual(["bad.mjs"]);
  });

  it("finds a Python syntax error", async () => {
    const dir = await tempDir("tilt-live-syntax-");
    await writeFile(join(dir, "app.py"), "def broken(:\n");
    const result = await checkSyntax(dir, ["app.py"], process.env);
    expect(result.problems.map((p) => p.file)).toEqual(["app.py"]);
  });

  it("keeps one python3 running for Python files when asked (the supervisor), with the same verdicts", async () => {
    const dir = await tempDir("tilt-live-syntax-");
    await writeFile(join(dir, "good.py"), "x = 1\n");
    await writeFile(join(dir, "bad.py"), "def broken(:\n");
    const handles = () => process.getActiveResourcesInfo().filter((r) => r === "ProcessWrap" || r === "PipeWrap").length;
    const before = handles();
    try {
      const first = await checkSyntax(dir, ["bad.py", "good.py"], process.env, { resident: true });
      // The kept python3 holds nothing that keeps this process alive: the supervisor can exit on SIGTERM.
      expect(handles()).toBe(before);
      expect(first.checked).toBe(2);
      expect(first.problems.map((p) => p.file)).toEqual(["bad.py"]);
      expect(first.problems[0]!.output).toContain("SyntaxError");
      expect(first.problems[0]!.output).toContain("bad.py");
      const started = performance.now();
      for (let i = 0; i < 5; i++) expect((await checkSyntax(dir, ["good.py"], process.env, { resident: true })).problems).toEqual([]);
      // Five checks without a python3 start each (one start alone takes tens of ms).
      expect(performance.now() - started).toBeLessThan(2000);
      expect(await checkSyntax(dir, ["good.py"], { PATH: "/nonexistent" }, { resident: false })).toEqual({ checked: 0, problems: [] });
    } finally {
      closeResidentParsers();
    }
  });

  it("skips a language whose tool is not on the PATH", async () => {
    const dir = await tempDir("tilt-live-syntax-");
    await writeFile(join(dir, "bad.js"), "function (\n");
    const result = await checkSyntax(dir, ["bad.js"], { PATH: "/nonexistent" });
    expect(result).toEqual({ checked: 0, problems: [] });
  });
});
