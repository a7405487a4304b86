/** Finding a command the way execvp does: the app's command, a resident parser's tool. */
import { accessSync, constants as fsConstants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

/** Resolves a bare command name against the child's PATH, as execvp would with the child's env. */
export function resolveCommand(command: string, env: Record<string, string>, cwd: string): string {
  if (command.includes("/")) return isAbsolute(command) ? command : resolve(cwd, command);
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, fsConstants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return command;
}
