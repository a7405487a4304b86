/**
 * The cheapest correct action for one change set (the files the mirror changed since the last good build):
 *
 *   restart  every changed file is one no build step of the group reads: the app only restarts;
 *   rebuild  a buildpack reads one of them (or may: a buildpack without a rule, a deleted directory);
 *   image    only a new image can take it (project.toml, a deleted file a member of the group detects on).
 *
 * The user's globs (config.ts: BP_TILT_LIVE_IMAGE_BUILD, _REBUILD, _RESTART_ONLY) come before the
 * buildpacks' rules, in that order. When in doubt the answer is rebuild: a wrong restart serves stale code.
 */
import { type ChangeSettings, Defaults } from "../../contract/config.js";
import type { MirrorChange } from "../../fsutil/mirror.js";
import { compileGlobs, type GlobMatcher } from "../../core/glob.js";
import { OWN_BUILDPACK_IDS } from "../../contract/context.js";
import { knownRules, type BuildpackRule, type BuildVars } from "./change-rules.js";

export type ChangeAction = "restart" | "rebuild" | "image";

export interface ChangePlan {
  action: ChangeAction;
  /** One line: why this action. */
  reason: string;
}

interface CompiledRule {
  id: string;
  reads: GlobMatcher | "everything" | "unknown";
  detects: GlobMatcher;
  readsAll?: string;
}

export interface ChangeRules {
  settings: ChangeSettings;
  group: CompiledRule[];
  /** What the group's buildpacks write into the app dir (the mirror keeps these). */
  outputs: GlobMatcher;
}

function shortId(id: string): string {
  return id.replace(/^paketo-buildpacks\//, "");
}

/** The group's rules for this app: the static table plus what the app's manifests say right now. */
export async function compileRules(groupIds: string[], settings: ChangeSettings, appDir: string, vars: BuildVars): Promise<ChangeRules> {
  const table = knownRules(vars);
  const group: CompiledRule[] = [];
  const outputs: string[] = [];
  for (const id of groupIds) {
    const rule: BuildpackRule | undefined = table[id];
    if (!rule) {
      group.push({ id, reads: "unknown", detects: compileGlobs([]) });
      continue;
    }
    outputs.push(...(rule.outputs ?? []));
    group.push({
      id,
      reads: rule.reads === "everything" ? "everything" : compileGlobs(rule.reads),
      detects: compileGlobs(rule.detects ?? []),
      readsAll: await rule.readsAllWhen?.(appDir, vars),
    });
  }
  return { settings, group, outputs: compileGlobs(outputs) };
}

function describeFiles(changes: MirrorChange[]): string {
  const shown = changes.slice(0, 3).map((c) => (c.kind === "deleted" ? `${c.path} (deleted)` : c.path));
  return shown.join(", ") + (changes.length > 3 ? ` and ${changes.length - 3} more` : "");
}

/** Why `change` needs the build phase, or undefined when no member of the group reads it. */
function rebuildReason(change: MirrorChange, rules: ChangeRules): string | undefined {
  if (change.kind === "deleted" && change.type === "dir") return `${change.path}/ was deleted: its files may be read by the build`;
  for (const bp of rules.group) {
    if (bp.reads === "unknown") return `${bp.id} has no change rule: it may read any file`;
    if (bp.reads === "everything") return `${change.path} is source for ${shortId(bp.id)}, which compiles the app`;
    if (bp.readsAll) return `${change.path}: ${bp.readsAll}`;
    if (bp.reads(change.path)) return `${change.path} is read by ${shortId(bp.id)}`;
    if (change.kind === "added" && bp.detects(change.path)) return `${change.path} was added: ${shortId(bp.id)} looks for it`;
  }
  return undefined;
}

export function planChanges(changes: MirrorChange[], rules: ChangeRules): ChangePlan {
  const { settings } = rules;
  if (!settings.changeAware) return { action: "rebuild", reason: "change-aware rebuilds are off (BP_TILT_LIVE_CHANGE_AWARE=false)" };
  if (changes.length === 0) return { action: "restart", reason: "no file changed since the last good build" };
  const image = compileGlobs(settings.imageBuild);
  const projectToml = compileGlobs(Defaults.imageBuild);
  const rebuild = compileGlobs(settings.rebuild);
  const restart = compileGlobs(settings.restartOnly);

  for (const change of changes) {
    if (image(change.path)) {
      const why = projectToml(change.path)
        ? "is read only by the image build: it can change the group, the buildpacks and the build env"
        : "matches BP_TILT_LIVE_IMAGE_BUILD";
      return { action: "image", reason: `${change.path} ${why}` };
    }
    if (change.kind === "deleted") {
      const detector = rules.group.find((bp) => bp.detects(change.path));
      if (detector)
        return { action: "image", reason: `${change.path} was deleted: ${shortId(detector.id)} detects on it, so the group would change` };
    }
  }
  for (const change of changes) {
    if (rebuild(change.path)) return { action: "rebuild", reason: `${change.path} matches BP_TILT_LIVE_REBUILD` };
  }
  for (const change of changes) {
    if (restart(change.path)) continue;
    const why = rebuildReason(change, rules);
    if (why) return { action: "rebuild", reason: why };
  }
  const ids = rules.group
    .filter((bp) => !OWN_BUILDPACK_IDS.has(bp.id))
    .map((bp) => shortId(bp.id))
    .join(", ");
  const verb = changes.length === 1 ? "is" : "are";
  return { action: "restart", reason: `${describeFiles(changes)} ${verb} read by no build step of ${ids}` };
}

/** The one line a rebuild prints for its choice. */
export function formatPlan(plan: ChangePlan): string {
  const label = { restart: "restart only", rebuild: "rebuild", image: "full image build needed" }[plan.action];
  return `Change set: ${label} (${plan.reason})`;
}
