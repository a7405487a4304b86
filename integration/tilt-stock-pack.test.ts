// tilt-dev/tilt-extensions' `pack` extension, exactly as published (unpacked from the upstream bundle by
// scripts/platform/tilt.sh pack-extension, never committed), under real `tilt up` with Docker Compose, on a private
// copy of samples/go. The user's Tiltfile names tilt-live's meta-buildpack package (pushed by `npm run package --
// --publish` into a registry on 127.0.0.1 once per run: harness/packages-setup.ts) in `buildpacks=` and adds a
// live_update. The extension passes
// BP_LIVE_RELOAD_ENABLED=true (tilt-live/source stands in for watchexec), no --trust-builder (pack's untrusted
// five-phase flow) and no --run-image (the builder's run image has no gcc: CGO_ENABLED=0 keeps Go's cache valid).
import path from "node:path";
import { writeFile } from "node:fs/promises";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./harness/index.js";
import { REBUILD, SYNC_TARGET } from "./harness/live.js";
import { publishedPackages } from "./harness/registry.js";
import type { BuildRecord, TiltfileResult } from "./harness/tilt.js";
import { composeContainer, editApp, expectLiveUpdates, tiltComposeSuite } from "./harness/tilt-compose.js";
import { getText, seconds } from "./harness/tilt-session.js";

/** The published extension, unpacked from the upstream bundle (sha256-checked) by scripts/platform/tilt.sh. */
async function stockPackExtension(): Promise<string> {
  const result = await execa("bash", [path.join(repoRoot, "scripts/platform/tilt.sh"), "pack-extension"], { all: true, reject: false });
  if (result.exitCode !== 0) throw new Error(`scripts/platform/tilt.sh pack-extension failed:\n${result.all ?? ""}`);
  return path.join(result.stdout.trim(), "pack", "Tiltfile");
}

describe.sequential("tilt up with the stock tilt-extensions pack extension and tilt-live's buildpacks (Docker Compose, samples/go)", () => {
  const suite = tiltComposeSuite("stock-pack");
  const { service } = suite;
  let baseline: BuildRecord;

  let meta: string;

  beforeAll(async () => {
    meta = publishedPackages().meta;
    // pack pulls the package into the daemon (the extension's default pull policy).
    suite.resources.image(meta);
    // The README's form.
    await writeFile(
      path.join(suite.app, "Tiltfile"),
      `load('${await stockPackExtension()}', 'pack')\n\n` +
        `pack('${suite.image}',\n` +
        `     builder='${suite.platform.builder}',\n` +
        `     buildpacks=['docker://${meta}'],\n` +
        `     env_vars=['CGO_ENABLED=0'],\n` +
        `     live_update=[sync('.', '${SYNC_TARGET}'), run(['${REBUILD}'])])\n` +
        `docker_compose('docker-compose.yml', project_name='${suite.project}')\n`,
    );
  });

  it("the extension as published builds with BP_LIVE_RELOAD_ENABLED=true, without --trust-builder or --run-image", async () => {
    const { session } = suite;
    const result = await execa(session.tilt, ["alpha", "tiltfile-result", "-f", path.join(suite.app, "Tiltfile")], {
      cwd: suite.app,
      env: session.env,
    });
    const manifests = (JSON.parse(result.stdout) as TiltfileResult).Manifests;
    const command = manifests
      .flatMap((m) => m.ImageTargets)
      .map((t) => t.BuildDetails.args.join(" "))
      .join("\n");
    expect(command).toContain("--env BP_LIVE_RELOAD_ENABLED=true");
    expect(command).toContain(`--buildpack docker://${meta}`);
    expect(command).not.toContain("--trust-builder");
    expect(command).not.toContain("--run-image");
  });

  it("deploys: the extension's pack build (BP_LIVE_RELOAD_ENABLED=true, untrusted builder) passes detect and GET answers v1", async () => {
    const { session } = suite;
    session.start();
    const started = Date.now();
    baseline = await session.nextBuild(undefined, 900_000);
    const logs = await session.logs();
    expect(baseline.error ?? "", logs).toBe("");
    expect(baseline.spanID).toMatch(/^build:\d+$/);
    await session.waitForAnswer(suite.url, "v1\n", Date.now(), 60_000);
    console.log(`[stock-pack] first deploy (pack build through the extension + compose up): ${seconds(Date.now() - started)} s`);
    expect(logs).toContain("BP_LIVE_RELOAD_ENABLED=true: standing in for watchexec");
    // go-build's reload process is the default, run by the supervisor without watchexec.
    const top = await execa("docker", ["top", await composeContainer(suite), "-o", "pid,args"]);
    expect(top.stdout).toContain("tilt-live-supervise reload-hello");
    expect(top.stdout).not.toMatch(/watchexec/);
  });

  it("live-updates edits of main.go in the running container", async () => {
    const { times, last } = await expectLiveUpdates(suite, baseline, [
      ["v1", "v2"],
      ["v2", "v3"],
    ]);
    baseline = last;
    console.log(`[stock-pack] edit of main.go → new response under real Tilt: ${times.map(seconds).join(" s, ")} s`);
  });

  it("a compile error fails the live update and the old app keeps serving", async () => {
    await editApp(suite, "main.go", (text) => text.replace('const message = "v3"', "const message = v4 +"));
    const failed = await suite.session.nextBuild(baseline, 120_000);
    expect(failed.spanID).toBe(`liveupdate:${service}:${suite.image}`);
    expect(failed.error).toMatch(/rebuild/);
    expect(await getText(suite.url)).toBe("v3\n");
    baseline = failed;
  });
});
