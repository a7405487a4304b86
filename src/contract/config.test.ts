import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseToml } from "../cnb/toml.js";
import {
  ConfigVars,
  Defaults,
  DOCUMENTED_DEFAULTS,
  parseBoolean,
  parseList,
  parsePositiveInt,
  readBuildSettings,
  readChangeSettings,
  readDebugLogging,
  readLifecyclePath,
  readProxySettings,
  readWatchSettings,
} from "./config.js";
import { formatError, TiltLiveError } from "../core/errors.js";

const repoFile = (name: string) => fileURLToPath(new URL(`../../${name}`, import.meta.url));

function thrown(work: () => unknown): TiltLiveError {
  try {
    work();
  } catch (error) {
    if (error instanceof TiltLiveError) return error;
    throw error;
  }
  throw new Error("expected a TiltLiveError");
}

describe("configuration parsing", () => {
  it("reads booleans, and names the variable and its allowed values when one does not parse", () => {
    expect(parseBoolean(undefined, "X")).toBe("unset");
    expect(parseBoolean(" ", "X")).toBe("unset");
    for (const v of ["true", "TRUE", "1", "yes", "on", " on "]) expect(parseBoolean(v, "X"), v).toBe("true");
    for (const v of ["false", "0", "no", "Off"]) expect(parseBoolean(v, "X"), v).toBe("false");
    const error = thrown(() => parseBoolean("maybe", "BP_TILT_LIVE_WATCH"));
    expect(error.code).toBe("config");
    expect(formatError(error).split("\n")).toEqual([
      'ERROR: BP_TILT_LIVE_WATCH must be true or false, got "maybe"',
      "  Why: tilt-live reads BP_TILT_LIVE_WATCH and cannot use its value.",
      "  Fix: Set BP_TILT_LIVE_WATCH to true or false (1/0, yes/no and on/off work too), or leave it unset.",
    ]);
  });

  it("reads positive whole numbers, with the default when unset", () => {
    expect(parsePositiveInt(undefined, "N", 7)).toBe(7);
    expect(parsePositiveInt("", "N", 7)).toBe(7);
    expect(parsePositiveInt("250", "N", 7)).toBe(250);
    for (const bad of ["0", "-1", "1.5", "soon", "12ms"]) {
      const error = thrown(() => parsePositiveInt(bad, "BP_TILT_LIVE_STOP_TIMEOUT", 10));
      expect(error.code, bad).toBe("config");
      expect(formatError(error), bad).toContain(
        "Fix: Set BP_TILT_LIVE_STOP_TIMEOUT to a whole number greater than 0, or leave it unset for the default (10).",
      );
    }
  });

  it("splits lists on commas, colons and newlines", () => {
    expect(parseList(undefined)).toEqual([]);
    expect(parseList(" a, b:c\nd ,, ")).toEqual(["a", "b", "c", "d"]);
  });

  it("reads the build settings from the platform env before the process env, with the defaults", () => {
    expect(readBuildSettings({}, {})).toEqual({
      watch: Defaults.watch,
      watchDebounceMs: Defaults.watchDebounceMs,
      watchIgnore: [],
      stopTimeoutSeconds: Defaults.stopTimeoutSeconds,
      readyTimeoutSeconds: Defaults.readyTimeoutSeconds,
    });
    expect(
      readBuildSettings(
        { BP_TILT_LIVE_WATCH: "true", BP_TILT_LIVE_STOP_TIMEOUT: "3" },
        {
          BP_TILT_LIVE_WATCH: "false",
          BP_TILT_LIVE_WATCH_DEBOUNCE_MS: "40",
          BP_TILT_LIVE_WATCH_IGNORE: "*.log,tmp/*",
          BP_TILT_LIVE_READY_TIMEOUT: "90",
        },
      ),
    ).toEqual({ watch: true, watchDebounceMs: 40, watchIgnore: ["*.log", "tmp/*"], stopTimeoutSeconds: 3, readyTimeoutSeconds: 90 });
    expect(() => readBuildSettings({ BP_TILT_LIVE_WATCH_DEBOUNCE_MS: "fast" }, {})).toThrow(
      /BP_TILT_LIVE_WATCH_DEBOUNCE_MS must be a positive whole number/,
    );
    expect(() => readBuildSettings({ BP_TILT_LIVE_READY_TIMEOUT: "30s" }, {})).toThrow(
      /BP_TILT_LIVE_READY_TIMEOUT must be a positive whole number/,
    );
    // The change rules are read in the container, but a bad value fails the image build already.
    expect(formatError(thrown(() => readBuildSettings({ BP_TILT_LIVE_CHANGE_AWARE: "sometimes" }, {})))).toContain(
      "Fix: Set BP_TILT_LIVE_CHANGE_AWARE to true or false",
    );
  });

  it("reads BP_LOG_LEVEL from the platform env before the process env; DEBUG in any case turns debug lines on", () => {
    expect(readDebugLogging({}, {})).toBe(false);
    expect(readDebugLogging({ BP_LOG_LEVEL: "debug\n" }, {})).toBe(true);
    expect(readDebugLogging({}, { BP_LOG_LEVEL: "DEBUG" })).toBe(true);
    expect(readDebugLogging({ BP_LOG_LEVEL: "INFO" }, { BP_LOG_LEVEL: "DEBUG" })).toBe(false);
  });

  it("takes the builder's lifecycle binary unless TILT_LIVE_LIFECYCLE_PATH names another", () => {
    expect(Defaults.lifecyclePath).toBe("/cnb/lifecycle/lifecycle");
    expect(readLifecyclePath({})).toBe(Defaults.lifecyclePath);
    expect(readLifecyclePath({ TILT_LIVE_LIFECYCLE_PATH: "" })).toBe(Defaults.lifecyclePath);
    expect(readLifecyclePath({ TILT_LIVE_LIFECYCLE_PATH: "/tmp/lifecycle" })).toBe("/tmp/lifecycle");
  });

  it("reads the user's change rules, with project.toml always needing an image", () => {
    const none = () => undefined;
    expect(readChangeSettings(none)).toEqual({
      changeAware: Defaults.changeAware,
      restartOnly: [],
      rebuild: [],
      imageBuild: [...Defaults.imageBuild],
    });
    const vars: Record<string, string> = {
      BP_TILT_LIVE_CHANGE_AWARE: "off",
      BP_TILT_LIVE_RESTART_ONLY: "*.md, docs/**",
      BP_TILT_LIVE_REBUILD: "schema.sql",
      BP_TILT_LIVE_IMAGE_BUILD: "Dockerfile.dev:.env.build",
    };
    expect(readChangeSettings((name) => vars[name])).toEqual({
      changeAware: false,
      restartOnly: ["*.md", "docs/**"],
      rebuild: ["schema.sql"],
      imageBuild: ["project.toml", "Dockerfile.dev", ".env.build"],
    });
  });

  it("lets the run-time switches override the build's settings, as strictly as the build-time ones", () => {
    const recorded = { watch: false, watchDebounceMs: 40 };
    expect(readWatchSettings({}, recorded)).toEqual({ enabled: false, debounceMs: 40 });
    expect(readWatchSettings({}, { watch: true, watchDebounceMs: 40 })).toEqual({ enabled: true, debounceMs: 40 });
    expect(readWatchSettings({ TILT_LIVE_WATCH: "yes", TILT_LIVE_WATCH_DEBOUNCE_MS: "250" }, recorded)).toEqual({
      enabled: true,
      debounceMs: 250,
    });
    expect(readWatchSettings({ TILT_LIVE_WATCH: "0" }, { watch: true, watchDebounceMs: 40 })).toEqual({ enabled: false, debounceMs: 40 });
    expect(formatError(thrown(() => readWatchSettings({ TILT_LIVE_WATCH: "sometimes" }, recorded)))).toContain(
      "Fix: Set TILT_LIVE_WATCH to true or false",
    );
    expect(formatError(thrown(() => readWatchSettings({ TILT_LIVE_WATCH_DEBOUNCE_MS: "soon" }, recorded)))).toContain(
      "Fix: Set TILT_LIVE_WATCH_DEBOUNCE_MS to a whole number greater than 0, or leave it unset for the default (40).",
    );
  });

  it("reads TILT_LIVE_PROXY as LISTEN:APP, two different ports, and refuses anything else with the form", () => {
    expect(readProxySettings({})).toBeUndefined();
    expect(readProxySettings({ TILT_LIVE_PROXY: " " })).toBeUndefined();
    expect(readProxySettings({ TILT_LIVE_PROXY: " 8081:8080 " })).toEqual({ listenPort: 8081, appPort: 8080 });
    for (const bad of ["8080", "8080:8080", "0:8080", "8081:70000", "a:b", "8081:8080:1"]) {
      const error = thrown(() => readProxySettings({ TILT_LIVE_PROXY: bad }));
      expect(error.message).toBe(`TILT_LIVE_PROXY must be LISTEN:APP, got "${bad}"`);
      expect(formatError(error)).toContain("Fix: Set TILT_LIVE_PROXY to LISTEN:APP, two different TCP ports");
    }
  });
});

describe("the configuration tables", () => {
  it("buildpack.toml lists every tilt-live variable with the default the code uses", async () => {
    const path = repoFile("buildpack.toml");
    const table = parseToml(await readFile(path, "utf8"), path) as {
      metadata: { configurations: Array<{ name: string; default?: string }> };
    };
    const listed = Object.fromEntries(table.metadata.configurations.map((c) => [c.name, c.default]));
    const expected = Object.fromEntries(Object.entries(DOCUMENTED_DEFAULTS).filter(([name]) => name !== ConfigVars.logLevel));
    expect(listed).toEqual(expected);
  });

  it("the README's table lists every variable with the default the code uses", async () => {
    const readme = await readFile(repoFile("README.md"), "utf8");
    const rows = [...readme.matchAll(/^\| `(BP_[A-Z_]+)` \| ([^|]*) \|/gm)].map(([, name, cell]) => {
      const value = cell!.trim().replaceAll("`", "");
      return [name!, value === "" || value === "unset" ? undefined : value] as const;
    });
    expect(Object.fromEntries(rows)).toEqual(DOCUMENTED_DEFAULTS);
  });
});
