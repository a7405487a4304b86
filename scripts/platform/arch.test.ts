// The platform's arch handling (scripts/platform/lib/common.sh): PLATFORM_ARCH=arm64 moves every cache dir of
// compiled code aside while amd64 keeps the names (and keys) it had, the stand-ins that are scripts stay shared, and
// platform::check_elf_arch catches a cross build that produced the wrong machine's executables.
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../src/testing/temp-dir.js";
import { type BashResult, repoRoot as root, runBash } from "../run-bash.js";

let work: string;

beforeEach(async () => {
  work = await tempDir("tilt-live-arch-platform-");
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs SCRIPT after the platform's libs with PLATFORM_ARCH=ARCH and a private cache. */
function bash(arch: string, script: string): Promise<BashResult> {
  return runBash(script, {
    libs: ["scripts/platform/lib/common.sh", "scripts/platform/lib/paketo.sh", "scripts/platform/lib/stand-ins.sh"],
    env: { TILT_LIVE_CACHE: path.join(work, "cache"), PLATFORM_ARCH: arch },
  });
}

/** An executable whose ELF header names MACHINE (e_machine, little-endian at offset 18). */
async function elf(file: string, machine: number): Promise<void> {
  const header = Buffer.alloc(64);
  header.write("\x7fELF", 0, "latin1");
  header.writeUInt16LE(machine, 18);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, header);
  await chmod(file, 0o755);
}

describe("PLATFORM_ARCH", () => {
  it("keeps amd64's dirs as they were and puts arm64's beside them", async () => {
    const script =
      'printf "%s\\n" "$(platform::paketo::dir go-build 2.2.37)" "$GO_BUILD_DIR" "$MAVEN_DIR" "$TILT_LIVE_BP_DIR" "$TILT_LIVE_SOURCE_BP_DIR"';
    const cache = path.join(work, "cache");
    expect((await bash("amd64", script)).stdout.trim().split("\n")).toEqual([
      `${cache}/buildpacks/paketo-go-build/2.2.37`,
      expect.stringMatching(new RegExp(`^${cache}/buildpacks/paketo-go-build/[\\d.]+$`)),
      expect.stringMatching(new RegExp(`^${cache}/buildpacks/paketo-maven/[\\d.]+$`)),
      `${root}/dist/buildpacks/tilt-live`,
      `${root}/dist/buildpacks/tilt-live-source`,
    ]);
    expect((await bash("arm64", script)).stdout.trim().split("\n")).toEqual([
      `${cache}/buildpacks/paketo-go-build/2.2.37-arm64`,
      expect.stringMatching(new RegExp(`^${cache}/buildpacks/paketo-go-build/[\\d.]+-arm64$`)),
      expect.stringMatching(new RegExp(`^${cache}/buildpacks/paketo-maven/[\\d.]+-arm64$`)),
      `${root}/dist/buildpacks-arm64/tilt-live`,
      `${root}/dist/buildpacks-arm64/tilt-live-source`,
    ]);
  });

  it("gives node-engine and syft a key per arch, and shares the script stand-ins", async () => {
    const script = 'for n in node-engine syft cpython pip jvm; do platform::stand_in::dir "$n"; echo; done';
    const amd64 = (await bash("amd64", script)).stdout.trim().split("\n");
    const arm64 = (await bash("arm64", script)).stdout.trim().split("\n");
    expect(amd64).toHaveLength(5);
    expect(arm64[0]).not.toBe(amd64[0]);
    expect(arm64[1]).not.toBe(amd64[1]);
    expect(arm64.slice(2)).toEqual(amd64.slice(2));
  });

  it("refuses an arch it does not build for", async () => {
    const result = await bash("riscv64", "true");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("PLATFORM_ARCH must be amd64 or arm64 (got 'riscv64')");
  });
});

describe("platform::check_elf_arch", () => {
  it("passes executables of the arch, and skips files that are not ELF executables", async () => {
    await elf(path.join(work, "bp/bin/run"), 183);
    await writeFile(path.join(work, "bp/bin/detect"), "#!/usr/bin/env bash\n", { mode: 0o755 });
    await elf(path.join(work, "bp/lib/data.bin"), 62); // not executable: data, as an x86-64 test fixture would be
    await chmod(path.join(work, "bp/lib/data.bin"), 0o644);
    expect(await bash("arm64", `platform::check_elf_arch "${work}/bp" && echo ok`)).toMatchObject({ code: 0, stdout: "ok\n" });
  });

  it("stops at an executable for another machine, and names it", async () => {
    await elf(path.join(work, "bp/bin/run"), 183);
    await elf(path.join(work, "bp/bin/helper"), 62);
    const arm64 = await bash("arm64", `platform::check_elf_arch "${work}/bp" && echo ok`);
    expect(arm64.code).toBe(1);
    expect(arm64.stdout).toBe("");
    expect(arm64.stderr).toContain(`${work}/bp/bin/helper is an ELF file for machine 62, not arm64 (183): the cross build went wrong`);
    const amd64 = await bash("amd64", `platform::check_elf_arch "${work}/bp/bin/run"`);
    expect(amd64.stderr).toContain(`${work}/bp/bin/run is an ELF file for machine 183, not amd64 (62)`);
  });
});
