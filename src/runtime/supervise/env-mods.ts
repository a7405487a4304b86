/**
 * Environment modifications as the CNB launcher applies them (lifecycle env/env.go): an ordered list of
 * prepend/append/override/default operations. Kept as data so the supervisor can undo the set it was started
 * with and apply the set a rebuild produced, without knowing the environment the launcher started from.
 */

export type EnvModAction = "override" | "default" | "prepend" | "append";

export interface EnvMod {
  name: string;
  action: EnvModAction;
  value: string;
  /** Joins value and the existing value for prepend/append; "" when the layer gave no .delim file. */
  delim: string;
}

export type Env = Record<string, string | undefined>;

function clean(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** Applies `mods` in order, as the launcher does: a delimiter is only added next to a non-empty value. */
export function applyEnvMods(env: Env, mods: readonly EnvMod[]): Record<string, string> {
  const out = clean(env);
  for (const m of mods) {
    const current = out[m.name] ?? "";
    switch (m.action) {
      case "override":
        out[m.name] = m.value;
        break;
      case "default":
        if (current === "") out[m.name] = m.value;
        break;
      case "prepend":
        out[m.name] = current === "" ? m.value : `${m.value}${m.delim}${current}`;
        break;
      case "append":
        out[m.name] = current === "" ? m.value : `${current}${m.delim}${m.value}`;
        break;
    }
  }
  return out;
}

/**
 * Undoes `mods` from an environment they were applied to, last first. Prepended and appended parts are
 * stripped; a variable that was overridden or defaulted is dropped (the value it had before is lost, and the
 * base most likely did not have it). A part that is no longer where it was put is left alone.
 */
export function undoEnvMods(env: Env, mods: readonly EnvMod[]): Record<string, string> {
  const out = clean(env);
  for (const m of [...mods].reverse()) {
    const current = out[m.name];
    if (current === undefined) continue;
    switch (m.action) {
      case "override":
        delete out[m.name];
        break;
      case "default":
        if (current === m.value) delete out[m.name];
        break;
      case "prepend":
        if (current === m.value) delete out[m.name];
        else if (current.startsWith(m.value + m.delim)) out[m.name] = current.slice(m.value.length + m.delim.length);
        break;
      case "append":
        if (current === m.value) delete out[m.name];
        else if (current.endsWith(m.delim + m.value)) out[m.name] = current.slice(0, current.length - m.value.length - m.delim.length);
        break;
    }
  }
  return out;
}

function sameMods(a: readonly EnvMod[], b: readonly EnvMod[]): boolean {
  return (
    a.length === b.length &&
    a.every((m, i) => {
      const o = b[i];
      return o !== undefined && m.name === o.name && m.action === o.action && m.value === o.value && m.delim === o.delim;
    })
  );
}

/**
 * The environment for a restarted child. `startEnv` is what the supervisor was started with (the launcher
 * already applied `before` to it); `after` is the set computed from the layers after a rebuild. Unchanged
 * modifications give back `startEnv` exactly; otherwise `before` is undone and `after` applied.
 */
export function refreshEnv(startEnv: Env, before: readonly EnvMod[], after: readonly EnvMod[]): Record<string, string> {
  if (sameMods(before, after)) return clean(startEnv);
  return applyEnvMods(undoEnvMods(startEnv, before), after);
}

/** Names whose value differs between two environments (for a log line). */
export function changedNames(a: Env, b: Env): string[] {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].filter((n) => a[n] !== b[n]).sort();
}
