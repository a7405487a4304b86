/**
 * Skaffold's `sync: {auto: true}` for a buildpacks artifact reads its sync rules from the image: the
 * `io.buildpacks.build.metadata` label's `bom[].metadata["devmode.sync"]`, a list of `{src: glob, dest: dir}`
 * (GoogleContainerTools/skaffold pkg/skaffold/build/buildpacks/metadata.go), which the lifecycle fills from the
 * `[[bom]]` entries of launch.toml. A changed file that matches a rule is copied (its relative path kept under
 * `dest`); any other change makes Skaffold build a new image. So the rules cover the source snapshot, the sync
 * target, except the files whose change needs a new image (project.toml: buildpacks, build env).
 */
import { readdir } from "node:fs/promises";
import { extname } from "node:path";

export interface SyncRule {
  src: string;
  dest: string;
}

/** Files whose change must give a new image: Skaffold rebuilds for a file no rule matches. */
const NEEDS_NEW_IMAGE = new Set(["project.toml"]);

/**
 * One rule per top-level entry of the app source (a directory with everything under it), plus one per file
 * extension seen at the top, so that a new file of the same kind syncs too. Glob syntax has no negation, hence
 * the enumeration.
 */
export async function devmodeSyncRules(srcDir: string, dest: string): Promise<SyncRule[]> {
  const entries = (await readdir(srcDir, { withFileTypes: true })).filter((e) => !NEEDS_NEW_IMAGE.has(e.name));
  const globs = new Set<string>();
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    globs.add(entry.isDirectory() ? `${entry.name}/**` : entry.name);
  }
  for (const entry of entries) {
    const ext = extname(entry.name);
    if (entry.isFile() && ext !== "" && ext !== ".toml") globs.add(`*${ext}`);
  }
  return [...globs].map((src) => ({ src, dest }));
}

/** The launch.toml `[[bom]]` entry that carries the rules (no top-level version: the lifecycle rejects one). */
export function devmodeBomEntry(rules: SyncRule[]): { name: string; metadata: Record<string, unknown> } {
  return { name: "devmode", metadata: { "devmode.sync": rules } };
}
