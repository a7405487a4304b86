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
  bindingsExclude: "BP_TILT_LIVE_BINDINGS_EXCLUDE",
  stopTimeout: "BP_TILT_LIVE_STOP_TIMEOUT",
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
