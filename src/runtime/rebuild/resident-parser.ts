/**
 * A language's parser kept running between rebuilds, for languages whose own parser is a separate program
 * (Python): starting `python3` for every check costs as much as the app's restart it guards. The supervisor
 * starts it at the first check and asks it one path per line; it answers `ok` or `err <JSON string>`.
 * When it cannot start or dies, the caller falls back to a one-shot run of the same parser.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { resolveCommand } from "../../fsutil/which.js";

export interface ParseResult {
  ok: boolean;
  output: string;
}

/** The Python side: parses each path read from stdin with ast.parse, as the one-shot check does. */
export const PYTHON_PARSER_LOOP = [
  "import ast, json, sys, traceback",
  "for line in sys.stdin:",
  "    path = line[:-1]",
  "    try:",
  "        ast.parse(open(path, 'rb').read(), path)",
  "        sys.stdout.write('ok\\n')",
  "    except Exception as e:",
  "        sys.stdout.write('err ' + json.dumps(''.join(traceback.format_exception_only(type(e), e))) + '\\n')",
  "    sys.stdout.flush()",
].join("\n");

export class ResidentParser {
  private child: ChildProcessWithoutNullStreams | undefined;
  private waiting: ((line: string | undefined) => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly tool: string,
    private readonly args: string[],
  ) {}

  /** Parses `path`; undefined when the parser cannot run (the caller then runs it once). */
  parse(path: string, env: NodeJS.ProcessEnv, cwd: string): Promise<ParseResult | undefined> {
    if (path.includes("\n")) return Promise.resolve(undefined);
    const next = this.queue.then(() => this.ask(path, env, cwd));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Ends the parser; the next parse starts a new one (after a build changed the toolchain). */
  close(): void {
    this.child?.stdin.end();
    this.child = undefined;
  }

  private start(env: NodeJS.ProcessEnv, cwd: string): ChildProcessWithoutNullStreams | undefined {
    const vars: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined) vars[k] = v;
    const command = resolveCommand(this.tool, vars, cwd);
    if (!command.includes("/")) return undefined; // not on the PATH
    const child = spawn(command, this.args, { env: vars, cwd, stdio: ["pipe", "pipe", "pipe"] });
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => this.waiting.shift()?.(line));
    const gone = () => {
      if (this.child === child) this.child = undefined;
      for (const w of this.waiting.splice(0)) w(undefined);
    };
    child.on("exit", gone);
    child.on("error", gone);
    child.stdin.on("error", gone);
    child.stderr.resume();
    // A standalone rebuild must be able to exit with the parser still waiting for input.
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    // stderr too: a ref'd pipe kept the supervisor alive after its app stopped, until docker's SIGKILL.
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    return child;
  }

  private async ask(path: string, env: NodeJS.ProcessEnv, cwd: string): Promise<ParseResult | undefined> {
    this.child ??= this.start(env, cwd);
    const child = this.child;
    if (!child) return undefined;
    const line = await new Promise<string | undefined>((resolve) => {
      this.waiting.push(resolve);
      child.stdin.write(`${path}\n`);
    });
    if (line === undefined) return undefined;
    if (line === "ok") return { ok: true, output: "" };
    if (line.startsWith("err ")) return { ok: false, output: JSON.parse(line.slice(4)) as string };
    return undefined;
  }
}
