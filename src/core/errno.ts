/**
 * Node's filesystem errors carry their errno name in `code`; these read it without a cast at every call site.
 * A missing path is often no error at all (an optional file, a dir a buildpack did not create): `unlessMissing`
 * is the one place that says so.
 */

/** The errno name of a thrown error ("ENOENT", "EXDEV", ...), or undefined when it has none. */
export function errnoCode(error: unknown): string | undefined {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}

/** Nothing at that path: it does not exist, or a part of it that should be a directory is not one. */
export function isMissing(error: unknown): boolean {
  const code = errnoCode(error);
  return code === "ENOENT" || code === "ENOTDIR";
}

/** What `work` gives, or undefined when the path it works on is missing; any other error is thrown. */
export async function unlessMissing<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
