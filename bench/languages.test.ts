import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LANGUAGES } from "./languages.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("language profiles", () => {
  for (const profile of Object.values(LANGUAGES)) {
    it(`${profile.name}: edits exactly the message line of ${profile.sample}/${profile.file}`, async () => {
      const text = await readFile(path.join(root, profile.sample, profile.file), "utf8");
      const edited = profile.setMessage(text, "bench-1");
      const changed = edited.split("\n").filter((line, i) => line !== text.split("\n")[i]);
      expect(changed).toHaveLength(1);
      expect(changed[0]).toContain('"bench-1"');
      expect(profile.setMessage(edited, "bench-2")).toContain('"bench-2"');
    });
  }

  for (const profile of Object.values(LANGUAGES).filter((p) => p.dependencyChange)) {
    it(`${profile.name}: changes ${profile.dependencyChange!.file} differently on every call, keeping what it installs`, async () => {
      const change = profile.dependencyChange!;
      const text = await readFile(path.join(root, profile.sample, change.file), "utf8");
      const first = change.edit(text, 1);
      const second = change.edit(first, 2);
      expect(first).not.toBe(text);
      expect(second).not.toBe(first);
      expect(change.edit(second, 1)).toBe(first);
      const kept = text.split("\n").filter((line) => line !== "");
      if (change.file === "package.json") expect(JSON.parse(second).dependencies).toEqual(JSON.parse(text).dependencies);
      else expect(second.split("\n").filter((line) => line !== "" && !line.startsWith("#"))).toEqual(kept);
    });
  }
});
