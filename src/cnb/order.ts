/**
 * order.toml: the groups the detector tries (platform spec, "order.toml"). The platform writes it to
 * `<layers>/order.toml` or leaves the builder's `/cnb/order.toml` (the lifecycle's default -order path); pack puts a
 * command's --buildpack, --pre/--post-buildpack and project.toml groups into the builder it makes for the build.
 */
import { optionalBoolean, optionalTableArray, readOptionalToml } from "./toml.js";

export const DEFAULT_ORDER_PATHS = ["/layers/order.toml", "/cnb/order.toml"];

/** How a buildpack sits in the order: "optional" only when every group that has it marks it optional. */
export type Membership = "required" | "optional" | "absent" | "unknown";

export async function orderMembership(id: string, orderPaths: string[] = DEFAULT_ORDER_PATHS): Promise<Membership> {
  for (const path of orderPaths) {
    const table = await readOptionalToml(path).catch(() => undefined);
    if (!table) continue;
    const members = optionalTableArray(table, "order", path)
      .flatMap((entry) => optionalTableArray(entry, "group", path))
      .filter((member) => member.id === id);
    if (members.length === 0) return "absent";
    return members.every((member) => optionalBoolean(member, "optional", path) === true) ? "optional" : "required";
  }
  return "unknown";
}
