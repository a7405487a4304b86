// What the `tilt up` + Docker Compose test files share: a private copy of samples/go with a compose file that
// publishes the app on a free loopback port, a TiltSession on it (the test file writes the Tiltfile), the edit
// and live-update loop, and the teardown (`tilt down`, Tilt's tags, the network, the leak check).
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { randomName } from "./names.js";
import { copySample } from "./live.js";
import { ensurePlatform, type Platform } from "./platform.js";
import { Resources } from "./resources.js";
import { failFast } from "./suite.js";
import { ensureTilt, tiltEnv, type BuildRecord } from "./tilt.js";
import { dockerLines, freePort, TiltSession } from "./tilt-session.js";

export interface TiltComposeSuite {
  readonly resources: Resources;
  readonly service: string;
  /** The rest is set before the test file's own beforeAll runs. */
  platform: Platform;
  session: TiltSession;
  /** The private copy of samples/go, where the Tiltfile goes. */
  app: string;
  /** The compose service's image (tracked by `resources`). */
  image: string;
  project: string;
  /** GET / of the app, through its published loopback port. */
  url: string;
}

/**
 * Registers the file's hooks: the platform and Tilt, the app copy with its docker-compose.yml, a TiltSession
 * (not started) whose PATH has the platform's pack, and at the end its teardown; plus failFast.
 */
export function tiltComposeSuite(kind: string): TiltComposeSuite {
  const suite = { resources: new Resources(), service: "web" } as TiltComposeSuite;
  failFast();
  beforeAll(async () => {
    let tilt: string;
    [suite.platform, tilt] = await Promise.all([ensurePlatform(), ensureTilt()]);
    suite.app = await copySample("samples/go");
    suite.image = suite.resources.image(randomName(kind));
    suite.project = randomName(kind);
    const appPort = await freePort();
    suite.url = `http://127.0.0.1:${appPort}/`;
    await writeFile(
      path.join(suite.app, "docker-compose.yml"),
      `services:\n  ${suite.service}:\n    image: ${suite.image}\n    ports: ["127.0.0.1:${appPort}:8080"]\n`,
    );
    const env = tiltEnv([path.dirname(suite.platform.pack)], {
      PACK_HOME: suite.platform.packHome,
      PACK_VOLUME_KEY: suite.platform.packVolumeKey,
    });
    suite.session = new TiltSession(tilt, env, suite.app, await freePort(), suite.service);
  });
  afterAll(async () => {
    // `tilt down` has no --port: it reads the Tiltfile and removes the compose project's containers and network.
    const problems = suite.session ? await suite.session.stop(suite.resources, suite.image, suite.project) : [];
    await suite.resources.cleanup();
    await suite.resources.assertNoLeaks();
    if (suite.app) await rm(path.dirname(suite.app), { recursive: true, force: true });
    expect(problems).toEqual([]);
  });
  return suite;
}

/** Rewrites `file` of the app copy with `change` (which gets "" for a new file); returns when it did. */
export async function editApp(suite: TiltComposeSuite, file: string, change: (text: string) => string): Promise<number> {
  const local = path.join(suite.app, file);
  await writeFile(local, change(await readFile(local, "utf8").catch(() => "")));
  return Date.now();
}

/** The id of the compose project's one container. */
export async function composeContainer(suite: TiltComposeSuite): Promise<string> {
  const ids = await dockerLines(["ps", "--all", "--filter", `label=com.docker.compose.project=${suite.project}`, "--format", "{{.ID}}"]);
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

/**
 * Edits main.go's message from each `from` to its `to`, and expects each to be a successful live update (Tilt's
 * record says so) after which GET answers `to`. Returns the edit → new response times and the last record.
 */
export async function expectLiveUpdates(
  suite: TiltComposeSuite,
  after: BuildRecord,
  versions: ReadonlyArray<readonly [from: string, to: string]>,
): Promise<{ times: number[]; last: BuildRecord }> {
  const times: number[] = [];
  let last = after;
  for (const [from, to] of versions) {
    const editedAt = await editApp(suite, "main.go", (text) => text.replace(`"${from}"`, `"${to}"`));
    times.push(await suite.session.waitForAnswer(suite.url, `${to}\n`, editedAt, 120_000));
    const record = await suite.session.nextBuild(last, 60_000);
    expect(record.error ?? "").toBe("");
    expect(record.spanID).toBe(`liveupdate:${suite.service}:${suite.image}`);
    last = record;
  }
  return { times, last };
}
