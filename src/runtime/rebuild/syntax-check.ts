/**
 * A cheap guard for interpreted languages, run on the files a rebuild changed before the app is restarted:
 * their buildpacks compile nothing, so a syntax error would otherwise only show when the new app crashes,
 * after the old one was stopped. Each checker is the language's own parser, found on the PATH the app runs
 * with; a language whose tool is not there is skipped.
 *
 * A CommonJS file is first compiled in this process (the supervisor is Node: no process start, which costs
 * 0.05-0.3 s on a busy machine); only a file that does not compile here, or an ES module, goes to the app's
 * own `node --check`, so the app's Node has the last word on every rejection. Under the supervisor, Python
 * files go to a python3 kept running (src/runtime/rebuild/resident-parser.ts).
 */
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { compileFunction } from "node:vm";
import { execa } from "execa";
import { PYTHON_PARSER_LOOP, ResidentParser } from "./resident-parser.js";

interface Checker {
  extensions: string[];
  tool: string;
  args: (file: string) => string[];
  /** The parser kept running by the supervisor, for a tool whose start is the cost (python3). */
  resident?: ResidentParser;
  /** True when the file surely parses; false sends it to the tool. */
  passesInProcess?: (path: string) => Promise<boolean>;
}

/** Compiles a .js/.cjs file as Node's CommonJS loader wraps it; an ES module or any error says false. */
async function compilesAsCommonJs(path: string): Promise<boolean> {
  if (path.endsWith(".mjs")) return false;
  try {
    const source = (await readFile(path, "utf8")).replace(/^#!.*/, "");
    compileFunction(source, ["exports", "require", "module", "__filename", "__dirname"], { filename: path });
    return true;
  } catch {
    return false;
  }
}

const CHECKERS: Checker[] = [
  { extensions: [".js", ".cjs", ".mjs"], tool: "node", args: (file) => ["--check", file], passesInProcess: compilesAsCommonJs },
  {
    extensions: [".py"],
    tool: "python3",
    args: (file) => ["-c", "import ast,sys; ast.parse(open(sys.argv[1], 'rb').read(), sys.argv[1])", file],
    resident: new ResidentParser("python3", ["-u", "-c", PYTHON_PARSER_LOOP]),
  },
];

/** Ends the resident parsers: after a build the toolchain on the PATH may be another one. */
export function closeResidentParsers(): void {
  for (const checker of CHECKERS) checker.resident?.close();
}

export interface SyntaxProblem {
  file: string;
  output: string;
}

export async function checkSyntax(
  appDir: string,
  changedFiles: string[],
  env: NodeJS.ProcessEnv,
  options: { resident?: boolean } = {},
): Promise<{ checked: number; problems: SyntaxProblem[] }> {
  const problems: SyntaxProblem[] = [];
  let checked = 0;
  for (const checker of CHECKERS) {
    const files = changedFiles.filter((f) => checker.extensions.includes(extname(f)) && !f.split("/").includes("node_modules"));
    if (files.length === 0) continue;
    for (const file of files) {
      if (await checker.passesInProcess?.(join(appDir, file))) {
        checked++;
        continue;
      }
      const kept = options.resident ? await checker.resident?.parse(join(appDir, file), env, appDir) : undefined;
      if (kept) {
        checked++;
        if (!kept.ok) problems.push({ file, output: kept.output });
        continue;
      }
      const result = await execa(checker.tool, checker.args(join(appDir, file)), {
        env,
        extendEnv: false,
        reject: false,
        all: true,
        cwd: appDir,
      });
      if (result.exitCode === undefined) break; // the tool is not on the PATH: skip the language
      checked++;
      if (result.exitCode !== 0) problems.push({ file, output: result.all ?? "" });
    }
  }
  return { checked, problems };
}
