/**
 * Shared by the build (which records that Go used cgo) and the rebuild (which warns when the container cannot).
 * A rebuild runs in the run image, the image build in the build image. Where they differ in a way that changes
 * the compiler's output, a rebuild compiles something else and misses the carried build caches. The case seen:
 * Go decides CGO_ENABLED by whether a C compiler is on the PATH. The build image has gcc, a production run image
 * has none, so Go built with cgo and the first rebuild in a container recompiles the standard library without it
 * (4.7 s instead of about 1 s for a small edit). tilt-live cannot give the run image a compiler, and the build
 * cannot see the run image (pack writes a --run-image into the builder's run.toml too), so the build records that
 * Go used cgo and says what that needs, and the rebuild says so when the container has no C compiler.
 */
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";
import type { GroupEntry } from "../cnb/group.js";
import { lookup } from "./config.js";

const C_COMPILERS = ["gcc", "cc"];

export async function hasCCompiler(pathVar: string | undefined): Promise<boolean> {
  for (const dir of (pathVar ?? "").split(delimiter).filter(Boolean)) {
    for (const name of C_COMPILERS) {
      if (
        await access(join(dir, name)).then(
          () => true,
          () => false,
        )
      )
        return true;
    }
  }
  return false;
}

/** True when a Go buildpack compiled with cgo on: CGO_ENABLED left to Go, and a C compiler on the build PATH. */
/** `input`: the build's variables (a BuildInput's, src/buildpack/inputs.ts). */
export async function goUsedCgo(
  input: { platformEnv: Record<string, string>; env: NodeJS.ProcessEnv },
  group: GroupEntry[],
): Promise<boolean> {
  if (!group.some((bp) => /(^|\/)go-build$/.test(bp.id))) return false;
  const cgo = lookup(input.platformEnv, input.env, "CGO_ENABLED");
  if (cgo !== undefined && cgo.trim() !== "") return false; // set by the user: recorded, so the rebuild uses it too
  return hasCCompiler(input.env.PATH);
}

export const CGO_FIX =
  "pack build --run-image <the build image>, or --env CGO_ENABLED=0 (tilt-dev's pack extension: env_vars=['CGO_ENABLED=0'])";

export const CGO_BUILD_NOTE = `Go compiled with cgo (a C compiler is in the build image): rebuilds reuse its cache only where the run image has one too; otherwise ${CGO_FIX}`;

export const CGO_REBUILD_WARNING =
  `WARNING: the image's Go build used cgo, but this container has no C compiler: Go compiles with CGO_ENABLED=0 here and misses the build cache ` +
  `(the first rebuild of each container takes seconds). Fix: ${CGO_FIX}`;
