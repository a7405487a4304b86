// tilt-live on the real platform with a Spring Boot app: the builder's java group whole (jvm and syft stand-ins,
// paketo-buildpacks/maven, executable-jar and the real spring-boot buildpack, with its spring-cloud-bindings jar as
// an offline dependency) builds samples/spring offline into a dev image, which is then live-updated in its running
// container the way Tilt does it (tar into the sync target, then the rebuild tool by argv). One image and one
// container serve every case but the build through the builder's order.
import { stripVTControlCharacters } from "node:util";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import {
  containerLogs,
  dockerExec,
  imageLabel,
  lifecycleMetadata,
  listImageFiles,
  pinnedVersion,
  stopContainer,
  waitForHttp,
  type RunningContainer,
} from "./harness/index.js";
import { spring } from "../bench/languages.js";
import { LIVE_GROUPS, NEW_MAVEN_DEPENDENCY_JAR, REBUILD, syncFile, syncNewMavenDependency } from "./harness/live.js";
import { expectRebuild, languageSuite } from "./harness/suite.js";

const SPRING_BOOT = "3.5.7";
const CONTROLLER = "src/main/java/dev/tiltlive/spring/Application.java";
/** Rewrites the first return statement: message()'s. */
const setMessage = (expression: string) => (text: string) => text.replace(/return [^;]*;/, `return ${expression};`);
const BINDINGS_JAR = `spring-cloud-bindings-${pinnedVersion("SPRING_CLOUD_BINDINGS_VERSION")}.jar`;
/** Where spring-boot puts the bindings jar, and the link it makes to it among the app's libraries on every build. */
const BINDINGS_LAYER_JAR = `/layers/paketo-buildpacks_spring-boot/spring-cloud-bindings/${BINDINGS_JAR}`;
const BINDINGS_LINK = `/workspace/BOOT-INF/lib/${BINDINGS_JAR}`;
/** What spring-boot's exec.d helper adds at launch, which the restarted JVM must keep. */
const BINDINGS_OPTION = "Picked up JAVA_TOOL_OPTIONS: -Dorg.springframework.cloud.bindings.boot.enable=true";

/** The container's start time and restart count: unchanged while live updates land in the same container. */
async function containerIdentity(name: string): Promise<string> {
  return (await execa("docker", ["inspect", "--format", "{{.Id}} {{.State.StartedAt}} {{.RestartCount}}", name])).stdout;
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe("tilt-live on the Spring Boot sample", () => {
  const suite = languageSuite(spring);
  const { resources } = suite;
  let image: string;
  let container: RunningContainer;
  let identity: string;

  it("builds with the java group and the real spring-boot buildpack, its bindings jar from the buildpack, offline", async () => {
    const built = await suite.buildImage();
    image = built.image;
    const log = stripVTControlCharacters(built.log);
    expect(log).toContain(`Paketo Buildpack for Spring Boot ${pinnedVersion("PAKETO_SPRING_BOOT_VERSION")}`);
    expect(log).toContain(`This application uses Spring Boot ${SPRING_BOOT}.`);
    expect(log).toMatch(
      new RegExp(
        `Spring Cloud Bindings ${pinnedVersion("SPRING_CLOUD_BINDINGS_VERSION").replaceAll(".", "\\.")}: Contributing to layer\\n(\\[builder\\] )? {4}Reusing cached download from buildpack\\n`,
      ),
    );
    expect(log).toContain("Creating slices from layers index");
    expect(log).toContain(`spring-boot:${SPRING_BOOT}:repackage`);
    expect(log).toContain("BUILD SUCCESS");
    expect(log).toMatch(/^(\[builder\] )? {4}web \(default\): java org\.springframework\.boot\.loader\.launch\.JarLauncher$/m);
    expect((await lifecycleMetadata(image)).buildpacks?.map((bp) => bp.key)).toEqual(LIVE_GROUPS.spring);
    expect(await imageLabel(image, "org.springframework.boot.version")).toBe(SPRING_BOOT);
    const files = await listImageFiles(resources, image);
    for (const file of [
      "layers/tilt-live/src/pom.xml",
      `layers/tilt-live/src/${CONTROLLER}`,
      "layers/tilt-live/meta/bindings/maven/settings.xml",
      "layers/tilt-live/carried/paketo-buildpacks_maven/cache.toml",
      "workspace/BOOT-INF/classes/dev/tiltlive/spring/Application.class",
      BINDINGS_LAYER_JAR.slice(1),
      BINDINGS_LINK.slice(1),
    ]) {
      expect(files, file).toContain(file);
    }
    expect(files).not.toContain(`workspace/${CONTROLLER}`);
  });

  it("runs Spring Boot under the supervisor with spring-boot's launch helper, and answers v1", async () => {
    container = await suite.runImage(image);
    expect(await waitForHttp(container, "/", 60_000)).toBe("v1\n");
    identity = await containerIdentity(container.name);
    const logs = await containerLogs(container.name);
    expect(logs).toContain("Spring Cloud Bindings Enabled");
    expect(count(logs, BINDINGS_OPTION)).toBe(1);
    expect(logs).toMatch(/Tomcat started on port 8080 \(http\) with context path '\/'/);
    expect(logs).toMatch(/Started Application in [\d.]+ seconds/);
  });

  it("live-updates a controller edit in the same container: Maven repackages, spring-boot reruns, the JVM restarts", async () => {
    await syncFile(container.name, suite.app, CONTROLLER, setMessage('"v2"'));
    const rebuild = await expectRebuild(container.name);
    const out = stripVTControlCharacters(rebuild.stdout);
    expect(out).toContain("Compiling 1 source file with javac");
    expect(out).toContain(`spring-boot:${SPRING_BOOT}:repackage`);
    expect(out).toContain("BUILD SUCCESS");
    // spring-boot reruns on the new app dir: its bindings layer is reused, its link to it made again.
    expect(out).toContain(`Spring Cloud Bindings ${pinnedVersion("SPRING_CLOUD_BINDINGS_VERSION")}: Reusing cached layer`);
    expect(out).toContain("4 application slices");
    expect(rebuild.stderr).toMatch(/^\[tilt-live\] rebuild succeeded \(exit 0\)/m);
    expect(await waitForHttp(container)).toBe("v2\n");
    expect((await dockerExec(container.name, ["readlink", BINDINGS_LINK])).stdout).toBe(BINDINGS_LAYER_JAR);
    expect(await containerIdentity(container.name)).toBe(identity);
    const logs = await containerLogs(container.name);
    expect(logs).toMatch(/\[tilt-live\] rebuild #1 succeeded in [\d.]+s; app restarted/);
    // The launch helper's option (exec.d, applied once at container start) reaches the restarted JVM too.
    expect(count(logs, BINDINGS_OPTION)).toBe(2);
    expect(logs.match(/Started Application in [\d.]+ seconds/g)).toHaveLength(2);
  });

  it("keeps the old app serving when javac fails, exits non-zero with javac's message, and recovers", async () => {
    await syncFile(container.name, suite.app, CONTROLLER, setMessage('"v3" +'));
    const failed = await dockerExec(container.name, [REBUILD]);
    // The lifecycle builder's own status for a buildpack that failed to build (Platform API: 51), passed on.
    expect(failed.exitCode).toBe(51);
    expect(failed.stdout).toContain("COMPILATION ERROR");
    expect(failed.stdout).toMatch(/Application\.java:\[\d+,\d+\] illegal start of expression/);
    expect(failed.stdout).toContain("ERROR: Rebuild failed: the build phase exited with status");
    expect(await waitForHttp(container)).toBe("v2\n");
    expect(await containerIdentity(container.name)).toBe(identity);

    await syncFile(container.name, suite.app, CONTROLLER, setMessage('"v3"'));
    await expectRebuild(container.name);
    expect(await waitForHttp(container)).toBe("v3\n");
  });

  it("picks up a dependency added to pom.xml (from the mirror, not yet in the Maven cache) and the app uses it", async () => {
    expect((await dockerExec(container.name, ["test", "-e", NEW_MAVEN_DEPENDENCY_JAR])).exitCode).toBe(1);
    await syncNewMavenDependency(container.name, suite.app);
    await syncFile(container.name, suite.app, CONTROLLER, setMessage('org.json.JSONObject.quote("v4")'));
    await expectRebuild(container.name);
    expect(await waitForHttp(container)).toBe('"v4"\n');
    expect((await dockerExec(container.name, ["test", "-e", NEW_MAVEN_DEPENDENCY_JAR])).exitCode).toBe(0);
    // Repackaged into the Boot jar's libraries, which the maven buildpack exploded into the app dir.
    expect(
      (await dockerExec(container.name, ["test", "-f", `/workspace/BOOT-INF/lib/${NEW_MAVEN_DEPENDENCY_JAR.split("/").at(-1)}`])).exitCode,
    ).toBe(0);
    expect(await containerIdentity(container.name)).toBe(identity);
  });

  it("stops gracefully on SIGTERM: Spring closes its context, Tomcat's graceful shutdown completes, the JVM exits 143", async () => {
    const started = Date.now();
    const exitCode = await stopContainer(container.name, 10);
    expect(Date.now() - started).toBeLessThan(10_000);
    // 128 + SIGTERM: the JVM's own exit after its shutdown hooks ran (a SIGKILL after the grace period would be 137).
    expect(exitCode).toBe(143);
    // `docker logs` interleaves the supervisor's stderr with the app's stdout in no fixed order, so the checks count.
    const logs = await containerLogs(container.name);
    expect(logs).toContain("[tilt-live] received SIGTERM: stopping the app (SIGKILL after 10.0s)");
    expect(logs).toContain("[tilt-live] exiting with status 143");
    // Every JVM this container started (the first and one per live update: v2, v3, v4) shut down gracefully: the
    // live updates stopped the old one with SIGTERM as docker stop stopped the last.
    expect(count(logs, "Started Application in")).toBe(4);
    expect(count(logs, "Commencing graceful shutdown. Waiting for active requests to complete")).toBe(4);
    expect(count(logs, "Graceful shutdown complete")).toBe(4);
  });

  it("builds through the builder's order (the java group, spring-boot in it) with --pre-buildpack and --post-buildpack", async () => {
    expect(await suite.buildThroughOrder()).toEqual(LIVE_GROUPS.spring);
  });

  it("leaves no container, image or volume behind", async () => {
    await resources.cleanup();
    await resources.assertNoLeaks();
  });
});
