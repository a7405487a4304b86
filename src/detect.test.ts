import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./testing/temp-dir.js";
import { detect } from "./detect.js";
import { formatError, TiltLiveError } from "./errors.js";

async function fixture(opts: { tiltfile: boolean; platformValue?: string }) {
  const root = await tempDir("tilt-live-detect-");
  const app = join(root, "workspace");
  const platform = join(root, "platform");
  await mkdir(join(platform, "env"), { recursive: true });
  await mkdir(app);
  if (opts.tiltfile) await writeFile(join(app, "Tiltfile"), "# tilt\n");
  if (opts.platformValue !== undefined) await writeFile(join(platform, "env", "BP_TILT_LIVE_ENABLED"), opts.platformValue);
  return { app, platform };
}

describe("detect", () => {
  const cases: Array<[boolean, string | undefined, "platform" | "env", boolean]> = [
    [true, undefined, "platform", true],
    [false, undefined, "platform", false],
    [true, "true", "platform", true],
    [false, "true", "platform", true],
    [true, "false", "platform", false],
    [false, "false", "platform", false],
    [true, "true", "env", true],
    [false, "true", "env", true],
    [true, "false", "env", false],
    [false, "false", "env", false],
  ];
  it.each(cases)("Tiltfile=%s BP_TILT_LIVE_ENABLED=%s (via %s) passes=%s", async (tiltfile, value, via, passes) => {
    const f = await fixture({ tiltfile, ...(via === "platform" && value !== undefined ? { platformValue: value } : {}) });
    const env = via === "env" && value !== undefined ? { BP_TILT_LIVE_ENABLED: value } : {};
    const result = await detect(f.app, f.platform, env);
    expect(result.pass).toBe(passes);
  });

  it("the platform env file wins over the process env", async () => {
    const f = await fixture({ tiltfile: true, platformValue: "false" });
    expect((await detect(f.app, f.platform, { BP_TILT_LIVE_ENABLED: "true" })).pass).toBe(false);
  });

  it("explains why it did not pass", async () => {
    const f = await fixture({ tiltfile: false });
    expect((await detect(f.app, f.platform, {})).reason).toBe("no Tiltfile in the app root (set BP_TILT_LIVE_ENABLED=true to force)");
  });

  it("rejects a value that is not a boolean", async () => {
    const f = await fixture({ tiltfile: true, platformValue: "maybe" });
    await expect(detect(f.app, f.platform, {})).rejects.toThrow(TiltLiveError);
    await expect(detect(f.app, f.platform, {})).rejects.toThrow('BP_TILT_LIVE_ENABLED must be true or false, got "maybe"');
    const error = await detect(f.app, f.platform, {}).catch((e: unknown) => e);
    expect(formatError(error)).toContain(
      "  Fix: Set BP_TILT_LIVE_ENABLED to true or false (1/0, yes/no and on/off work too), or leave it unset.",
    );
  });
});
