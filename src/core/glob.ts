/**
 * A small gitignore-flavoured glob matcher for the watcher's ignore list (Node 20's path.matchesGlob is
 * experimental, prints a warning and only exists from 20.17). Syntax: `*` and `?` within one path segment,
 * `[abc]`/`[a-z]`/`[!x]` classes, `**` across segments. A pattern without "/" matches a file or directory
 * name at any depth; a pattern with "/" is anchored at the watched root. A match on a directory covers
 * everything under it. A trailing "/" is accepted and ignored.
 */

function segmentRegex(glob: string): string {
  let re = "";
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const slashAfter = glob[i + 2] === "/";
        re += slashAfter ? "(?:.*/)?" : ".*";
        i += slashAfter ? 2 : 1;
      } else {
        re += "[^/]*";
      }
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) {
        re += "\\[";
      } else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith("!")) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else {
      re += c.replace(/[.+^${}()|\\]/g, "\\$&");
    }
  }
  return re;
}

export type GlobMatcher = (relativePath: string) => boolean;

/** Compiles `patterns`; the matcher takes a "/"-separated path relative to the watched root. */
export function compileGlobs(patterns: readonly string[]): GlobMatcher {
  const anchored: RegExp[] = [];
  const names: RegExp[] = [];
  for (const raw of patterns) {
    const pattern = raw.trim().replace(/\/+$/, "");
    if (pattern === "" || pattern.startsWith("#")) continue;
    if (pattern.includes("/")) {
      anchored.push(new RegExp(`^${segmentRegex(pattern.replace(/^\/+/, ""))}(?:/.*)?$`));
    } else {
      names.push(new RegExp(`^${segmentRegex(pattern)}$`));
    }
  }
  return (relativePath) => {
    const path = relativePath.replace(/^\.?\/+/, "");
    if (anchored.some((re) => re.test(path))) return true;
    if (names.length === 0) return false;
    return path.split("/").some((segment) => names.some((re) => re.test(segment)));
  };
}
