import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBuild, runDetect } from "./phases.js";
import { captureIo } from "../testing/io.js";
import { lifecycleFixture } from "../testing/lifecycle-fixture.js";

describe("runDetect", () => {
  it("passes (0) with a Tiltfile, skips (100) without and says why, fails (1) on bad configuration", async () => {
    const f = await lifecycleFixture();
    const env = { CNB_PLATFORM_DIR: f.platformDir };
    const skip = captureIo(env, f.appDir);
    expect(await runDetect(skip)).toBe(100);
    expect(skip.out()).toMatch(/^tilt-live: skip: no Tiltfile in the app root \(set BP_TILT_LIVE_ENABLED=true to force\) \([\d.]+ ms\)\n$/);
    await writeFile(join(f.appDir, "Tiltfile"), "");
    const pass = captureIo(env, f.appDir);
    expect(await runDetect(pass)).toBe(0);
    expect(pass.out()).toBe(""); // quiet on the common path, unless BP_LOG_LEVEL=DEBUG
    const debug = captureIo({ ...env, BP_LOG_LEVEL: "DEBUG" }, f.appDir);
    expect(await runDetect(debug)).toBe(0);
    expect(debug.out()).toContain("tilt-live: pass: found a Tiltfile");
    // As a user sets it (`pack build --env`): a file in <platform>/env, the only way it reaches tilt-live/source.
    await writeFile(join(f.platformDir, "env", "BP_LOG_LEVEL"), "debug");
    const platformDebug = captureIo(env, f.appDir);
    expect(await runDetect(platformDebug)).toBe(0);
    expect(platformDebug.out()).toContain("tilt-live: pass: found a Tiltfile");
    await rm(join(f.platformDir, "env", "BP_LOG_LEVEL"));
    await writeFile(join(f.platformDir, "env", "BP_TILT_LIVE_ENABLED"), "maybe");
    const bad = captureIo(env, f.appDir);
    expect(await runDetect(bad)).toBe(1);
    expect(bad.err().split("\n")).toEqual([
      'ERROR: BP_TILT_LIVE_ENABLED must be true or false, got "maybe"',
      "  Why: tilt-live reads BP_TILT_LIVE_ENABLED and cannot use its value.",
      "  Fix: Set BP_TILT_LIVE_ENABLED to true or false (1/0, yes/no and on/off work too), or leave it unset.",
      "",
    ]);
  });
});

describe("runBuild", () => {
  it("runs tilt-live/source's build and exits 0", async () => {
    const f = await lifecycleFixture();
    await writeFile(join(f.appDir, "main.go"), "package main");
    const env = f.env("tilt-live/source", "0.1.0");
    await mkdir(env.CNB_LAYERS_DIR!, { recursive: true });
    const io = captureIo(env, f.appDir);
    expect(await runBuild(io, "0.1.0")).toBe(0);
    expect(io.out()).toContain("tilt-live/source 0.1.0\n  Snapshotting the pristine app source\n");
    expect(io.out()).toMatch(/\n {2}Completed in [\d.]+s\n/);
    expect(io.err()).toBe("");
  });

  // tilt-live/source is clear-env: BP_LOG_LEVEL reaches either buildpack only as <platform>/env/BP_LOG_LEVEL.
  for (const id of ["tilt-live/source", "tilt-live"]) {
    it(`${id} prints its debug lines when <platform>/env sets BP_LOG_LEVEL=DEBUG, and only then`, async () => {
      const f = await lifecycleFixture();
      await writeFile(join(f.appDir, "main.go"), "package main");
      const env: NodeJS.ProcessEnv = { ...f.env(id, "0.1.0"), TILT_LIVE_LIFECYCLE_PATH: f.lifecyclePath };
      await mkdir(env.CNB_LAYERS_DIR!, { recursive: true });
      const quiet = captureIo(env, f.appDir);
      expect(await runBuild(quiet, "0.1.0"), quiet.err()).toBe(0);
      expect(quiet.out()).not.toContain("[debug]");
      await writeFile(join(f.platformDir, "env", "BP_LOG_LEVEL"), "DEBUG");
      const debug = captureIo(env, f.appDir);
      expect(await runBuild(debug, "0.1.0"), debug.err()).toBe(0);
      expect(debug.out()).toMatch(/\n {4}\[debug\] layer \w+: \{/);
    });
  }

  it("exits 1 with the variable and its allowed values when a setting does not parse", async () => {
    const f = await lifecycleFixture();
    await writeFile(join(f.appDir, "main.go"), "package main");
    await writeFile(join(f.platformDir, "env", "BP_TILT_LIVE_STOP_TIMEOUT"), "soon");
    const env = f.env("tilt-live", "0.1.0");
    await mkdir(env.CNB_LAYERS_DIR!, { recursive: true });
    const io = captureIo({ ...env, TILT_LIVE_LIFECYCLE_PATH: f.lifecyclePath }, f.appDir);
    expect(await runBuild(io, "0.1.0")).toBe(1);
    expect(io.err()).toContain('ERROR: BP_TILT_LIVE_STOP_TIMEOUT must be a positive whole number, got "soon"');
    expect(io.err()).toContain(
      "Fix: Set BP_TILT_LIVE_STOP_TIMEOUT to a whole number greater than 0, or leave it unset for the default (10).",
    );
  });

  it("exits 1 naming each variable the lifecycle should have set", async () => {
    const f = await lifecycleFixture();
    for (const name of ["CNB_LAYERS_DIR", "CNB_PLATFORM_DIR", "CNB_BUILDPACK_DIR", "CNB_BP_PLAN_PATH"]) {
      const env = { ...f.env("tilt-live/source", "0.1.0"), [name]: undefined };
      const io = captureIo(env, f.appDir);
      expect(await runBuild(io, "0.1.0"), name).toBe(1);
      expect(io.err(), name).toContain(`ERROR: ${name} is not set`);
      expect(io.err(), name).toContain(`Fix: Set ${name} to `);
      expect(io.err(), name).toContain("run the build through a platform such as `pack build`");
    }
  });
});
