/**
 * A dev image's app dir keeps its source, and so does every rebuild's.
 *
 * go-build deletes the app dir's source after compiling, all but the BP_KEEP_FILES globs (go-build
 * source_deleter.go). Without them each rebuild's mirror copied the whole source back and go-build deleted it again:
 * for a 13,758-file project 5.9 s of copying and 2.7 s of deleting per live update
 * (bench/results/2026-12-06-go-large.json). With BP_KEEP_FILES=* go-build keeps everything ("*" matches the app
 * dir's entries and its walk skips the rest), so a rebuild's mirror copies only what the sync changed. The app then
 * runs in a dir that still holds its source; the production image (no tilt-live) is built as before.
 *
 * The image build gets the variable from tilt-live/source's snapshot layer (env.build, for the buildpacks after it;
 * a BP_KEEP_FILES the user set on the platform wins there, lifecycle env.WithOverrides), a rebuild from the
 * platform dir it writes (over the recorded value).
 */
export const KEEP_FILES_VAR = "BP_KEEP_FILES";

/** Every entry of the app dir. */
export const KEEP_ALL_FILES = "*";

/** The buildpacks that delete the app dir's source but for the BP_KEEP_FILES globs (go-build source_deleter.go). */
const SOURCE_DELETERS: ReadonlySet<string> = new Set(["paketo-buildpacks/go-build"]);

/**
 * Whether the dev image holds source in its app dir that the production image would not: a source-deleting
 * buildpack ran, and BP_KEEP_FILES was tilt-live's (a value the user set on the platform wins at image build).
 */
export function keepsDeletedSource(groupIds: readonly string[], userKeepFiles: string | undefined): boolean {
  return userKeepFiles === undefined && groupIds.some((id) => SOURCE_DELETERS.has(id));
}

/** The BP_KEEP_FILES the user set on the platform (`<platform>/env`), if any: it wins over tilt-live's at image build. */
export function userKeepFiles(platformEnv: Record<string, string>): string | undefined {
  return platformEnv[KEEP_FILES_VAR];
}
