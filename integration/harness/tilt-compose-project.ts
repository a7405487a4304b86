// A `tilt up` + Docker Compose project without test hooks (the test files' suite and the bench share it): a private
// copy of samples/go with a compose file that publishes the app on a free loopback port, a TiltSession on it, the
// README's Tiltfile, and the teardown (`tilt down`, Tilt's tags, the network, the leak check).
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { copySample } from "./live.js";
import { randomName } from "./names.js";
import { ensurePlatform, repoRoot, type Platform } from "./platform.js";
import type { Resources } from "./resources.js";
import { ensureTilt, tiltEnv } from "./tilt.js";
import { freePort, TiltSession } from "./tilt-session.js";

export interface TiltComposeProject {
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
 * The parts of a `tilt up` + Docker Compose run, without test hooks (the bench drives it too): the platform and
 * Tilt, the app copy with its docker-compose.yml publishing the app on a free loopback port, and a TiltSession (not
 * started) whose PATH has the platform's pack.
 */
export async function prepareTiltCompose(kind: string, resources: Resources): Promise<TiltComposeProject> {
  const [platform, tilt] = await Promise.all([ensurePlatform(), ensureTilt()]);
  const app = await copySample("samples/go");
  const service = "web";
  const image = resources.image(randomName(kind));
  const appPort = await freePort();
  await writeFile(
    path.join(app, "docker-compose.yml"),
    `services:\n  ${service}:\n    image: ${image}\n    ports: ["127.0.0.1:${appPort}:8080"]\n`,
  );
  const env = tiltEnv([path.dirname(platform.pack)], {
    PACK_HOME: platform.packHome,
    PACK_VOLUME_KEY: platform.packVolumeKey,
  });
  return {
    resources,
    service,
    platform,
    app,
    image,
    project: randomName(kind),
    url: `http://127.0.0.1:${appPort}/`,
    session: new TiltSession(tilt, env, app, await freePort(), service),
  };
}

/** The README's Tiltfile for the compose project, plus --network none (the build needs nothing from outside). */
export async function writeTiltLiveComposeTiltfile(suite: TiltComposeProject): Promise<void> {
  await writeFile(
    path.join(suite.app, "Tiltfile"),
    `load('${path.join(repoRoot, "tilt_live/Tiltfile")}', 'tilt_live')\n\n` +
      `tilt_live('${suite.image}', run_image='tilt-live/stack-build:latest', pack_args=['--network', 'none'])\n` +
      `docker_compose('docker-compose.yml', project_name='${suite.project}')\n`,
  );
}

/**
 * Stops `tilt up`, `tilt down` (it has no --port: it reads the Tiltfile and removes the compose project's
 * containers and network), removes what the run made and checks for leaks; returns what went wrong.
 */
export async function tearDownTiltCompose(suite: Partial<TiltComposeProject> & Pick<TiltComposeProject, "resources">): Promise<string[]> {
  const problems =
    suite.session && suite.image && suite.project ? await suite.session.stop(suite.resources, suite.image, suite.project) : [];
  await suite.resources.cleanup();
  await suite.resources.assertNoLeaks();
  if (suite.app) await rm(path.dirname(suite.app), { recursive: true, force: true });
  return problems;
}
