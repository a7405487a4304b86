import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing/temp-dir.js";
import { aloneInItsGroups, membership, readExpandedOrder } from "./order.js";

/** A builder's layout: /cnb/order.toml and /cnb/buildpacks/<escaped id>/<version>/buildpack.toml. */
async function builder(order: string, buildpacks: Record<string, string> = {}) {
  const root = await tempDir("tilt-live-order-");
  const buildpacksDir = join(root, "cnb", "buildpacks");
  for (const [idAtVersion, descriptor] of Object.entries(buildpacks)) {
    const [id, version] = idAtVersion.split("@") as [string, string];
    const dir = join(buildpacksDir, id.replaceAll("/", "_"), version);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "buildpack.toml"), descriptor);
  }
  const orderPath = join(root, "cnb", "order.toml");
  await mkdir(join(root, "cnb"), { recursive: true });
  await writeFile(orderPath, order);
  return { orderPath, buildpacksDir, root };
}

const member = (id: string, version: string, optional = false) =>
  `[[order.group]]\nid = "${id}"\nversion = "${version}"\n${optional ? "optional = true\n" : ""}`;

const META = `api = "0.10"\n[buildpack]\nid = "tilt-live/dev"\nversion = "0.2.0"\n
[[order]]\n${member("tilt-live/source", "0.2.0", true)}${member("paketo-buildpacks/go-dist", "2.7.6")}${member("paketo-buildpacks/go-build", "2.2.37")}${member("tilt-live", "0.2.0", true)}
[[order]]\n${member("tilt-live/source", "0.2.0", true)}${member("paketo-buildpacks/node-engine", "4.0.0")}${member("tilt-live", "0.2.0", true)}
`;

describe("readExpandedOrder", () => {
  it("replaces a composite member with one group per entry of its order, as the detector does", async () => {
    const b = await builder(`[[order]]\n${member("tilt-live/dev", "0.2.0")}${member("paketo-buildpacks/procfile", "5.10.3", true)}`, {
      "tilt-live/dev@0.2.0": META,
    });
    const order = await readExpandedOrder([b.orderPath], b.buildpacksDir);
    expect(order?.groups.map((g) => g.map((m) => `${m.id}${m.optional ? "?" : ""}`))).toEqual([
      ["tilt-live/source?", "paketo-buildpacks/go-dist", "paketo-buildpacks/go-build", "tilt-live?", "paketo-buildpacks/procfile?"],
      ["tilt-live/source?", "paketo-buildpacks/node-engine", "tilt-live?", "paketo-buildpacks/procfile?"],
    ]);
    expect(order?.path).toBe(b.orderPath);
  });

  it("makes every member of an optional composite optional, and finds a composite listed without a version", async () => {
    const b = await builder(`[[order]]\n[[order.group]]\nid = "tilt-live/dev"\noptional = true\n`, { "tilt-live/dev@0.2.0": META });
    const order = await readExpandedOrder([b.orderPath], b.buildpacksDir);
    expect(order?.groups.flat().every((m) => m.optional)).toBe(true);
    expect(order?.groups).toHaveLength(2);
  });

  it("keeps a member whose descriptor is not in the buildpacks dir, or has no order, as it is", async () => {
    const b = await builder(`[[order]]\n${member("paketo-buildpacks/go-build", "2.2.37")}${member("tilt-live", "0.2.0")}`, {
      "tilt-live@0.2.0": `api = "0.10"\n[buildpack]\nid = "tilt-live"\nversion = "0.2.0"\n`,
    });
    const order = await readExpandedOrder([b.orderPath], b.buildpacksDir);
    expect(order?.groups).toEqual([
      [
        { id: "paketo-buildpacks/go-build", version: "2.2.37", optional: false },
        { id: "tilt-live", version: "0.2.0", optional: false },
      ],
    ]);
  });

  it("stops expanding a composite that contains itself instead of hanging detect", async () => {
    const self = `api = "0.10"\n[buildpack]\nid = "loop"\nversion = "1"\n[[order]]\n${member("loop", "1")}${member("tilt-live", "0.2.0")}`;
    const b = await builder(`[[order]]\n${member("loop", "1")}`, { "loop@1": self });
    const order = await readExpandedOrder([b.orderPath], b.buildpacksDir);
    expect(order?.groups).toHaveLength(1);
    expect(order?.groups[0]?.filter((m) => m.id === "tilt-live")).toHaveLength(8);
  });

  it("reads the first order file that exists, and is undefined when none does", async () => {
    const b = await builder(`[[order]]\n${member("tilt-live", "0.2.0")}`);
    expect((await readExpandedOrder([join(b.root, "missing.toml"), b.orderPath], b.buildpacksDir))?.path).toBe(b.orderPath);
    expect(await readExpandedOrder([join(b.root, "missing.toml")], b.buildpacksDir)).toBeUndefined();
  });
});

describe("membership and aloneInItsGroups", () => {
  const own = new Set(["tilt-live", "tilt-live/source"]);

  it("tells required, optional, absent and unknown apart", async () => {
    const b = await builder(
      `[[order]]\n${member("a", "1")}${member("tilt-live", "0.2.0", true)}\n[[order]]\n${member("b", "1")}${member("tilt-live", "0.2.0")}`,
    );
    const order = await readExpandedOrder([b.orderPath], b.buildpacksDir);
    expect(membership(order, "tilt-live")).toBe("required");
    expect(membership(order, "a")).toBe("required");
    expect(membership(order, "c")).toBe("absent");
    expect(membership(undefined, "tilt-live")).toBe("unknown");
    const optional = await builder(`[[order]]\n${member("a", "1")}${member("tilt-live", "0.2.0", true)}`);
    expect(membership(await readExpandedOrder([optional.orderPath], optional.buildpacksDir), "tilt-live")).toBe("optional");
  });

  it("is alone when every group that has tilt-live holds only tilt-live's own buildpacks (`--buildpack ./tilt-live`)", async () => {
    const alone = await builder(`[[order]]\n${member("tilt-live/source", "0.2.0")}${member("tilt-live", "0.2.0")}`);
    expect(aloneInItsGroups(await readExpandedOrder([alone.orderPath], alone.buildpacksDir), "tilt-live", own)).toBe(true);
  });

  it("is not alone inside the meta-buildpack, with a language group, or when the order lacks it", async () => {
    const meta = await builder(`[[order]]\n${member("tilt-live/dev", "0.2.0")}`, { "tilt-live/dev@0.2.0": META });
    expect(aloneInItsGroups(await readExpandedOrder([meta.orderPath], meta.buildpacksDir), "tilt-live", own)).toBe(false);
    const grouped = await builder(`[[order]]\n${member("paketo-buildpacks/go-build", "2.2.37")}${member("tilt-live", "0.2.0")}`);
    expect(aloneInItsGroups(await readExpandedOrder([grouped.orderPath], grouped.buildpacksDir), "tilt-live", own)).toBe(false);
    const other = await builder(`[[order]]\n${member("paketo-buildpacks/go-build", "2.2.37")}`);
    expect(aloneInItsGroups(await readExpandedOrder([other.orderPath], other.buildpacksDir), "tilt-live", own)).toBe(false);
    expect(aloneInItsGroups(undefined, "tilt-live", own)).toBe(false);
  });
});
