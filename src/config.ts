/**
 * tilt-live's configuration, read from the build's platform env (`<platform>/env/BP_*`) or the process env.
 * One table: the README's configuration section is generated from the same names.
 */
export const ConfigVars = {
  enabled: "BP_TILT_LIVE_ENABLED",
  watch: "BP_TILT_LIVE_WATCH",
  watchDebounceMs: "BP_TILT_LIVE_WATCH_DEBOUNCE_MS",
  watchIgnore: "BP_TILT_LIVE_WATCH_IGNORE",
  envExclude: "BP_TILT_LIVE_ENV_EXCLUDE",
  stopTimeout: "BP_TILT_LIVE_STOP_TIMEOUT",
  changeAware: "BP_TILT_LIVE_CHANGE_AWARE",
  restartOnly: "BP_TILT_LIVE_RESTART_ONLY",
  rebuildOn: "BP_TILT_LIVE_REBUILD",
  imageBuildOn: "BP_TILT_LIVE_IMAGE_BUILD",
  readyTimeout: "BP_TILT_LIVE_READY_TIMEOUT",
  logLevel: "BP_LOG_LEVEL",
} as const;

export type Tristate = "true" | "false" | "unset";

export function parseBoolean(value: string | undefined, name: string): Tristate {
  if (value === undefined || value.trim() === "") return "unset";
  const v = value.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(v)) return "true";
  if (["false", "0", "no", "off"].includes(v)) return "false";
  throw new Error(`${name} must be true or false, got "${value}"`);
}

export function parseList(value: string | undefined): string[] {
  return (value ?? "")
    .split(/[,:\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export function parsePositiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number, got "${value}"`);
  return n;
}

/** The variable as the build sees it: the platform env file wins over the process env. */
export function lookup(platformEnv: Record<string, string>, env: NodeJS.ProcessEnv, name: string): string | undefined {
  return platformEnv[name] ?? env[name];
}

/** What a rebuild does with a change set (src/runtime/change-rules.ts); the user's part of the rules. */
export interface ChangeSettings {
  /** false: every change set runs the build phase (no restart-only path, no image-build answer). */
  changeAware: boolean;
  /** Globs that take the restart path whatever the buildpacks' rules say. */
  restartOnly: string[];
  /** Globs that always run the build phase. */
  rebuild: string[];
  /** Globs only a new image can take, besides the defaults (project.toml). */
  imageBuild: string[];
}

/** Files only a new image can take: project.toml changes the group, its buildpacks or the build env. */
export const DEFAULT_IMAGE_BUILD = ["project.toml"];

/** Seconds the supervisor waits for a restarted app to listen again. */
export const DEFAULT_READY_TIMEOUT_SECONDS = 30;

export function changeSettings(get: (name: string) => string | undefined): ChangeSettings {
  return {
    changeAware: parseBoolean(get(ConfigVars.changeAware), ConfigVars.changeAware) !== "false",
    restartOnly: parseList(get(ConfigVars.restartOnly)),
    rebuild: parseList(get(ConfigVars.rebuildOn)),
    imageBuild: [...DEFAULT_IMAGE_BUILD, ...parseList(get(ConfigVars.imageBuildOn))],
  };
}

export function readyTimeoutMs(get: (name: string) => string | undefined): number {
  return parsePositiveInt(get(ConfigVars.readyTimeout), ConfigVars.readyTimeout, DEFAULT_READY_TIMEOUT_SECONDS) * 1000;
}
