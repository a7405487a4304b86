/**
 * Skaffold's auto sync for tilt-live images. With `sync: auto: true` on a `buildpacks` artifact, Skaffold reads
 * `[{src, dest}]` rules from the image label io.buildpacks.build.metadata at `bom[].metadata["devmode.sync"]`
 * (GoogleContainerTools/skaffold pkg/skaffold/build/buildpacks/metadata.go), matches each changed file's path
 * relative to the artifact's context against `src` (bmatcuk/doublestar v1 PathMatch), copies it to
 * `dest/<path>`, and rebuilds the image as soon as one changed file matches no rule (pkg/skaffold/sync/sync.go).
 * So the rules send the source to the sync target and match nothing only a new image can take (project.toml and
 * BP_TILT_LIVE_IMAGE_BUILD's globs): Skaffold rebuilds the image for those.
 *
 * doublestar v1 has no negated pattern, only negated character classes (`[^x]`; `[!x]` is a class holding "!"
 * and "x"). When every image-build glob is a plain file name (the default: project.toml), the rules are the
 * complement of those names written as classes (a trie walk), under `**\/`: they cover every path whose last
 * segment is not one of them, including files added after the build. Otherwise the rules list what the source
 * held at build: whole directories without an image input as `dir/**`, the other files one by one; a file added
 * next to an image input then makes Skaffold rebuild the image.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { compileGlobs, type GlobMatcher } from "../core/glob.js";

/** One rule of the label: `src` is a doublestar v1 pattern relative to Skaffold's context, `dest` absolute. */
export interface SkaffoldSyncRule {
  src: string;
  dest: string;
}

/** The launch.toml `[[bom]]` entry Skaffold reads the rules from (buildpack spec: no top-level version). */
export const DEVMODE_BOM_NAME = "devmode";

export interface SyncRulesPlan {
  rules: SkaffoldSyncRule[];
  /** "names": the complement of plain file names (covers new files); "listed": the files as built. */
  kind: "names" | "listed";
}

/** Names the complement construction handles: no glob syntax, no "/", nothing a class would need escaped. */
const PLAIN_NAME = /^[A-Za-z0-9._@+,=~%-]+$/;
const GLOB_SPECIAL = /[*?[\]{}\\]/g;

function escapeGlob(literal: string): string {
  return literal.replace(GLOB_SPECIAL, "\\$&");
}

/** A class of characters other than `chars`; "-" goes last so that it is not read as a range. */
function negatedClass(chars: Iterable<string>): string {
  const sorted = [...new Set(chars)].sort();
  const dash = sorted.includes("-");
  return `[^${sorted.filter((c) => c !== "-").join("")}${dash ? "-" : ""}]`;
}

/**
 * Patterns for the single path segments that are none of `names` (non-empty strings of PLAIN_NAME characters).
 * At each trie node with prefix p: the name p itself (when p is not excluded), p followed by a character no
 * excluded name continues with, and, where no excluded name continues, p followed by anything.
 */
export function complementOfNames(names: readonly string[]): string[] {
  const excluded = new Set(names);
  const patterns: string[] = [];
  const walk = (prefix: string, continuing: string[]) => {
    if (prefix !== "" && !excluded.has(prefix)) patterns.push(prefix);
    const next = new Set(continuing.filter((n) => n.length > prefix.length).map((n) => n[prefix.length]!));
    if (next.size === 0) {
      patterns.push(`${prefix}?*`);
      return;
    }
    patterns.push(`${prefix}${negatedClass(next)}*`);
    for (const c of [...next].sort())
      walk(
        prefix + c,
        continuing.filter((n) => n.startsWith(prefix + c)),
      );
  };
  walk("", [...excluded]);
  return patterns;
}

/** The files and directories of `srcDir` not matching `isImageInput`, as few patterns as the tree allows. */
async function listedSources(srcDir: string, isImageInput: GlobMatcher): Promise<string[]> {
  const patterns: string[] = [];
  const visit = async (rel: string): Promise<boolean> => {
    // true when nothing under rel is an image input (then the caller can cover it with one rel/** pattern)
    const entries = await readdir(join(srcDir, rel), { withFileTypes: true });
    const own: string[] = [];
    let clean = true;
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (isImageInput(path)) {
        clean = false;
        continue;
      }
      if (entry.isDirectory()) {
        const mark = patterns.length;
        if (await visit(path)) {
          patterns.length = mark;
          own.push(`${escapeGlob(path)}/**`);
        } else {
          clean = false;
        }
      } else {
        own.push(escapeGlob(path));
      }
    }
    patterns.push(...own);
    return clean;
  };
  await visit("");
  return patterns.sort();
}

/**
 * The rules for a source snapshot at `srcDir` (the sync target `dest` as built), leaving out `imageBuildGlobs`
 * (tilt-live's syntax, src/core/glob.ts: a pattern without "/" is a name at any depth).
 */
export async function skaffoldSyncRules(srcDir: string, imageBuildGlobs: readonly string[], dest: string): Promise<SyncRulesPlan> {
  const globs = imageBuildGlobs.map((g) => g.trim().replace(/\/+$/, "")).filter((g) => g !== "" && !g.startsWith("#"));
  if (globs.every((g) => PLAIN_NAME.test(g))) {
    return { kind: "names", rules: complementOfNames(globs).map((name) => ({ src: `**/${name}`, dest })) };
  }
  const listed = await listedSources(srcDir, compileGlobs(globs));
  return { kind: "listed", rules: listed.map((src) => ({ src, dest })) };
}
