/**
 * A cheap guard for interpreted languages, run on the files a rebuild changed before the app is restarted:
 * their buildpacks compile nothing, so a syntax error would otherwise only show when the new app crashes,
 * after the old one was stopped. Each checker is the language's own parser, found on the PATH the app runs
 * with; a language whose tool is not there is skipped.
 */
import { extname, join } from "node:path";
import { execa } from "execa";

interface Checker {
  extensions: string[];
  tool: string;
  args: (file: string) => string[];
}

const CHECKERS: Checker[] = [
  { extensions: [".js", ".cjs", ".mjs"], tool: "node", args: (file) => ["--check", file] },
  {
    extensions: [".py"],
    tool: "python3",
    args: (file) => ["-c", "import ast,sys; ast.parse(open(sys.argv[1], 'rb').read(), sys.argv[1])", file],
  },
];

export interface SyntaxProblem {
  file: string;
  output: string;
}

export async function checkSyntax(
  appDir: string,
  changedFiles: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ checked: number; problems: SyntaxProblem[] }> {
  const problems: SyntaxProblem[] = [];
  let checked = 0;
  for (const checker of CHECKERS) {
    const files = changedFiles.filter((f) => checker.extensions.includes(extname(f)) && !f.split("/").includes("node_modules"));
    if (files.length === 0) continue;
    for (const file of files) {
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
