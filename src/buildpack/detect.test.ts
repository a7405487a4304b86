import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing/temp-dir.js";
import { detect } from "./detect.js";
import { formatError, TiltLiveError } from "../core/errors.js";

async function fixture(opts: { tiltfile: boolean; platformValue?: string }) {
  const root = await tempDir("tilt-live-detect-");
  const app = join(root, "workspace");
  const platform = join(root, "platform");
  await mkdir(join(platform, "env"), { recursive: true });
  await mkdir(app);
  if (opts.tiltfile) await writeFile(join(app, "Tiltfile"), "# tilt\n");
  if (opts.platformValue !== undefined) await writeFile(join(platform, "env", "BP_TILT_LIVE_ENABLED"), opts.platformValue);
  const buildpackDir = join(root, "cnb", "buildpacks", "tilt-live", "0.1.0");
  await mkdir(buildpackDir, { recursive: true });
  await writeFile(join(buildpackDir, "buildpack.toml"), 'api = "0.10"\n[buildpack]\nid = "tilt-live"\nversion = "0.1.0"\n');
  return { app, platform, buildpackDir, root };
}

/** An order.toml with one group of `go-build` and tilt-live, tilt-live optional or not. */
async function orderFile(root: string, optional: boolean): Promise<string> {
  const path = join(root, `order-${optional}.toml`);
  await writeFile(
    path,
    `[[order]]\n[[order.group]]\nid = "paketo-buildpacks/go-build"\nversion = "2.2.37"\n` +
      `[[order.group]]\nid = "tilt-live"\nversion = "0.1.0"\n${optional ? "optional = true\n" : ""}`,
  );
  return path;
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
    const result = await detect(f.app, f.platform, env, { buildpackDir: f.buildpackDir, orderPaths: [await orderFile(f.root, true)] });
    expect(result.pass).toBe(passes);
  });

  describe("BP_TILT_LIVE_ENABLED=false where the build requires tilt-live", () => {
    it("passes (its build then contributes nothing) when the order has it required", async () => {
      const f = await fixture({ tiltfile: true, platformValue: "false" });
      const result = await detect(f.app, f.platform, {}, { buildpackDir: f.buildpackDir, orderPaths: [await orderFile(f.root, false)] });
      expect(result).toEqual({
        pass: true,
        reason:
          "BP_TILT_LIVE_ENABLED=false, but this build requires tilt-live (a required member of the order): it passes and contributes nothing",
      });
    });

    it("reads the first order file that exists, and passes when there is none", async () => {
      const f = await fixture({ tiltfile: false, platformValue: "false" });
      const missing = join(f.root, "no-such-order.toml");
      const optional = await orderFile(f.root, true);
      expect((await detect(f.app, f.platform, {}, { buildpackDir: f.buildpackDir, orderPaths: [missing, optional] })).pass).toBe(false);
      expect((await detect(f.app, f.platform, {}, { buildpackDir: f.buildpackDir, orderPaths: [missing] })).pass).toBe(true);
    });
  });

  describe("tilt-live with no language buildpack in its group", () => {
    async function order(root: string, text: string): Promise<string> {
      const path = join(root, "order.toml");
      await writeFile(path, text);
      return path;
    }
    const alone = '[[order]]\n[[order.group]]\nid = "tilt-live"\nversion = "0.1.0"\n';

    it("fails detect and names the meta-buildpack and the other forms that work (`--buildpack ./tilt-live` alone)", async () => {
      const f = await fixture({ tiltfile: true });
      const orderPath = await order(f.root, alone);
      const result = await detect(f.app, f.platform, {}, { buildpackDir: f.buildpackDir, orderPaths: [orderPath] });
      expect(result.pass).toBe(false);
      expect(result.reason).toBe(
        `no language buildpack runs with tilt-live in ${orderPath}: the image would have no app and no process. ` +
          "Name the meta-buildpack instead, which brings the app's language group: `--buildpack docker://<registry>/tilt-live:<version>` " +
          "or `--buildpack tilt-live-<version>.cnb` (id tilt-live/dev); or keep the builder's order and add `--post-buildpack tilt-live`; " +
          "or spell the group out: `--buildpack tilt-live/source --buildpack <language buildpacks> --buildpack tilt-live` (docs/usage-pack.md)",
      );
      // Even when disabled: the image would be empty either way.
      expect(
        (await detect(f.app, f.platform, { BP_TILT_LIVE_ENABLED: "false" }, { buildpackDir: f.buildpackDir, orderPaths: [orderPath] }))
          .pass,
      ).toBe(false);
    });

    it("passes inside the meta-buildpack, whose order (in the same buildpacks dir) wraps a language group", async () => {
      const f = await fixture({ tiltfile: true });
      const metaDir = join(f.root, "cnb", "buildpacks", "tilt-live_dev", "0.1.0");
      await mkdir(metaDir, { recursive: true });
      await writeFile(
        join(metaDir, "buildpack.toml"),
        'api = "0.10"\n[buildpack]\nid = "tilt-live/dev"\nversion = "0.1.0"\n[[order]]\n' +
          '[[order.group]]\nid = "paketo-buildpacks/go-build"\nversion = "2.2.37"\n' +
          '[[order.group]]\nid = "tilt-live"\nversion = "0.1.0"\noptional = true\n',
      );
      const orderPath = await order(f.root, '[[order]]\n[[order.group]]\nid = "tilt-live/dev"\nversion = "0.1.0"\n');
      const options = { buildpackDir: f.buildpackDir, orderPaths: [orderPath] };
      expect(await detect(f.app, f.platform, {}, options)).toEqual({ pass: true, reason: "found a Tiltfile" });
      // Optional in the meta-buildpack: disabled, it steps aside and the language group builds alone.
      expect(await detect(f.app, f.platform, { BP_TILT_LIVE_ENABLED: "false" }, options)).toEqual({
        pass: false,
        reason: "BP_TILT_LIVE_ENABLED=false",
      });
    });
  });

  it("the platform env file wins over the process env", async () => {
    const f = await fixture({ tiltfile: false, platformValue: "true" });
    expect((await detect(f.app, f.platform, { BP_TILT_LIVE_ENABLED: "false" })).pass).toBe(true);
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

describe("detect with Paketo's BP_LIVE_RELOAD_ENABLED=true (tilt-dev's pack extension sets it)", () => {
  async function sourceBuildpack(root: string, id: string): Promise<string> {
    const dir = join(root, id.replace("/", "_"));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "buildpack.toml"), `api = "0.10"\n[buildpack]\nid = "${id}"\nversion = "0.1.0"\n`);
    return dir;
  }

  it("tilt-live/source provides watchexec, with an empty alternative for groups that do not require it", async () => {
    const f = await fixture({ tiltfile: true });
    await writeFile(join(f.platform, "env", "BP_LIVE_RELOAD_ENABLED"), "true");
    const result = await detect(f.app, f.platform, {}, { buildpackDir: await sourceBuildpack(f.root, "tilt-live/source") });
    expect(result.pass).toBe(true);
    expect(result.plan).toBe('[[provides]]\nname = "watchexec"\n\n[[or]]\n');
    expect(result.reason).toContain("provides watchexec");
  });

  it("tilt-live provides nothing, and neither does tilt-live/source without the variable", async () => {
    const f = await fixture({ tiltfile: true });
    expect((await detect(f.app, f.platform, { BP_LIVE_RELOAD_ENABLED: "true" }, { buildpackDir: f.buildpackDir })).plan).toBeUndefined();
    const source = await sourceBuildpack(f.root, "tilt-live/source");
    expect((await detect(f.app, f.platform, { BP_LIVE_RELOAD_ENABLED: "false" }, { buildpackDir: source })).plan).toBeUndefined();
  });
});
