// The sample apps the demo and the benchmark drive: where each lives, how a one-line change is made, and
// the "floor" for it: the same incremental compile (or none) inside the container plus a process start.
import { LIVE_GROUPS, mavenBuildArgs, mavenMirrorRunArgs } from "../integration/harness/live.js";
import type { Platform } from "../integration/harness/platform.js";
import type { Milestone } from "./profile.js";
import path from "node:path";
import { execa } from "execa";
import { repoRoot } from "../integration/harness/index.js";
import { pinnedVersion } from "../integration/harness/versions.js";
import { JVM_QUICK_START_OPTIONS } from "../src/buildpack/jvm-quick-start.js";
export interface LanguageProfile {
  name: string;
  /** The sample dir in this repo; for a fetched app, the overlay the platform script puts on top of it. */
  sample: string;
  /** The app dir, when it is fetched rather than the sample itself (go-large: scripts/platform/go-large.sh). */
  fetchApp?: () => Promise<string>;
  /** How long a pack build may take, when longer than the harness's 10 minutes (a cold build of a large app). */
  buildTimeoutMs?: number;
  /** The file whose message line is edited. */
  file: string;
  setMessage(text: string, message: string): string;
  containerPort: number;
  /** `pack build` arguments besides image, path, builder, network and pull policy. */
  buildpacks: string[];
  /** Further `pack build` arguments the sample needs from the platform (a binding), and `docker run` arguments. */
  buildArgs?: (platform: Platform) => string[];
  runArgs?: (platform: Platform) => string[];
  /**
   * A shell script run in the container (build image as run image) that rebuilds the synced source the
   * way the language buildpack does and serves it on $FLOOR_PORT; it prints nothing on success.
   */
  floorScript: string;
  /** What the floor does, for the bench's table. */
  floorLabel: string;
  /**
   * A dependency change for the rebuild path (interpreted languages, whose source edit only restarts): the
   * manifest a buildpack reads and an edit that makes it install again, different on every call.
   */
  dependencyChange?: { file: string; edit(text: string, n: number): string };
  /** Lines of rebuild's output that split a live update into steps (profile.ts); the last one ends the build. */
  milestones?: Milestone[];
}

export const go: LanguageProfile = {
  name: "go",
  sample: "samples/go",
  file: "main.go",
  setMessage: (text, message) => text.replace(/const message = "[^"]*"/, `const message = "${message}"`),
  containerPort: 8080,
  buildpacks: LIVE_GROUPS.go,
  floorLabel: "incremental compile + start",
  milestones: [
    { label: "docker exec, tilt-live's validate, mirror, plan, restore", pattern: /^ {2}Restored layer metadata/ },
    { label: "lifecycle builder start until go-dist's first line", pattern: /^Paketo Buildpack for Go Distribution/ },
    { label: "go-dist (reuses the Go layer)", pattern: /^Paketo Buildpack for Go Build/ },
    { label: "go-build until `go build`", pattern: /Running 'go build/ },
    { label: "go build", pattern: /^\s+Completed in/ },
    { label: "go-build after `go build`, builder exit", pattern: /^ {2}Ran the build phase/ },
  ],
  // go-build's own command line, its cache and toolchain, in a scratch copy of the synced source.
  floorScript: [
    "set -e",
    // The previous floor app, if any, gives up its port first.
    "if [ -f /tmp/floor/pid ]; then kill $(cat /tmp/floor/pid) 2>/dev/null || true; sleep 0.05; fi",
    "export GOCACHE=/layers/paketo-buildpacks_go-build/gocache PATH=/layers/paketo-buildpacks_go-dist/go/bin:$PATH",
    "rm -rf /tmp/floor/src && mkdir -p /tmp/floor && cp -r /layers/tilt-live/src/. /tmp/floor/src",
    "cd /tmp/floor/src && go build -o /tmp/floor/app -buildmode pie -trimpath .",
    "PORT=$FLOOR_PORT /tmp/floor/app >/tmp/floor/log 2>&1 &",
    "echo $! > /tmp/floor/pid",
  ].join("\n"),
};

// A large real Go project (issue 24): kpack v0.17.2's controller, its modules vendored, fetched and pinned by
// scripts/platform/go-large.sh with the overlay of samples/go-large (a web answer from a deep package). The edit
// is one line in pkg/apis/build/v1alpha2; the floor is go-build's command line run in the synced source itself,
// which a 180 MB copy per run (as the small sample's floor makes) would slow down.
export const goLarge: LanguageProfile = {
  ...go,
  name: "go-large",
  sample: "samples/go-large/overlay",
  fetchApp: async () => (await execa("bash", [path.join(repoRoot, "scripts/platform/go-large.sh"), "path"])).stdout.trim(),
  file: "pkg/apis/build/v1alpha2/tilt_live_message.go",
  setMessage: (text, message) => text.replace(/return "[^"]*"/, `return "${message}"`),
  buildArgs: () => ["--env", `BP_GO_TARGETS=${pinnedVersion("GO_LARGE_TARGETS")}`],
  // Cold, `go build` alone took 5 min 22 s on the issue's machine, the whole build 12 min.
  buildTimeoutMs: 40 * 60_000,
  floorScript: [
    "set -e",
    "if [ -f /tmp/floor/pid ]; then kill $(cat /tmp/floor/pid) 2>/dev/null || true; sleep 0.05; fi",
    "export GOCACHE=/layers/paketo-buildpacks_go-build/gocache PATH=/layers/paketo-buildpacks_go-dist/go/bin:$PATH",
    "mkdir -p /tmp/floor",
    `cd /layers/tilt-live/src && go build -o /tmp/floor/app -buildmode pie -trimpath ${pinnedVersion("GO_LARGE_TARGETS")}`,
    "PORT=$FLOOR_PORT /tmp/floor/app >/tmp/floor/log 2>&1 &",
    "echo $! > /tmp/floor/pid",
  ].join("\n"),
};

// Interpreted languages compile nothing, so their floor is only a process restart: stop the previous floor app,
// copy the synced source, start the interpreter on it with the dependencies the image already installed.
const restartFloor = (prepare: string[], start: string): string =>
  [
    "set -e",
    "if [ -f /tmp/floor/pid ]; then kill $(cat /tmp/floor/pid) 2>/dev/null || true; sleep 0.05; fi",
    "rm -rf /tmp/floor/src && mkdir -p /tmp/floor && cp -r /layers/tilt-live/src/. /tmp/floor/src",
    ...prepare,
    `cd /tmp/floor/src && PORT=$FLOOR_PORT ${start} >/tmp/floor/log 2>&1 &`,
    "echo $! > /tmp/floor/pid",
  ].join("\n");

export const node: LanguageProfile = {
  name: "node",
  sample: "samples/node",
  file: "server.js",
  setMessage: (text, message) => text.replace(/const message = "[^"]*"/, `const message = "${message}"`),
  containerPort: 8080,
  buildpacks: LIVE_GROUPS.node,
  floorLabel: "process restart: nothing to compile",
  // node-start's command on npm-install's modules (the link npm-install's setup-symlinks makes at launch).
  floorScript: restartFloor(
    ["ln -s /layers/paketo-buildpacks_npm-install/launch-modules/node_modules /tmp/floor/src/node_modules"],
    "/layers/paketo-buildpacks_node-engine/node/bin/node server.js",
  ),
  // npm-install reads package.json: any edit runs `npm install` again (the sample has no lockfile).
  dependencyChange: {
    file: "package.json",
    edit: (text, n) => `${JSON.stringify({ ...JSON.parse(text), description: `bench dependency change ${n}` }, null, 2)}\n`,
  },
};

export const python: LanguageProfile = {
  name: "python",
  sample: "samples/python",
  file: "app.py",
  setMessage: (text, message) => text.replace(/^message = "[^"]*"/m, `message = "${message}"`),
  containerPort: 8080,
  buildpacks: LIVE_GROUPS.python,
  floorLabel: "process restart: nothing to compile",
  // The Procfile's command on pip-install's packages layer (PYTHONUSERBASE, as its launch env sets it).
  floorScript: restartFloor([], "PYTHONUSERBASE=/layers/paketo-buildpacks_pip-install/packages /usr/bin/python3 app.py"),
  // pip-install reads requirements.txt: any edit runs `pip install` again.
  dependencyChange: { file: "requirements.txt", edit: (text, n) => `${text.replace(/# bench .*\n/, "")}# bench dependency change ${n}\n` },
};

// Java's floor is the maven buildpack's own Maven run (its arguments, the binding's settings.xml, its Maven and its
// repository cache as the image carries them) in a scratch copy of the synced source, then a JVM on the compiled
// classes: the least work that turns a .java edit into a running JVM the way the real build would, without the
// lifecycle, libbs's jar explosion and executable-jar. A bare `javac` of the one file would be less, but it is not
// what the build does: it skips the pom (a new dependency, resources, plugins) and could not stand in for it.
// Its JVM starts with the flags the dev image gives the app (src/buildpack/jvm-quick-start.ts), when it gives any.
const CARRIED_MAVEN = "/layers/tilt-live/carried/paketo-buildpacks_maven";
const mavenPackage = [
  "cd /tmp/floor/src",
  `JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 ${CARRIED_MAVEN}/maven/bin/mvn -q -Dmaven.test.skip=true --no-transfer-progress package` +
    ` --settings=/layers/tilt-live/meta/bindings/maven/settings.xml -Dmaven.repo.local=${CARRIED_MAVEN}/cache/repository`,
];
/** The floor's JVM: `java`, the flags the dev image gives the app (if any), then `args`. */
const jvmFloor = (jvmOptions: string, args: string): string =>
  restartFloor(mavenPackage, `java ${jvmOptions ? `${jvmOptions} ` : ""}${args}`);
const javaFloor = (jvmOptions: string): string => jvmFloor(jvmOptions, "-cp target/classes dev.tiltlive.sample.Main");
export const java: LanguageProfile = {
  name: "java",
  sample: "samples/java",
  file: "src/main/java/dev/tiltlive/sample/Main.java",
  setMessage: (text, message) => text.replace(/return "[^"]*";/, `return "${message}";`),
  containerPort: 8080,
  buildpacks: LIVE_GROUPS.java,
  buildArgs: mavenBuildArgs,
  runArgs: mavenMirrorRunArgs,
  floorLabel: "the build's Maven compile + JVM start",
  floorScript: javaFloor(""),
  // libpak's titles and headers carry colour codes: their patterns are not anchored.
  milestones: [
    { label: "docker exec, tilt-live's validate, mirror, plan, restore", pattern: /^ {2}Restored layer metadata/ },
    { label: "lifecycle builder start, jvm and syft stand-ins", pattern: /Paketo Buildpack for Maven/ },
    { label: "maven until `mvn` (libbs: hash of the app dir, javac -version)", pattern: /Executing mvn/ },
    { label: "mvn package", pattern: /BUILD SUCCESS/ },
    { label: "maven after mvn: artifact copy, build SBOM, BOM label", pattern: /Removing source code/ },
    { label: "maven: source removal, jar explosion", pattern: /Paketo Buildpack for Executable JAR/ },
    { label: "executable-jar (launch SBOM), builder exit", pattern: /^ {2}Ran the build phase/ },
  ],
};

// Spring Boot's floor is the same Maven run (spring-boot-maven-plugin's repackage included), then the repackaged jar
// started the way its docs start it, `java -jar`; the live app runs the same loader on the jar exploded into the
// app dir (libbs), with Paketo's spring-boot layers around it.
const springFloor = (jvmOptions: string): string => jvmFloor(jvmOptions, "-jar target/spring-sample-1.0.0.jar");
export const spring: LanguageProfile = {
  ...java,
  name: "spring",
  sample: "samples/spring",
  file: "src/main/java/dev/tiltlive/spring/Application.java",
  buildpacks: LIVE_GROUPS.spring,
  floorLabel: "the build's Maven package + `java -jar` of the Spring Boot jar",
  floorScript: springFloor(""),
  milestones: [
    ...(java.milestones ?? []).slice(0, -1),
    { label: "executable-jar (launch SBOM)", pattern: /Paketo Buildpack for Spring Boot/ },
    { label: "spring-boot (bindings layer reused, web type, slices), builder exit", pattern: /^ {2}Ran the build phase/ },
  ],
};

/** Java as tilt-live did it before its SBOM shortcuts (BP_TILT_LIVE_SBOM_STAND_IN=false): rebuilds run syft. */
export const javaBefore: LanguageProfile = {
  ...java,
  name: "java-before",
  buildArgs: (platform) => [...mavenBuildArgs(platform), "--env", "BP_TILT_LIVE_SBOM_STAND_IN=false"],
};

/** A JVM profile with the JVM's quick-start flags (BP_TILT_LIVE_JVM_QUICK_START=true), for the app and the floor alike. */
const quickStart = (profile: LanguageProfile, floor: (jvmOptions: string) => string): LanguageProfile => ({
  ...profile,
  name: `${profile.name}-quick-start`,
  buildArgs: (platform) => [...mavenBuildArgs(platform), "--env", "BP_TILT_LIVE_JVM_QUICK_START=true"],
  floorScript: floor(JVM_QUICK_START_OPTIONS),
});
export const javaQuickStart = quickStart(java, javaFloor);
export const springQuickStart = quickStart(spring, springFloor);

export const LANGUAGES: Record<string, LanguageProfile> = {
  go,
  "go-large": goLarge,
  node,
  python,
  java,
  spring,
  "java-before": javaBefore,
  "java-quick-start": javaQuickStart,
  "spring-quick-start": springQuickStart,
};

export function language(name: string): LanguageProfile {
  const profile = LANGUAGES[name];
  if (!profile) throw new Error(`unknown language "${name}" (known: ${Object.keys(LANGUAGES).join(", ")})`);
  return profile;
}
