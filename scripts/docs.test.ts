// The README and docs/ held against the code (issue 21): every tilt-live variable they name is one config.ts
// reads (or one the scripts take from the environment), every repository path they give exists, every
// `npm run` script is in package.json, and every pinned version they quote is the one scripts/versions.env pins.
import { access, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { envVarsIn, expandBraces, npmScriptsIn, parseEnvFile, pathsIn, versionClaimsIn } from "./docs-claims.js";

const root = path.resolve(import.meta.dirname, "..");
const read = (file: string) => readFile(path.join(root, file), "utf8");

async function docFiles(): Promise<string[]> {
  const docs = (await readdir(path.join(root, "docs"))).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
  return ["README.md", ...docs, "bench/results/README.md"];
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function sourceFiles(dir: string, ext: RegExp): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && ext.test(e.name)).map((e) => path.join(e.parentPath, e.name));
}

/** The variables tilt-live reads: the string literals of the module that defines ConfigVars (src/contract/config.ts). */
async function configVars(): Promise<Set<string>> {
  for (const file of await sourceFiles("src", /(?<!\.test)\.ts$/)) {
    const text = await readFile(file, "utf8");
    if (/export const ConfigVars\b/.test(text)) return new Set([...text.matchAll(/"((?:BP_)?TILT_LIVE_[A-Z0-9_]+)"/g)].map((m) => m[1]!));
  }
  throw new Error("no module under src/ defines ConfigVars");
}

/** TILT_LIVE_* names the shell scripts take from the environment (`${TILT_LIVE_X:-default}`) or export. */
async function scriptVars(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const file of await sourceFiles("scripts", /\.sh$/)) {
    for (const m of (await readFile(file, "utf8")).matchAll(/\$\{(TILT_LIVE_[A-Z0-9_]+):-|export (TILT_LIVE_[A-Z0-9_]+)=/g))
      names.add((m[1] ?? m[2])!);
  }
  return names;
}

describe("the README and docs/ against the code", () => {
  it("name only variables that config.ts or the scripts read", async () => {
    const known = new Set([...(await configVars()), ...(await scriptVars())]);
    const unknown: string[] = [];
    const named = new Set<string>();
    for (const file of await docFiles()) {
      for (const name of envVarsIn(await read(file))) {
        named.add(name);
        if (!known.has(name)) unknown.push(`${file}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
    // Not a check that passes by reading nothing: the configuration table alone names a dozen.
    expect(named.size).toBeGreaterThanOrEqual(12);
  });

  it("give only repository paths that exist", async () => {
    const missing: string[] = [];
    let checked = 0;
    for (const file of await docFiles()) {
      const { code, links } = pathsIn(await read(file));
      checked += code.length + links.length;
      for (const p of code) if (!(await exists(path.join(root, p)))) missing.push(`${file}: \`${p}\``);
      for (const p of links) if (!(await exists(path.resolve(root, path.dirname(file), p)))) missing.push(`${file}: link ${p}`);
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(50);
  });

  it("name only npm scripts that package.json has", async () => {
    const scripts = Object.keys(JSON.parse(await read("package.json")).scripts);
    const unknown: string[] = [];
    const named = new Set<string>();
    for (const file of await docFiles()) {
      for (const name of npmScriptsIn(await read(file))) {
        named.add(name);
        if (!scripts.includes(name)) unknown.push(`${file}: npm run ${name}`);
      }
    }
    expect(unknown).toEqual([]);
    expect([...named]).toEqual(expect.arrayContaining(["demo", "test", "build", "bench"]));
  });

  it("quote the versions scripts/versions.env pins", async () => {
    const pins = parseEnvFile(await read("scripts/versions.env"));
    const wrong: string[] = [];
    const quoted = new Set<string>();
    for (const file of await docFiles()) {
      for (const claim of versionClaimsIn(await read(file))) {
        quoted.add(claim.variable);
        const pinned = pins.get(claim.variable);
        if (pinned === undefined) throw new Error(`scripts/versions.env has no ${claim.variable}`);
        if (claim.quoted !== pinned) wrong.push(`${file}: ${claim.what} ${claim.quoted} (${claim.variable}=${pinned})`);
      }
    }
    expect(wrong).toEqual([]);
    expect([...quoted]).toEqual(
      expect.arrayContaining(["PACK_VERSION", "LIFECYCLE_VERSION", "TILT_VERSION", "SKAFFOLD_VERSION", "K8S_VERSION"]),
    );
  });
});

describe("the claims the check reads", () => {
  it("finds variables, scripts, paths and versions, so that a drifted line fails the check above", () => {
    const line =
      "`BP_TILT_LIVE_WACH=true` and TILT_LIVE_CACHE, TILT_LIVE_K8S_{CONTEXT,REGISTRY}; run `npm run demoo` or npm test; see `scripts/platform/k8s.sh start`, " +
      "`integration/{node,go}-live.test.ts`, [perf](performance.md#x), `src/a.ts:58`, `<platform>/env`, `/layers/tilt-live/src`; " +
      "pack 0.35.1 and lifecycle 0.20.20, Skaffold 2.13.2 (embeds pack 0.30), `paketo-buildpacks/go-build@2.2.37`.";
    expect([...envVarsIn(line)]).toEqual(["BP_TILT_LIVE_WACH", "TILT_LIVE_CACHE", "TILT_LIVE_K8S_CONTEXT", "TILT_LIVE_K8S_REGISTRY"]);
    expect([...npmScriptsIn(line)]).toEqual(["demoo", "test"]);
    expect(pathsIn(line)).toEqual({
      code: ["scripts/platform/k8s.sh", "integration/node-live.test.ts", "integration/go-live.test.ts", "src/a.ts"],
      links: ["performance.md"],
    });
    expect(versionClaimsIn(line).map((c) => `${c.variable}=${c.quoted}`)).toEqual([
      "PACK_VERSION=0.35.1",
      "LIFECYCLE_VERSION=0.20.20",
      "SKAFFOLD_VERSION=2.13.2",
      "PAKETO_GO_BUILD_VERSION=2.2.37",
    ]);
    expect(expandBraces("a/{b,c}/{d,e}.sh")).toEqual(["a/b/d.sh", "a/b/e.sh", "a/c/d.sh", "a/c/e.sh"]);
    expect(parseEnvFile('# pins\nPACK_VERSION=0.36.4\nX="a b"\n')).toEqual(
      new Map([
        ["PACK_VERSION", "0.36.4"],
        ["X", "a b"],
      ]),
    );
  });
});
