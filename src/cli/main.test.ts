import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { invokedAs, main } from "./main.js";
import { captureIo } from "../testing/io.js";
import { tempDir } from "../testing/temp-dir.js";

describe("invokedAs", () => {
  it("takes the tool from the name the executable was called by", () => {
    expect(invokedAs(["/cnb/buildpacks/tilt-live/0.1.0/bin/tilt-live", "/cnb/buildpacks/tilt-live/0.1.0/bin/detect"])).toEqual({
      name: "detect",
      args: [],
    });
    expect(invokedAs(["x", "/layers/tilt-live/tools/bin/rebuild", "--no-restart"])).toEqual({ name: "rebuild", args: ["--no-restart"] });
  });

  it("takes it from the first argument when called as tilt-live or as a script, with help as the default", () => {
    expect(invokedAs(["x", "/layers/tilt-live/tools/bin/tilt-live", "tilt-live-supervise", "web"])).toEqual({
      name: "tilt-live-supervise",
      args: ["web"],
    });
    expect(invokedAs(["/usr/bin/node", "/repo/dist/work/tilt-live.cjs", "build"])).toEqual({ name: "build", args: [] });
    expect(invokedAs(["x", "tilt-live"])).toEqual({ name: "help", args: [] });
  });
});

describe("main", () => {
  it("prints the version and the usage with exit 0", async () => {
    const io = captureIo();
    expect(await main(["x", "tilt-live", "--version"], io, "1.2.3")).toBe(0);
    expect(io.out()).toBe("tilt-live 1.2.3\n");
    const help = captureIo();
    expect(await main(["x", "tilt-live", "--help"], help, "1.2.3")).toBe(0);
    expect(help.out()).toBe("tilt-live 1.2.3\nUsage: tilt-live <detect|build|rebuild|tilt-live-supervise> [args]\n");
  });

  it("dispatches bin/detect: 0 with a Tiltfile, 100 without, 1 on bad configuration", async () => {
    const root = await tempDir("tilt-live-main-");
    const app = join(root, "app");
    await mkdir(join(root, "platform", "env"), { recursive: true });
    await mkdir(app);
    const detect = (env: NodeJS.ProcessEnv) => {
      const io = captureIo({ CNB_PLATFORM_DIR: join(root, "platform"), ...env }, app);
      return main(["x", "/cnb/buildpacks/tilt-live/0.1.0/bin/detect"], io, "1.2.3").then((code) => ({ code, io }));
    };
    expect((await detect({})).code).toBe(100);
    await writeFile(join(app, "Tiltfile"), "");
    expect((await detect({})).code).toBe(0);
    const bad = await detect({ BP_TILT_LIVE_ENABLED: "maybe" });
    expect(bad.code).toBe(1);
    expect(bad.io.err()).toContain("Fix: Set BP_TILT_LIVE_ENABLED to true or false");
  });

  it("dispatches bin/build, which names what the lifecycle should have set", async () => {
    const io = captureIo({});
    expect(await main(["x", "/cnb/buildpacks/tilt-live/0.1.0/bin/build"], io, "1.2.3")).toBe(1);
    expect(io.err()).toContain("ERROR: CNB_LAYERS_DIR is not set");
    expect(io.err()).toContain("Fix: Set CNB_LAYERS_DIR to this buildpack's own layers dir");
  });

  it("hands any other name to the tools: an unknown one exits 2", async () => {
    const io = captureIo();
    expect(await main(["x", "/usr/local/bin/tilt-live-watch"], io, "1.2.3")).toBe(2);
    expect(io.err()).toBe('tilt-live: unknown tool "tilt-live-watch" (known: detect, build, rebuild, tilt-live-supervise)\n');
  });
});
