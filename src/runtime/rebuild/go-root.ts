/**
 * The GOROOT a rebuild gives Go: the path the image build's Go had.
 *
 * Why: the rebuild links each carried layer into place (`/layers/<buildpack>/<layer>` -> the copy under
 * `/layers/tilt-live/carried`). Go finds its GOROOT, when the env names none, from its own executable with the
 * links resolved (cmd/go/internal/cfg findGOROOT: os.Executable, filepath.EvalSymlinks), so through the link it
 * would take the carried path, while the image build's Go had the layer's path. Go keys the index of the
 * standard library it keeps in the build cache by that path (cmd/go/internal/modindex: "module index <go
 * version> <index version> <GOROOT/src>"), so the first rebuild in every new container rebuilt that index
 * (about 0.4 s of a 0.7 s `go build` of samples/go) and wrote it into the container; and without -trimpath
 * the path goes into the compiled packages too. With GOROOT set to the layer's path, Go sees what it saw in
 * the image build.
 */
import { lstat, readdir, readlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { unlessMissing } from "../../core/errno.js";
import { exists } from "../../fsutil/copy.js";

/** A Go toolchain root, by Go's own test (cmd/go/internal/cfg isGOROOT: a pkg/tool dir) plus the go command. */
async function isGoRoot(dir: string): Promise<boolean> {
  return (await exists(join(dir, "pkg", "tool"))) && (await exists(join(dir, "bin", "go")));
}

/**
 * The layer path (`<layersRoot>/<buildpack>/<layer>`) of a carried Go toolchain linked into place, or undefined
 * when the group carries none (or a buildpack replaced the link with a layer of its own).
 */
export async function asBuiltGoRoot(layersRoot: string, carriedDir: string): Promise<string | undefined> {
  for (const bp of (await unlessMissing(readdir(carriedDir, { withFileTypes: true }))) ?? []) {
    if (!bp.isDirectory()) continue;
    for (const layer of await readdir(join(carriedDir, bp.name))) {
      const carried = join(carriedDir, bp.name, layer);
      const linkPath = join(layersRoot, bp.name, layer);
      const link = await unlessMissing(lstat(linkPath));
      if (!link?.isSymbolicLink()) continue;
      if (resolve(join(layersRoot, bp.name), await readlink(linkPath)) !== carried) continue;
      if (await isGoRoot(carried)) return linkPath;
    }
  }
  return undefined;
}
