// A background `tilt up` on a Docker Compose project and the polls an edit test needs (Tilt's own build records,
// the app's answer), plus its teardown: `tilt down`, Tilt's image tags, the compose network, a leak check.
import { setTimeout as sleep } from "node:timers/promises";
import { execa, type ResultPromise } from "execa";
import type { Resources } from "./resources.js";
import type { BuildRecord, UIResource } from "./tilt.js";

export { freePort } from "../../src/testing/free-port.js";

export async function dockerLines(argv: string[]): Promise<string[]> {
  const { stdout } = await execa("docker", argv);
  return stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** GET `url`, or the error as text (with its cause: fetch's own message says only "fetch failed"). */
export async function getText(url: string): Promise<string> {
  try {
    return await (await fetch(url, { signal: AbortSignal.timeout(2_000) })).text();
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${String(error)}${cause}`;
  }
}

/** waitForAnswer's pause between two GETs. */
export const POLL_PAUSE_MS = 50;

/** Polls GET `url` until it answers `body`; returns the time from `since`. `onPoll` sees each answer and its time. */
export async function waitForAnswer(
  url: string,
  body: string,
  since: number,
  timeoutMs: number,
  context = async () => "",
  onPoll?: (ms: number, answer: string) => void,
): Promise<number> {
  let last = "";
  while (Date.now() - since < timeoutMs) {
    last = await getText(url);
    onPoll?.(Date.now() - since, last);
    if (last === body) return Date.now() - since;
    await sleep(POLL_PAUSE_MS);
  }
  throw new Error(`GET ${url} never answered ${JSON.stringify(body)} (last ${JSON.stringify(last)})\n${await context()}`);
}

/** One line of a process's output and when it arrived (Date.now()): the bench's per-step timeline. */
export interface ArrivedLine {
  at: number;
  text: string;
}

/** Calls `onLine` with each complete line of `chunk`s fed to the returned function, stamped with its arrival. */
export function lineStamper(onLine: (line: ArrivedLine) => void): (chunk: Buffer | string) => void {
  let partial = "";
  return (chunk) => {
    const at = Date.now();
    partial += chunk.toString();
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const text of parts) onLine({ at, text });
  };
}

export class TiltSession {
  private up: ResultPromise | undefined;
  upLog = "";
  /** `tilt up`'s output line by line with each line's arrival: Tilt streams its log there as it goes. */
  readonly upLines: ArrivedLine[] = [];

  constructor(
    readonly tilt: string,
    readonly env: Record<string, string>,
    /** The directory holding the Tiltfile. */
    readonly dir: string,
    readonly port: number,
    readonly service: string,
  ) {}

  start(): void {
    this.up = execa(this.tilt, ["up", `--port=${this.port}`, "--web-mode=prod"], {
      cwd: this.dir,
      env: this.env,
      all: true,
      reject: false,
    });
    const stamp = lineStamper((line) => this.upLines.push(line));
    this.up.all?.on("data", (chunk: Buffer) => {
      this.upLog += chunk.toString();
      stamp(chunk);
    });
  }

  async uiResource(): Promise<UIResource> {
    const { stdout } = await execa(this.tilt, ["get", `--port=${this.port}`, "uiresource", this.service, "-o", "json"], { env: this.env });
    return JSON.parse(stdout) as UIResource;
  }

  /** waitForAnswer with this session's Tilt logs in the error. */
  waitForAnswer(url: string, body: string, since: number, timeoutMs: number): Promise<number> {
    return waitForAnswer(url, body, since, timeoutMs, () => this.logs());
  }

  async logs(): Promise<string> {
    return (await execa(this.tilt, ["logs", `--port=${this.port}`], { env: this.env, reject: false })).stdout;
  }

  /** Polls Tilt until a build newer than `after` (by startTime) is finished and recorded; returns it. */
  async nextBuild(after: BuildRecord | undefined, timeoutMs: number): Promise<BuildRecord> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      if (this.up?.exitCode !== undefined && this.up.exitCode !== null) throw new Error(`tilt up exited:\n${this.upLog}`);
      try {
        const { status } = await this.uiResource();
        const newest = status.buildHistory?.[0];
        last = JSON.stringify(status);
        if (
          newest?.finishTime &&
          newest.startTime !== after?.startTime &&
          status.updateStatus !== "in_progress" &&
          status.updateStatus !== "pending"
        ) {
          return newest;
        }
      } catch (error) {
        last = String(error); // the apiserver is not up yet right after `tilt up` starts
      }
      await sleep(100);
    }
    throw new Error(`no new build within ${timeoutMs} ms; last status: ${last}\ntilt logs:\n${await this.logs()}`);
  }

  /** Ends the background `tilt up` (this session's own process, by its handle). */
  async stopUp(): Promise<void> {
    if (this.up) {
      this.up.kill("SIGTERM");
      await this.up.catch(() => undefined);
    }
  }

  /**
   * Stops `tilt up`, runs `tilt down`, registers Tilt's tags of `image` and the project's containers with
   * `resources` for cleanup, removes the compose network; returns what went wrong.
   */
  async stop(resources: Resources, image: string, project: string): Promise<string[]> {
    const problems: string[] = [];
    await this.stopUp();
    const down = await execa(this.tilt, ["down"], { cwd: this.dir, env: this.env, reject: false, all: true });
    if (down.exitCode !== 0) problems.push(`tilt down failed:\n${down.all}`);
    const left = await dockerLines(["ps", "--all", "--quiet", "--filter", `label=com.docker.compose.project=${project}`]);
    if (left.length > 0) problems.push(`tilt down left containers: ${left.join(", ")}`);
    // Tilt tags every build (<image>:tilt-<hash>) and never removes them; the pack extension's caching tag too.
    for (const ref of await dockerLines(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}", image])) resources.image(ref);
    for (const id of await dockerLines(["ps", "--all", "--quiet", "--filter", `label=com.docker.compose.project=${project}`])) {
      resources.container(id);
    }
    await resources.cleanup();
    for (const network of await dockerLines(["network", "ls", "--format", "{{.Name}}", "--filter", `name=${project}`])) {
      await execa("docker", ["network", "rm", network], { reject: false });
    }
    if ((await dockerLines(["network", "ls", "--format", "{{.Name}}", "--filter", `name=${project}`])).length > 0) {
      problems.push(`compose network of ${project} left behind`);
    }
    if ((await dockerLines(["image", "ls", "--quiet", image])).length > 0) problems.push(`images of ${image} left behind`);
    return problems;
  }
}

export const seconds = (ms: number) => (ms / 1000).toFixed(2);
