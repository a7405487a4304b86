/**
 * Which files each known buildpack reads from the app dir during its build, as typed data. A rebuild uses
 * it to pick the cheapest correct action for a change set (src/runtime/rebuild/change-plan.ts): a file no member of
 * the group reads only needs the app restarted. A buildpack without an entry here may read anything.
 *
 * Sources: each buildpack's build and detect code at the versions the builder carries (npm-install 1.6.9
 * sums package.json and package-lock.json and runs `npm ci`, which runs the root package's lifecycle
 * scripts; node-start asks libnodejs for server.js, app.js, main.js or index.js, or BP_LAUNCHPOINT;
 * pip-install installs BP_PIP_REQUIREMENT, default requirements.txt, from BP_PIP_DEST_PATH, default vendor;
 * procfile reads Procfile; go-build compiles, and go:embed may take any file).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { SOURCE_BUILDPACK_ID, TILT_LIVE_ID } from "../../contract/context.js";

/** The build-time variables a rule may depend on (recorded at image build). */
export type BuildVars = (name: string) => string | undefined;

export interface BuildpackRule {
  /** Globs (src/core/glob.ts syntax) of what the build reads; "everything" for a compiler. */
  reads: string[] | "everything";
  /** Files whose presence decides detection: deleting one would take the buildpack out of the group. */
  detects?: string[];
  /** What the buildpack writes into the app dir; the mirror leaves these alone. */
  outputs?: string[];
  /** Reads that depend on the app: returns why the build reads every file, or undefined. */
  readsAllWhen?: (appDir: string, vars: BuildVars) => Promise<string | undefined>;
}

const NPM_BUILD_SCRIPTS = ["preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare"];

function nodeProject(vars: BuildVars): string {
  return (vars("BP_NODE_PROJECT_PATH") ?? "").replace(/^\.?\/+|\/+$/g, "");
}

function underProject(vars: BuildVars, files: string[]): string[] {
  const project = nodeProject(vars);
  return project === "" ? files : files.flatMap((f) => [f, `${project}/${f}`]);
}

async function readOptional(path: string): Promise<string | undefined> {
  return readFile(path, "utf8").catch(() => undefined);
}

/** `npm ci` runs the root package's install and prepare scripts: they may compile any source file. */
async function npmScripts(appDir: string, vars: BuildVars): Promise<string | undefined> {
  const text = await readOptional(join(appDir, nodeProject(vars), "package.json"));
  if (text === undefined) return undefined;
  try {
    const scripts = (JSON.parse(text) as { scripts?: Record<string, unknown> }).scripts ?? {};
    const found = NPM_BUILD_SCRIPTS.filter((name) => typeof scripts[name] === "string");
    return found.length > 0 ? `package.json has a "${found[0]}" script, which npm ci runs` : undefined;
  } catch {
    return "package.json is not valid JSON";
  }
}

function pipRequirements(vars: BuildVars): string[] {
  return (vars("BP_PIP_REQUIREMENT") ?? "requirements.txt").split(" ").filter((f) => f !== "");
}

/** A requirement on a local path (`-e .`, `./pkg`, `file:`) installs the app's own source. */
async function pipLocalRequirement(appDir: string, vars: BuildVars): Promise<string | undefined> {
  for (const file of pipRequirements(vars)) {
    const text = await readOptional(join(appDir, file));
    const local = text?.split("\n").find((line) => /^\s*(-e|--editable|\.|\/|file:)/.test(line));
    if (local) return `${file} installs a local path (${local.trim()})`;
  }
  return undefined;
}

/** Rules of the Paketo buildpacks tilt-live knows, by buildpack id. */
export function knownRules(vars: BuildVars): Record<string, BuildpackRule> {
  const launchpoint = vars("BP_LAUNCHPOINT");
  return {
    "paketo-buildpacks/node-engine": { reads: underProject(vars, ["package.json", ".nvmrc", ".node-version", "buildpack.yml"]) },
    "paketo-buildpacks/npm-install": {
      reads: underProject(vars, ["package.json", "package-lock.json", "npm-shrinkwrap.json", ".npmrc", "vendor", "node_modules"]),
      detects: underProject(vars, ["package.json"]),
      // Without a lockfile in the source, `npm install` writes one into the app dir: a rebuild removes it with
      // node_modules, so that npm-install picks `npm install` again, as the image build did, not `npm ci`.
      outputs: underProject(vars, ["node_modules", "package-lock.json"]),
      readsAllWhen: npmScripts,
    },
    "paketo-buildpacks/node-start": {
      reads: underProject(vars, ["package.json"]),
      detects: launchpoint ? [launchpoint] : underProject(vars, ["server.js", "app.js", "main.js", "index.js"]).map((f) => `/${f}`),
    },
    "paketo-buildpacks/cpython": { reads: [".python-version", "runtime.txt", "buildpack.yml"] },
    "paketo-buildpacks/pip": { reads: ["buildpack.yml"] },
    "paketo-buildpacks/pip-install": {
      reads: [
        ...pipRequirements(vars).map((f) => `/${f}`),
        "*.txt",
        `/${vars("BP_PIP_DEST_PATH") ?? "vendor"}`,
        "pip.conf",
        "setup.py",
        "setup.cfg",
        "pyproject.toml",
      ],
      detects: pipRequirements(vars).map((f) => `/${f}`),
      readsAllWhen: pipLocalRequirement,
    },
    "paketo-buildpacks/python-start": { reads: [] },
    "paketo-buildpacks/procfile": { reads: ["/Procfile"], detects: ["/Procfile"] },
    "paketo-buildpacks/go-dist": { reads: ["/go.mod", "buildpack.yml"] },
    "paketo-buildpacks/go-mod-vendor": { reads: ["/go.mod", "/go.sum", "/vendor"], detects: ["/go.mod"] },
    "paketo-buildpacks/go-build": { reads: "everything" },
    // tilt-live's own: in a rebuild neither reads the app dir.
    [SOURCE_BUILDPACK_ID]: { reads: [] },
    [TILT_LIVE_ID]: { reads: [] },
  };
}
