import { describe, expect, it } from "vitest";
import { unwrapWatchexec } from "./recorded-processes.js";

describe("unwrapWatchexec", () => {
  const app = "/layers/paketo-buildpacks_go-build/targets/bin/app";

  it("runs the command after `--` of go-build's reload process directly", () => {
    const reload = {
      type: "reload-app",
      command: ["watchexec"],
      args: ["--restart", "--watch", "/workspace", "--watch", "/layers/x/targets/bin", "--shell", "none", "--", app, "-v"],
      default: true,
      direct: true,
    };
    expect(unwrapWatchexec(reload)).toEqual({ ...reload, command: [app], args: ["-v"] });
  });

  it("leaves other processes, and a watchexec without a command, as they are", () => {
    const web = { type: "web", command: [app], args: [], default: true, direct: true };
    expect(unwrapWatchexec(web)).toBe(web);
    const bare = { ...web, command: ["/usr/bin/watchexec"], args: ["--restart", "--"] };
    expect(unwrapWatchexec(bare)).toBe(bare);
  });
});
