// tilt-live on the real platform with Paketo's Java buildpacks: pack + lifecycle + the jvm and syft stand-ins,
// paketo-buildpacks/maven and executable-jar build the Maven sample into a dev image offline (a `maven` binding whose
// settings.xml mirrors every repository to the setup-time seed repository), which is then live-updated in its
// running container the way Tilt does it (tar into the sync target, then the rebuild tool by argv).
import { stripVTControlCharacters } from "node:util";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import {
  containerLogs,
  dockerExec,
  lifecycleMetadata,
  listImageFiles,
  randomName,
  waitForHttp,
  type RunningContainer,
} from "./harness/index.js";
import { java } from "../bench/languages.js";
import { LIVE_GROUPS, NEW_MAVEN_DEPENDENCY_JAR, REBUILD, syncFile, syncNewMavenDependency } from "./harness/live.js";
import { expectGracefulStop, expectRebuild, languageSuite } from "./harness/suite.js";

const JAVA_LIVE_GROUP = LIVE_GROUPS.java;
const MAIN = "src/main/java/dev/tiltlive/sample/Main.java";
const setMessage = (expression: string) => (text: string) => text.replace(/return [^;]*;/, `return ${expression};`);
/** executable-jar's launch SBOM (libpak's ScanLaunch) where the lifecycle puts it: exported with the image, rewritten by a rebuild. */
const LAUNCH_SBOM = "/layers/sbom/launch/paketo-buildpacks_executable-jar/sbom.syft.json";
const JVM_FLAGS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

async function sbomTool(container: string): Promise<string> {
  const { stdout } = await dockerExec(container, ["cat", LAUNCH_SBOM]);
  return (JSON.parse(stdout) as { descriptor: { name: string } }).descriptor.name;
}

describe("tilt-live on the Java (Maven) sample", () => {
  const suite = languageSuite(java);
  const { resources } = suite;
  let image: string;
  let container: RunningContainer;

  it("builds with the jvm and syft stand-ins, maven and executable-jar inside tilt-live's group, offline", async () => {
    // The JVM quick-start flags are off by default: the test opts in to check them.
    const built = await suite.buildImage(["--env", "BP_TILT_LIVE_JVM_QUICK_START=true"]);
    image = built.image;
    const { log } = built;
    expect(log).toContain("Debian OpenJDK from the stack (tilt-live offline stand-in) 0.1.0");
    expect(log).toContain("Paketo Buildpack for Syft (tilt-live offline stand-in) 0.1.0");
    expect(log).toMatch(/Apache Maven 3\.9\.16/);
    expect(log).toContain("--settings=/platform/bindings/maven/settings.xml");
    expect(log).toContain("BUILD SUCCESS");
    expect(log).toMatch(/^(\[builder\] )? {4}web \(default\): java dev\.tiltlive\.sample\.Main$/m);
    expect(log).toMatch(/Binding maven \(type maven\): settings\.xml, type/);
    expect(log).toMatch(/^(\[builder\] )? {4}paketo-buildpacks\/maven:cache \(cache, [\d.]+ MiB\)$/m);
    expect(log).toContain(`JVM: ${JVM_FLAGS} first in JAVA_TOOL_OPTIONS`);
    expect((await lifecycleMetadata(image)).buildpacks?.map((bp) => bp.key)).toEqual(JAVA_LIVE_GROUP);
    const files = await listImageFiles(resources, image);
    for (const file of [
      "layers/tilt-live/src/pom.xml",
      `layers/tilt-live/src/${MAIN}`,
      "layers/tilt-live/meta/bindings/maven/settings.xml",
      "layers/tilt-live/carried/paketo-buildpacks_maven/cache.toml",
      "layers/tilt-live/carried/tilt-live_debian-openjdk/jdk/bin/javac",
      "workspace/dev/tiltlive/sample/Main.class",
    ]) {
      expect(files, file).toContain(file);
    }
    expect(files).not.toContain(`workspace/${MAIN}`);
  });

  it("runs the JVM under the supervisor and answers v1", async () => {
    container = await suite.runImage(image);
    expect(await waitForHttp(container)).toBe("v1\n");
    const logs = await containerLogs(container.name);
    expect(logs).toContain('listening on :8080, message "v1"');
    expect(logs).toContain(`Picked up JAVA_TOOL_OPTIONS: ${JVM_FLAGS}`);
    // The image build ran the real syft.
    expect(await sbomTool(container.name)).toBe("syft");
  });

  it("live-updates a changed .java file: Maven compiles offline from its carried cache, the JVM restarts", async () => {
    await syncFile(container.name, suite.app, MAIN, setMessage('"v2"'));
    const rebuild = await expectRebuild(container.name);
    // The first rebuild in the container links the carried layers back: Maven, its repository cache, the JDK's layer.
    expect(rebuild.stdout).toContain("paketo-buildpacks_maven/cache/");
    expect(rebuild.stdout).toContain("tilt-live_debian-openjdk/jdk/");
    expect(stripVTControlCharacters(rebuild.stdout)).toMatch(/Apache Maven 3\.9\.16: Reusing cached layer/);
    expect(rebuild.stdout).toContain("--settings=/tmp/tilt-live/platform/bindings/maven/settings.xml");
    expect(rebuild.stdout).toContain("BUILD SUCCESS");
    // A rebuild exports no image: tilt-live's writer answers for syft, and says so once.
    const sbomNote = "SBOMs: tilt-live's writer answers for syft, BP_BOM_LABEL_DISABLED=true";
    expect(rebuild.stdout.split(sbomNote)).toHaveLength(2);
    expect(await sbomTool(container.name)).toBe("tilt-live-sbom");
    expect(rebuild.stderr).toMatch(/^\[tilt-live\] rebuild succeeded \(exit 0\)/m);
    expect(await waitForHttp(container)).toBe("v2\n");
  });

  it("keeps the old JVM serving when javac fails, exits non-zero with javac's message, and recovers", async () => {
    await syncFile(container.name, suite.app, MAIN, setMessage('"v3" +'));
    const failed = await dockerExec(container.name, [REBUILD]);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stdout).toContain("COMPILATION ERROR");
    expect(failed.stdout).toMatch(/Main\.java:\[\d+,\d+\] illegal start of expression/);
    expect(failed.stdout).toContain("ERROR: Rebuild failed: the build phase exited with status");
    expect(await waitForHttp(container)).toBe("v2\n");

    await syncFile(container.name, suite.app, MAIN, setMessage('"v3"'));
    await expectRebuild(container.name);
    expect(await waitForHttp(container)).toBe("v3\n");
  });

  it("rebuilds in a container with no network at all: the carried Maven, repository cache and JDK are enough", async () => {
    // No mirror mounted, no network: only what the image carries. The app is reached from inside the container
    // (execa drops the final newline of the answer).
    const offline = resources.container(randomName("java-offline"));
    await execa("docker", ["run", "--detach", "--name", offline, "--network", "none", "--env", "TILT_LIVE_WATCH=false", image]);
    const get = async () =>
      (await dockerExec(offline, ["bash", "-c", 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3 && cat <&3']))
        .stdout;
    await expect.poll(get, { timeout: 30_000, interval: 200 }).toMatch(/\r\n\r\nv1$/);
    await syncFile(offline, suite.app, MAIN, setMessage('"offline"'));
    const rebuild = await expectRebuild(offline);
    expect(rebuild.stdout).toContain("BUILD SUCCESS");
    await expect.poll(get, { timeout: 30_000, interval: 200 }).toMatch(/\r\n\r\noffline$/);
  });

  it("picks up a dependency added to pom.xml (from the mirror, not yet in the Maven cache) and the app uses it", async () => {
    expect((await dockerExec(container.name, ["test", "-e", NEW_MAVEN_DEPENDENCY_JAR])).exitCode).toBe(1);
    await syncNewMavenDependency(container.name, suite.app);
    await syncFile(container.name, suite.app, MAIN, (text) => setMessage('org.json.JSONObject.quote("v4")')(text));
    await expectRebuild(container.name);
    expect(await waitForHttp(container)).toBe('"v4"\n');
    expect((await dockerExec(container.name, ["test", "-e", NEW_MAVEN_DEPENDENCY_JAR])).exitCode).toBe(0);
  });

  it("stops the JVM within its grace period on SIGTERM", async () => {
    await expectGracefulStop(container.name);
  });

  it("builds through the builder's order (the java group) with --pre-buildpack and --post-buildpack", async () => {
    // spring-boot (optional) passes detection for any JVM app, as in Paketo's java composite; its build finds no
    // Spring Boot manifest and contributes nothing.
    expect(await suite.buildThroughOrder()).toEqual(LIVE_GROUPS.spring);
  });

  it("leaves no container, image or volume behind", async () => {
    await resources.cleanup();
    await resources.assertNoLeaks();
  });
});
