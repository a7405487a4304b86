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
});
