// What the `tilt up` + Docker Compose test files share: a TiltComposeProject (tilt-compose-project.ts) set up and torn
// down by the file's hooks, and the edit and live-update loop.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { Resources } from "./resources.js";
import { failFast } from "./suite.js";
import type { BuildRecord } from "./tilt.js";
import { dockerLines } from "./tilt-session.js";
import { prepareTiltCompose, tearDownTiltCompose, type TiltComposeProject } from "./tilt-compose-project.js";

export { writeTiltLiveComposeTiltfile } from "./tilt-compose-project.js";
/** What a test file's hooks set up: a TiltComposeProject. */
export type TiltComposeSuite = TiltComposeProject;

/**
 * Registers the file's hooks: prepareTiltCompose before the file's tests, tearDownTiltCompose after them; plus
 * failFast.
 */
export function tiltComposeSuite(kind: string): TiltComposeSuite {
  const suite = { resources: new Resources(), service: "web" } as TiltComposeSuite;
  failFast();
  beforeAll(async () => {
    Object.assign(suite, await prepareTiltCompose(kind, suite.resources));
  });
  afterAll(async () => {
    expect(await tearDownTiltCompose(suite)).toEqual([]);
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
