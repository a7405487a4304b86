import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing/temp-dir.js";
import { checkSyntax } from "./syntax-check.js";

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

  it("finds a Python syntax error", async () => {
    const dir = await tempDir("tilt-live-syntax-");
    await writeFile(join(dir, "app.py"), "def broken(:\n");
    const result = await checkSyntax(dir, ["app.py"], process.env);
    expect(result.problems.map((p) => p.file)).toEqual(["app.py"]);
  });

  it("skips a language whose tool is not on the PATH", async () => {
    const dir = await tempDir("tilt-live-syntax-");
    await writeFile(join(dir, "bad.js"), "function (\n");
    const result = await checkSyntax(dir, ["bad.js"], { PATH: "/nonexistent" });
    expect(result).toEqual({ checked: 0, problems: [] });
  });
});
