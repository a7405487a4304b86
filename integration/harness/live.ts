// Live updates the way Tilt performs them on a container: files go in with `tar -C / -x -f -` through
// `docker exec -i`, deletions with `rm -rf`, then the rebuild tool runs by argv.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import type { RunningContainer } from "./docker.js";
import { repoRoot, type Platform } from "./platform.js";

/** pack flags every test build uses: no network, no pulls, the builder trusted (one container). */
export const OFFLINE = ["--network", "none", "--pull-policy", "never", "--trust-builder"];

/** Each sample's Paketo group with tilt-live around it, as `--buildpack` takes it (tests and bench alike). */
const around = (group: string[]) => ["tilt-live/source", ...group, "tilt-live"];
export const LIVE_GROUPS = {
  go: around(["paketo-buildpacks/go-dist", "paketo-buildpacks/go-build"]),
  node: around(["paketo-buildpacks/node-engine", "paketo-buildpacks/npm-install", "paketo-buildpacks/node-start"]),
  python: around([
    "paketo-buildpacks/cpython",
    "paketo-buildpacks/pip",
    "paketo-buildpacks/pip-install",
    "paketo-buildpacks/python-start",
    "paketo-buildpacks/procfile",
  ]),
  java: around(["tilt-live/debian-openjdk", "paketo-buildpacks/syft", "paketo-buildpacks/maven", "paketo-buildpacks/executable-jar"]),
  // The builder's java group whole: spring-boot passes detection for every JVM app (as in Paketo's java composite)
  // and contributes nothing to one that is not a Spring Boot app.
  spring: around([
    "tilt-live/debian-openjdk",
    "paketo-buildpacks/syft",
    "paketo-buildpacks/maven",
    "paketo-buildpacks/executable-jar",
    "paketo-buildpacks/spring-boot",
  ]),
};

/**
 * The Maven repository of an offline Java build: the platform's `maven` binding and, read-only at the path its
 * settings.xml names, the setup-time repository (`pack build --volume`). A dev container gets the repository
 * too (`mavenMirrorRunArgs`), as it would reach a network mirror: a rebuild needs it for an artifact that the
 * Maven cache layer does not hold yet.
 */
export function mavenBuildArgs(platform: Platform): string[] {
  return [
    "--volume",
    `${platform.mavenBinding}:/platform/bindings/maven`,
    "--volume",
    `${platform.mavenMirror}:${platform.mavenMirrorMount}:ro`,
  ];
}
export function mavenMirrorRunArgs(platform: Platform): string[] {
  return ["--volume", `${platform.mavenMirror}:${platform.mavenMirrorMount}:ro`];
}

/**
 * The dependency the Java tests add to a sample's pom.xml: in the seed repository (MAVEN_SEED_EXTRA_ARTIFACTS in
 * scripts/versions.env), not in the image's Maven cache; and where that cache layer holds its jar once a rebuild fetched it.
 */
const NEW_MAVEN_DEPENDENCY = { groupId: "org.json", artifactId: "json", version: "20240303" };
export const NEW_MAVEN_DEPENDENCY_JAR = (() => {
  const { groupId, artifactId, version } = NEW_MAVEN_DEPENDENCY;
  return `/layers/paketo-buildpacks_maven/cache/repository/${groupId.replaceAll(".", "/")}/${artifactId}/${version}/${artifactId}-${version}.jar`;
})();

/** Adds NEW_MAVEN_DEPENDENCY to the app copy's pom.xml and syncs it into the container. */
export async function syncNewMavenDependency(container: string, appDir: string): Promise<void> {
  const { groupId, artifactId, version } = NEW_MAVEN_DEPENDENCY;
  await syncFile(container, appDir, "pom.xml", (text) =>
    text.replace(
      "<dependencies>",
      `<dependencies>\n    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`,
    ),
  );
}

/** `pack build` arguments for a dev image: offline, the build image as run image, an explicit group. */
export function liveBuildArgs(platform: Platform, group: string[] = LIVE_GROUPS.go): string[] {
  return [...OFFLINE, "--run-image", platform.buildImage, ...group.flatMap((bp) => ["--buildpack", bp])];
}

/** A private copy of a sample app (tests and benchmarks edit the source): a dir of this repo, or an absolute path. */
export async function copySample(sample: string): Promise<string> {
  const app = path.join(await mkdtemp(path.join(tmpdir(), `tilt-live-${path.basename(sample)}-`)), "app");
  await cp(path.resolve(repoRoot, sample), app, { recursive: true });
  return app;
}

export const SYNC_TARGET = "/layers/tilt-live/src";
export const REBUILD = "/layers/tilt-live/tools/bin/rebuild";

/**
 * Edits `file` in the local app copy with `edit` (which gets "" for a new file), then syncs it into the
 * container's source snapshot.
 */
export async function syncFile(container: string, appDir: string, file: string, edit: (text: string) => string): Promise<void> {
  const local = path.join(appDir, file);
  const before = await readFile(local, "utf8").catch(() => "");
  await mkdir(path.dirname(local), { recursive: true });
  await writeFile(local, edit(before));
  // Tilt's tarball carries paths relative to "/" for the sync target.
  const transform = `s,^,${SYNC_TARGET.slice(1)}/,`;
  await execa("tar", ["-C", appDir, "--transform", transform, "-cf", "-", file], { buffer: false, stdout: "pipe" }).pipe("docker", [
    "exec",
    "-i",
    container,
    "tar",
    "-C",
    "/",
    "-x",
    "-f",
    "-",
  ]);
}

export async function deleteSyncedFile(container: string, appDir: string, file: string): Promise<void> {
  await rm(path.join(appDir, file), { force: true });
  await execa("docker", ["exec", container, "rm", "-rf", path.posix.join(SYNC_TARGET, file)]);
}

/** Polls GET / until it answers `body`. */
export async function waitForBody(container: RunningContainer, body: string, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  let last = "";
  while (Date.now() - started < timeoutMs) {
    try {
      last = await (await fetch(`${container.url}/`, { signal: AbortSignal.timeout(2_000) })).text();
      if (last === body) return Date.now() - started;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`GET / never answered ${JSON.stringify(body)} within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/** One GET / with no retry: right after a successful rebuild the new app must already answer. */
export async function fetchOnce(container: RunningContainer): Promise<string> {
  const response = await fetch(`${container.url}/`, { signal: AbortSignal.timeout(5_000) });
  return response.text();
}
