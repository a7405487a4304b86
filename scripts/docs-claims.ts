// What the README and docs/ say about the code, pulled out of their text so that scripts/docs.test.ts can hold
// each claim against the source of truth: the variables config.ts reads, the files in the repository, the npm
// scripts of package.json and the pins in scripts/versions.env.

/** Top-level directories of the repository: a path in the docs that starts with one is a repository path. */
const REPO_DIRS = ["src", "scripts", "integration", "bench", "docs", "samples", "native", "tilt_live", "platform", "buildpacks", "lint"];

/** `BP_TILT_LIVE_*` and `TILT_LIVE_*` names the text mentions. */
export function envVarsIn(text: string): Set<string> {
  const spelled = [...text.matchAll(/(?<![A-Z0-9_])((?:BP_)?TILT_LIVE_[A-Z0-9_]*(?:\{[A-Z0-9_,]+\})?)/g)];
  return new Set(spelled.flatMap((m) => expandBraces(m[1]!)).map((name) => name.replace(/_+$/, "")));
}

/** `npm run <script>` and `npm test` the text names, as package.json script names. */
export function npmScriptsIn(text: string): Set<string> {
  const names = [...text.matchAll(/\bnpm run ([a-z][\w:-]*)/g)].map((m) => m[1]!);
  if (/\bnpm test\b/.test(text)) names.push("test");
  return new Set(names);
}

/** `{a,b}` alternatives spelled out: `x/{a,b}.ts` is `x/a.ts` and `x/b.ts`. */
export function expandBraces(path: string): string[] {
  const m = /\{([^{}]*)\}/.exec(path);
  if (!m) return [path];
  return m[1]!.split(",").flatMap((alt) => expandBraces(path.slice(0, m.index) + alt + path.slice(m.index + m[0].length)));
}

/**
 * Repository paths in code spans and relative links, as written (links resolved by the caller against the
 * file's own directory). Placeholders (`<name>`, `${VAR}`, globs) and absolute paths are not repository paths.
 */
export function pathsIn(text: string): { code: string[]; links: string[] } {
  const prefix = new RegExp(String.raw`(?<![\w./<>$-])((?:${REPO_DIRS.join("|")})/[^\s"'\x60)\]]*)`, "g");
  const code: string[] = [];
  for (const [, span] of text.matchAll(/`([^`\n]+)`/g)) {
    for (const [, path] of span!.matchAll(prefix)) code.push(path!);
  }
  const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:|^#/.test(l));
  const usable = (p: string) => !/[<>$*]/.test(p);
  // A line reference (`file.ts:58`), an anchor and trailing punctuation are not part of the path.
  const clean = (p: string) =>
    p
      .replace(/#.*$/, "")
      .replace(/(:\d+)+$/, "")
      .replace(/[.,;:]+$/, "");
  return {
    code: code.filter(usable).map(clean).flatMap(expandBraces),
    links: links
      .filter(usable)
      .map(clean)
      .filter((l) => l !== "")
      .flatMap(expandBraces),
  };
}

/** A version the docs quote and the variable of scripts/versions.env that pins it. */
export interface VersionClaim {
  what: string;
  variable: string;
  quoted: string;
}

/** How each pinned tool is named in prose; the version must have three parts (`pack 0.30` is a range, not a pin). */
const VERSION_PATTERNS: Array<[what: string, variable: string, pattern: RegExp]> = [
  ["pack", "PACK_VERSION", /\bpack v?(\d+\.\d+\.\d+)/g],
  ["lifecycle", "LIFECYCLE_VERSION", /\b[Ll]ifecycle v?(\d+\.\d+\.\d+)/g],
  ["Tilt", "TILT_VERSION", /\b(?:Tilt|tilt-dev\/tilt) v?(\d+\.\d+\.\d+)/g],
  ["Skaffold", "SKAFFOLD_VERSION", /\bSkaffold v?(\d+\.\d+\.\d+)/g],
  ["Docker Compose v1", "COMPOSE_VERSION", /\bdocker-compose`? v?(\d+\.\d+\.\d+)/g],
  ["Docker Compose v2", "COMPOSE_V2_VERSION", /\bCompose v2 v?(\d+\.\d+\.\d+)|\bcompose-v2` builds v?(\d+\.\d+\.\d+)/g],
  ["Kubernetes", "K8S_VERSION", /\bKubernetes v?(\d+\.\d+\.\d+)/g],
  ["go-build", "PAKETO_GO_BUILD_VERSION", /\bgo-build[ @]v?(\d+\.\d+\.\d+)/g],
  ["go-mod-vendor", "PAKETO_GO_MOD_VENDOR_VERSION", /\bgo-mod-vendor[ @]v?(\d+\.\d+\.\d+)/g],
  ["npm-install", "PAKETO_NPM_INSTALL_VERSION", /\bnpm-install[ @]v?(\d+\.\d+\.\d+)/g],
  ["node-start", "PAKETO_NODE_START_VERSION", /\bnode-start[ @]v?(\d+\.\d+\.\d+)/g],
  ["pip-install", "PAKETO_PIP_INSTALL_VERSION", /\bpip-install[ @]v?(\d+\.\d+\.\d+)/g],
  ["python-start", "PAKETO_PYTHON_START_VERSION", /\bpython-start[ @]v?(\d+\.\d+\.\d+)/g],
  ["procfile", "PAKETO_PROCFILE_VERSION", /\bprocfile[ @]v?(\d+\.\d+\.\d+)/g],
  ["maven buildpack", "PAKETO_MAVEN_VERSION", /\bmaven[ @]v?(\d+\.\d+\.\d+)/g],
  ["executable-jar", "PAKETO_EXECUTABLE_JAR_VERSION", /\bexecutable-jar[ @]v?(\d+\.\d+\.\d+)/g],
  ["Maven", "MAVEN_VERSION", /\bMaven v?(\d+\.\d+\.\d+)/g],
  ["syft", "SYFT_VERSION", /\bsyft v?(\d+\.\d+\.\d+)/g],
  ["Node.js of the stand-in and the executable", "NODE_ENGINE_VERSION", /\bnode-linux-x64@(\d+\.\d+\.\d+)/g],
  ["npm of the node-engine stand-in", "NODE_ENGINE_NPM_VERSION", /\bnpm@(\d+\.\d+\.\d+)/g],
];

/** Every pinned version the text quotes. */
export function versionClaimsIn(text: string): VersionClaim[] {
  return VERSION_PATTERNS.flatMap(([what, variable, pattern]) =>
    [...text.matchAll(pattern)].map((m) => ({ what, variable, quoted: (m[1] ?? m[2])! })),
  );
}

/** `NAME=value` lines of an env file (scripts/versions.env), quotes removed. */
export function parseEnvFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const [, name, value] of text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)) vars.set(name!, value!.replace(/^"(.*)"$/, "$1"));
  return vars;
}
