/**
 * tilt-live's configuration: the build-time variables (`<platform>/env/BP_*` or the process env), the run-time
 * switches the supervisor reads (`docker run -e TILT_LIVE_*`), and their defaults, in one place. The tables in
 * buildpack.toml and the README are checked against `Defaults` by config.test.ts. A value that does not parse
 * is a TiltLiveError("config") that names the variable and what it may be.
 */
import { TiltLiveError } from "../core/errors.js";

export const ConfigVars = {
  enabled: "BP_TILT_LIVE_ENABLED",
  watch: "BP_TILT_LIVE_WATCH",
  watchDebounceMs: "BP_TILT_LIVE_WATCH_DEBOUNCE_MS",
  watchIgnore: "BP_TILT_LIVE_WATCH_IGNORE",
  envExclude: "BP_TILT_LIVE_ENV_EXCLUDE",
  bindingsExclude: "BP_TILT_LIVE_BINDINGS_EXCLUDE",
  stopTimeout: "BP_TILT_LIVE_STOP_TIMEOUT",
  changeAware: "BP_TILT_LIVE_CHANGE_AWARE",
  restartOnly: "BP_TILT_LIVE_RESTART_ONLY",
  rebuildOn: "BP_TILT_LIVE_REBUILD",
  imageBuildOn: "BP_TILT_LIVE_IMAGE_BUILD",
  readyTimeout: "BP_TILT_LIVE_READY_TIMEOUT",
  sbomStandIn: "BP_TILT_LIVE_SBOM_STAND_IN",
  jvmQuickStart: "BP_TILT_LIVE_JVM_QUICK_START",
  logLevel: "BP_LOG_LEVEL",
} as const;

/**
 * Set to 1 by Skaffold for the builds of `skaffold dev` when the artifact has `sync: auto: true`
 * (GoogleContainerTools/skaffold pkg/skaffold/build/buildpacks/env.go): Skaffold will only copy files into the
 * container, by the sync rules in the image label. tilt-live then watches (the copy is all Skaffold does) and
 * writes those rules (src/buildpack/skaffold-sync.ts).
 */
export const SKAFFOLD_DEVMODE_VAR = "GOOGLE_DEVMODE";

export function skaffoldAutoSync(get: (name: string) => string | undefined): boolean {
  return get(SKAFFOLD_DEVMODE_VAR) === "1";
}

/** Run-time switches: set on the container, they override what the build recorded. */
export const RuntimeVars = {
  watch: "TILT_LIVE_WATCH",
  watchDebounceMs: "TILT_LIVE_WATCH_DEBOUNCE_MS",
  proxy: "TILT_LIVE_PROXY",
} as const;

/**
 * Set in bin/build's process env by the unit tests only (no platform sets it): the lifecycle binary that the
 * `lifecycle` layer copies, instead of the builder's.
 */
export const LIFECYCLE_PATH_VAR = "TILT_LIVE_LIFECYCLE_PATH";

/** The defaults of the settings that have one. */
export const Defaults = {
  watch: false,
  watchDebounceMs: 100,
  stopTimeoutSeconds: 10,
  changeAware: true,
  /** project.toml changes the group, its buildpacks or the build env: only the image build reads it. */
  imageBuild: ["project.toml"],
  readyTimeoutSeconds: 30,
  /** Where builders keep the lifecycle (platform spec, "Build image"). */
  lifecyclePath: "/cnb/lifecycle/lifecycle",
  /** Rebuilds write SBOMs with tilt-live's stand-in for syft and skip the BOM label (src/runtime/rebuild/rebuild-sbom.ts). */
  sbomStandIn: true,
  /**
   * Java apps start with JVM flags for a quicker start (src/buildpack/jvm-quick-start.ts): off, since the bench measured
   * no gain in the sample's restart (bench/results/2026-12-05-java.json and -3.json: until listening 123 and 97 ms
   * without, 124 and 96 ms with).
   */
  jvmQuickStart: false,
} as const;

/** The default each build-time variable is documented with (buildpack.toml, README); undefined: none. */
export const DOCUMENTED_DEFAULTS: Record<(typeof ConfigVars)[keyof typeof ConfigVars], string | undefined> = {
  [ConfigVars.enabled]: undefined,
  [ConfigVars.watch]: String(Defaults.watch),
  [ConfigVars.watchDebounceMs]: String(Defaults.watchDebounceMs),
  [ConfigVars.watchIgnore]: undefined,
  [ConfigVars.envExclude]: undefined,
  [ConfigVars.bindingsExclude]: undefined,
  [ConfigVars.stopTimeout]: String(Defaults.stopTimeoutSeconds),
  [ConfigVars.changeAware]: String(Defaults.changeAware),
  [ConfigVars.restartOnly]: undefined,
  [ConfigVars.rebuildOn]: undefined,
  // Documented as "besides project.toml": Defaults.imageBuild always applies, the variable only adds.
  [ConfigVars.imageBuildOn]: undefined,
  [ConfigVars.readyTimeout]: String(Defaults.readyTimeoutSeconds),
  [ConfigVars.sbomStandIn]: String(Defaults.sbomStandIn),
  [ConfigVars.jvmQuickStart]: String(Defaults.jvmQuickStart),
  [ConfigVars.logLevel]: undefined,
};

export type Tristate = "true" | "false" | "unset";

const BOOLEAN_VALUES = "true or false (1/0, yes/no and on/off work too), or leave it unset";

export function parseBoolean(value: string | undefined, name: string): Tristate {
  if (value === undefined || value.trim() === "") return "unset";
  const v = value.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(v)) return "true";
  if (["false", "0", "no", "off"].includes(v)) return "false";
  throw new TiltLiveError("config", `${name} must be true or false, got "${value}"`, { variable: name, allowed: BOOLEAN_VALUES });
}

/** A list of names or globs: separated by commas, colons or newlines. */
export function parseList(value: string | undefined): string[] {
  return (value ?? "")
    .split(/[,:\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export function parsePositiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new TiltLiveError("config", `${name} must be a positive whole number, got "${value}"`, {
      variable: name,
      allowed: `a whole number greater than 0, or leave it unset for the default (${fallback})`,
    });
  }
  return n;
}

/** The variable as the build sees it: the platform env file wins over the process env. */
export function lookup(platformEnv: Record<string, string>, env: NodeJS.ProcessEnv, name: string): string | undefined {
  return platformEnv[name] ?? env[name];
}

/**
 * Whether to print debug lines: BP_LOG_LEVEL=DEBUG, as Paketo's buildpacks read it (any other value, or none,
 * is their default level). Looked up in the platform env first: tilt-live/source is clear-env, so a user's
 * `--env BP_LOG_LEVEL=DEBUG` reaches it only as the file <platform>/env/BP_LOG_LEVEL.
 */
export function readDebugLogging(platformEnv: Record<string, string>, env: NodeJS.ProcessEnv): boolean {
  return (lookup(platformEnv, env, ConfigVars.logLevel) ?? "").trim().toUpperCase() === "DEBUG";
}

/** The lifecycle binary bin/build copies into the image: the builder's, unless a test names another. */
export function readLifecyclePath(env: NodeJS.ProcessEnv): string {
  const value = env[LIFECYCLE_PATH_VAR];
  return value === undefined || value === "" ? Defaults.lifecyclePath : value;
}

/** What a rebuild does with a change set (src/runtime/rebuild/change-rules.ts); the user's part of the rules. */
export interface ChangeSettings {
  /** false: every change set runs the build phase (no restart-only path, no image-build answer). */
  changeAware: boolean;
  /** Globs that take the restart path whatever the buildpacks' rules say. */
  restartOnly: string[];
  /** Globs that always run the build phase. */
  rebuild: string[];
  /** Globs only a new image can take: Defaults.imageBuild (project.toml) and the user's. */
  imageBuild: string[];
}

/** The user's change rules, as recorded at image build; rebuild reads them on every call. */
export function readChangeSettings(get: (name: string) => string | undefined): ChangeSettings {
  const changeAware = parseBoolean(get(ConfigVars.changeAware), ConfigVars.changeAware);
  return {
    changeAware: changeAware === "unset" ? Defaults.changeAware : changeAware === "true",
    restartOnly: parseList(get(ConfigVars.restartOnly)),
    rebuild: parseList(get(ConfigVars.rebuildOn)),
    imageBuild: [...Defaults.imageBuild, ...parseList(get(ConfigVars.imageBuildOn))],
  };
}

function readSwitch(get: (name: string) => string | undefined, name: string, fallback: boolean): boolean {
  const value = parseBoolean(get(name), name);
  return value === "unset" ? fallback : value === "true";
}

/** Whether rebuilds skip the SBOM work of the image build (read by rebuild from the recorded variables). */
export function readSbomStandIn(get: (name: string) => string | undefined): boolean {
  return readSwitch(get, ConfigVars.sbomStandIn, Defaults.sbomStandIn);
}

/** Whether a Java app's processes get the JVM's quick-start flags (read at image build). */
export function readJvmQuickStart(get: (name: string) => string | undefined): boolean {
  return readSwitch(get, ConfigVars.jvmQuickStart, Defaults.jvmQuickStart);
}

/** The settings the build records in context.json for the supervisor. */
export interface BuildSettings {
  watch: boolean;
  watchDebounceMs: number;
  watchIgnore: string[];
  stopTimeoutSeconds: number;
  /** Seconds a restarted app has to listen again where the previous one listened. */
  readyTimeoutSeconds: number;
}

export function readBuildSettings(platformEnv: Record<string, string>, env: NodeJS.ProcessEnv): BuildSettings {
  const get = (name: string) => lookup(platformEnv, env, name);
  // Read by rebuild in the container, from the recorded variables: parsed here too, so a bad value fails the
  // image build instead of the first live update.
  readChangeSettings(get);
  readSbomStandIn(get);
  return {
    watch: parseBoolean(get(ConfigVars.watch), ConfigVars.watch) === "true" || skaffoldAutoSync(get),
    watchDebounceMs: parsePositiveInt(get(ConfigVars.watchDebounceMs), ConfigVars.watchDebounceMs, Defaults.watchDebounceMs),
    watchIgnore: parseList(get(ConfigVars.watchIgnore)),
    stopTimeoutSeconds: parsePositiveInt(get(ConfigVars.stopTimeout), ConfigVars.stopTimeout, Defaults.stopTimeoutSeconds),
    readyTimeoutSeconds: parsePositiveInt(get(ConfigVars.readyTimeout), ConfigVars.readyTimeout, Defaults.readyTimeoutSeconds),
  };
}

/** Whether and how the supervisor watches: the run-time switches win over what the build recorded. */
export function readWatchSettings(
  env: NodeJS.ProcessEnv,
  recorded: Pick<BuildSettings, "watch" | "watchDebounceMs">,
): { enabled: boolean; debounceMs: number } {
  const watch = parseBoolean(env[RuntimeVars.watch], RuntimeVars.watch);
  return {
    enabled: watch === "unset" ? recorded.watch : watch === "true",
    debounceMs: parsePositiveInt(env[RuntimeVars.watchDebounceMs], RuntimeVars.watchDebounceMs, recorded.watchDebounceMs),
  };
}

/** The supervisor's HTTP proxy (src/runtime/supervise/port-proxy.ts): it listens on `listenPort`, the app on `appPort`. */
export interface ProxySettings {
  listenPort: number;
  appPort: number;
}

const PROXY_FORM = "LISTEN:APP, two different TCP ports: the proxy's own and the one the app listens on (e.g. 8081:8080)";

/** TILT_LIVE_PROXY, set on the container: undefined when it is unset or empty. */
export function readProxySettings(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const value = env[RuntimeVars.proxy]?.trim();
  if (value === undefined || value === "") return undefined;
  const match = /^(\d{1,5}):(\d{1,5})$/.exec(value);
  const [listenPort, appPort] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  const valid = (port: number) => port >= 1 && port <= 65535;
  if (!valid(listenPort) || !valid(appPort) || listenPort === appPort) {
    throw new TiltLiveError("config", `${RuntimeVars.proxy} must be LISTEN:APP, got "${value}"`, {
      variable: RuntimeVars.proxy,
      allowed: PROXY_FORM,
    });
  }
  return { listenPort, appPort };
}
