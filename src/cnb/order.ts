/**
 * order.toml: the groups the detector tries (platform spec, "order.toml"). The platform writes it to
 * `<layers>/order.toml` or leaves the builder's `/cnb/order.toml` (the lifecycle's default -order path); pack puts a
 * command's --buildpack, --pre/--post-buildpack and project.toml groups into the builder it makes for the build.
 *
 * A group member may be a composite buildpack (buildpack spec, "Order Buildpacks"): its buildpack.toml has an
 * `[[order]]` of its own, found in the buildpacks dir at `<escaped id>/<version>/buildpack.toml`. The detector
 * expands each such member into one group per entry of its order, so this module does too: a buildpack inside a
 * composite (as tilt-live's parts are inside the tilt-live meta-buildpack) is a member of the expanded groups.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { escapeBuildpackId } from "./names.js";
import { expectString, optionalBoolean, optionalTableArray, readOptionalToml, type TomlTable } from "./toml.js";

export const DEFAULT_ORDER_PATHS = ["/layers/order.toml", "/cnb/order.toml"];
/** The lifecycle's default -buildpacks dir, where a builder keeps `<escaped id>/<version>/buildpack.toml`. */
export const DEFAULT_BUILDPACKS_DIR = "/cnb/buildpacks";

/** How a buildpack sits in the order: "optional" only when every group that has it marks it optional. */
export type Membership = "required" | "optional" | "absent" | "unknown";

export interface GroupMember {
  id: string;
  version?: string;
  /** Optional here or through an optional composite around it. */
  optional: boolean;
}

export interface ExpandedOrder {
  /** The order file read (the first of the paths that exists). */
  path: string;
  /** Every group the detector may try, composites replaced by their members. */
  groups: GroupMember[][];
}

/** Composites nest rarely and shallowly; a cycle or a runaway product stops here instead of hanging detect. */
const MAX_DEPTH = 8;
const MAX_GROUPS = 4096;

function members(entry: TomlTable, path: string): GroupMember[] {
  return optionalTableArray(entry, "group", path).map((member) => {
    const version = member.version;
    return {
      id: expectString(member, "id", path),
      ...(typeof version === "string" && version !== "" ? { version } : {}),
      optional: optionalBoolean(member, "optional", path) === true,
    };
  });
}

/** The composite's order when `member` is a composite in buildpacksDir, else undefined (a component buildpack). */
async function compositeOrder(member: GroupMember, buildpacksDir: string): Promise<TomlTable[] | undefined> {
  const idDir = join(buildpacksDir, escapeBuildpackId(member.id));
  let version = member.version;
  if (version === undefined) {
    // An order may leave the version out where the builder holds one version only.
    const versions = await readdir(idDir).catch(() => []);
    if (versions.length !== 1) return undefined;
    version = versions[0] as string;
  }
  const descriptorPath = join(idDir, version, "buildpack.toml");
  const descriptor = await readOptionalToml(descriptorPath).catch(() => undefined);
  if (!descriptor) return undefined;
  const order = optionalTableArray(descriptor, "order", descriptorPath);
  return order.length > 0 ? order : undefined;
}

async function expandGroup(group: GroupMember[], buildpacksDir: string, path: string, depth: number): Promise<GroupMember[][]> {
  let expanded: GroupMember[][] = [[]];
  for (const member of group) {
    const order = depth < MAX_DEPTH ? await compositeOrder(member, buildpacksDir) : undefined;
    let alternatives: GroupMember[][] = [[member]];
    if (order) {
      alternatives = [];
      for (const entry of order) {
        const inner = members(entry, path).map((m) => ({ ...m, optional: m.optional || member.optional }));
        alternatives.push(...(await expandGroup(inner, buildpacksDir, path, depth + 1)));
      }
    }
    expanded = expanded.flatMap((prefix) => alternatives.map((alternative) => [...prefix, ...alternative]));
    if (expanded.length > MAX_GROUPS) expanded = expanded.slice(0, MAX_GROUPS);
  }
  return expanded;
}

/** The first order file of `orderPaths` that exists, its groups expanded; undefined when none exists. */
export async function readExpandedOrder(
  orderPaths: string[] = DEFAULT_ORDER_PATHS,
  buildpacksDir: string = DEFAULT_BUILDPACKS_DIR,
): Promise<ExpandedOrder | undefined> {
  for (const path of orderPaths) {
    const table = await readOptionalToml(path).catch(() => undefined);
    if (!table) continue;
    const groups: GroupMember[][] = [];
    for (const entry of optionalTableArray(table, "order", path)) {
      groups.push(...(await expandGroup(members(entry, path), buildpacksDir, path, 0)));
    }
    return { path, groups };
  }
  return undefined;
}

export function membership(order: ExpandedOrder | undefined, id: string): Membership {
  if (!order) return "unknown";
  const occurrences = order.groups.flatMap((group) => group.filter((member) => member.id === id));
  if (occurrences.length === 0) return "absent";
  return occurrences.every((member) => member.optional) ? "optional" : "required";
}

/**
 * True when `id` is in the order but no group that has it holds anything besides `ownIds`: the build would
 * detect and export an image with no app buildpack in it (`--buildpack ./tilt-live` alone).
 */
export function aloneInItsGroups(order: ExpandedOrder | undefined, id: string, ownIds: ReadonlySet<string>): boolean {
  if (!order) return false;
  const groups = order.groups.filter((group) => group.some((member) => member.id === id));
  return groups.length > 0 && groups.every((group) => group.every((member) => ownIds.has(member.id)));
}
