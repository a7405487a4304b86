// A container registry on 127.0.0.1 for the package tests: Debian's docker-registry (the one the local cluster runs),
// started once per run (packages-setup.ts) with its storage in a temp dir, stopped (by its pid) and deleted at the
// end. And `npm run package -- --publish` into it, as a release would push tilt-live.
//
// It listens on 127.0.0.1:80, so that references name no port: pack 0.36 parses a `docker://` buildpack reference
// with its prefix (pkg/buildpack/locator_type.go, GetLocatorType: name.ParseReference("docker://host:port/...")
// takes "docker:" for the registry and rejects the ':' of the port in the repository) and then fails with
// "unsupported protocol 'docker'". Without a port the reference parses, and 127.0.0.1 is spoken to over plain
// HTTP by pack (go-containerregistry's loopback rule) and by Docker (its default insecure 127.0.0.0/8).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { inject } from "vitest";
import { repoRoot } from "./platform.js";
import { waitFor } from "../../src/testing/wait-for.js";
import { TILT_LIVE_VERSION } from "./versions.js";

export interface Registry {
  /** host:port, as image references and `--publish` take it. */
  readonly host: string;
  stop(): Promise<void>;
}

export async function startRegistry(): Promise<Registry> {
  const host = "127.0.0.1";
  // Another process on the port would answer for this run's registry (and keep what the run pushes).
  if ((await fetch(`http://${host}/v2/`).catch(() => undefined)) !== undefined) {
    throw new Error(`${host}:80 already answers HTTP: stop what listens there (ss -ltnp 'sport = :80') and run again`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), "tilt-live-registry-"));
  const config = path.join(dir, "config.yml");
  await writeFile(
    config,
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}:80\n`,
  );
  const child: ChildProcess = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => child.exitCode === null && (await fetch(`http://${host}/v2/`).catch(() => undefined))?.ok === true, {
      timeoutMs: 15_000,
      what: `docker-registry on ${host}:80`,
      context: () =>
        `docker-registry ${child.exitCode === null ? "is running" : `exited (${child.exitCode})`}; is 127.0.0.1:80 taken (ss -ltnp)?\n${stderr}`,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, stop };
}

/** What `npm run package -- --publish` pushed: each reference with the digest it printed. */
export interface PublishedPackages {
  /** host of the registry they were pushed to (no port: see above). */
  registry: string;
  /** The meta-buildpack: `docker://<meta>` is the one flag users write. */
  meta: string;
  source: string;
  live: string;
  /** `<repo>:<tag>` → `sha256:...`, as the script printed them. */
  digests: Record<string, string>;
  /** The script's whole output (its scribe log on stderr and the references on stdout). */
  log: string;
  durationMs: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    /** Set by integration/harness/packages-setup.ts when the run publishes the packages (TILT_LIVE_PUBLISH_PACKAGES). */
    publishedPackages: PublishedPackages | null;
  }
}

export async function publishPackages(registry: Registry): Promise<PublishedPackages> {
  const started = Date.now();
  const result = await execa("bash", [path.join(repoRoot, "scripts/package.sh"), "--publish", registry.host], {
    reject: false,
    timeout: 900_000,
  });
  const log = `${result.stderr}\n${result.stdout}`;
  if (result.exitCode !== 0) throw new Error(`scripts/package.sh --publish ${registry.host} failed (exit ${result.exitCode}):\n${log}`);
  const digests = Object.fromEntries(
    result.stdout
      .split("\n")
      .filter((line) => line.includes("@sha256:"))
      .map((line) => line.split("@") as [string, string]),
  );
  const ref = (repo: string) => `${registry.host}/${repo}:${TILT_LIVE_VERSION}`;
  for (const repo of ["tilt-live", "tilt-live/source", "tilt-live/live"]) {
    if (!digests[ref(repo)]) throw new Error(`scripts/package.sh printed no digest for ${ref(repo)}:\n${log}`);
  }
  return {
    registry: registry.host,
    meta: ref("tilt-live"),
    source: ref("tilt-live/source"),
    live: ref("tilt-live/live"),
    digests,
    log,
    durationMs: Date.now() - started,
  };
}

/**
 * The packages this run published (once, before the first file: packages-setup.ts), for the files that use them:
 * publishing takes about 3 minutes, the same for every file.
 */
export function publishedPackages(): PublishedPackages {
  const published = inject("publishedPackages");
  if (!published) {
    throw new Error(
      "this run published no packages: scripts/integration.sh publishes them (TILT_LIVE_PUBLISH_PACKAGES=1) for runs that include packages, tilt-stock-pack or kpack",
    );
  }
  return published;
}

/** The package files `npm run package` writes, per buildpack and target. */
export function packageFile(name: "tilt-live" | "tilt-live-source" | "tilt-live-live", arch: "amd64" | "arm64"): string {
  return path.join(repoRoot, "dist", "packages", `${name}-${TILT_LIVE_VERSION}-linux-${arch}.cnb`);
}
