/**
 * native/tilt-live-sbom.c, the SBOM writer that answers for syft during rebuilds, built as scripts/build.sh builds
 * it and called the way libpak's sbom package calls syft (`syft scan -q -o FORMAT=PATH ... dir:DIR`): every format
 * a buildpack may ask for parses and has its format's required shape; libpak's own re-read of the CycloneDX file
 * works; anything else goes to the real syft further down PATH.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { buildSbomWriter } from "../testing/init-binary.js";
import { tempDir } from "../testing/temp-dir.js";

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UTC_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe("the SBOM writer that stands in for syft", () => {
  let dir: string;
  /** A PATH with the writer as `syft` first, as a rebuild's buildpacks see it. */
  let writerOnly: string;
  /** The same, with a real-syft stand-in further down (a script that shows its argv). */
  let withSyft: string;

  const syft = async (args: string[], path = writerOnly): Promise<Run> => {
    try {
      const { stdout, stderr } = await promisify(execFile)("syft", args, { encoding: "utf8", env: { PATH: path } });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout: string; stderr: string; code: number };
      return { stdout: e.stdout, stderr: e.stderr, code: e.code };
    }
  };
  const readJson = async (path: string) => JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;

  beforeAll(async () => {
    dir = await tempDir("sbom-writer-");
    await mkdir(join(dir, "rebuild-bin"));
    await mkdir(join(dir, "syft-layer", "bin"), { recursive: true });
    buildSbomWriter(join(dir, "tilt-live-sbom"), "1.2.3");
    await symlink(join(dir, "tilt-live-sbom"), join(dir, "rebuild-bin", "syft"));
    await writeFile(join(dir, "syft-layer", "bin", "syft"), '#!/bin/sh\necho "real syft: $*"\nexit 5\n');
    await chmod(join(dir, "syft-layer", "bin", "syft"), 0o755);
    writerOnly = `${join(dir, "rebuild-bin")}:/usr/bin:/bin`;
    withSyft = `${join(dir, "rebuild-bin")}:${join(dir, "syft-layer", "bin")}:/usr/bin:/bin`;
    await mkdir(join(dir, "workspace"));
  });

  it("writes every format libpak asks for in one call, as valid documents of the scanned directory", async () => {
    const out = join(dir, "all");
    await mkdir(out);
    const run = await syft(
      [
        "scan",
        "-q",
        "-o",
        `cyclonedx-json=${out}/build.sbom.cdx.json`,
        "-o",
        `spdx-json=${out}/build.sbom.spdx.json`,
        "-o",
        `json=${out}/build.sbom.syft.json`,
        `dir:${dir}/workspace`,
      ],
      withSyft,
    );
    expect(run).toEqual({ stdout: "", stderr: "", code: 0 });

    const cdx = await readJson(join(out, "build.sbom.cdx.json"));
    expect(cdx).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6", version: 1, components: [] });
    expect(cdx.serialNumber).toMatch(/^urn:uuid:/);
    expect(String(cdx.serialNumber).slice("urn:uuid:".length)).toMatch(UUID);
    const metadata = cdx.metadata as Record<string, unknown>;
    expect(metadata.timestamp).toMatch(UTC_SECONDS);
    expect(metadata.component).toMatchObject({ type: "file", name: `${dir}/workspace` });
    expect(metadata.tools).toEqual({
      components: [{ type: "application", author: "tilt-live", name: "tilt-live-sbom", version: "1.2.3" }],
    });

    const spdx = await readJson(join(out, "build.sbom.spdx.json"));
    expect(spdx).toMatchObject({ spdxVersion: "SPDX-2.3", dataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT", name: `${dir}/workspace` });
    expect(spdx.documentNamespace).toMatch(/^urn:uuid:/);
    const creation = spdx.creationInfo as { created: string; creators: string[] };
    expect(creation.created).toMatch(UTC_SECONDS);
    expect(creation.creators).toEqual(["Organization: tilt-live", "Tool: tilt-live-sbom-1.2.3"]);
    // Every element a relationship names is the document or one of its packages.
    const ids = new Set(["SPDXRef-DOCUMENT", ...(spdx.packages as { SPDXID: string }[]).map((p) => p.SPDXID)]);
    const relationships = spdx.relationships as { spdxElementId: string; relatedSpdxElement: string; relationshipType: string }[];
    expect(relationships).toEqual([expect.objectContaining({ spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES" })]);
    for (const r of relationships) expect(ids.has(r.relatedSpdxElement), r.relatedSpdxElement).toBe(true);
    for (const p of spdx.packages as Record<string, unknown>[]) {
      expect(p).toMatchObject({ downloadLocation: "NOASSERTION", filesAnalyzed: false });
      expect(p.SPDXID).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/);
    }

    // The fields syft's JSON schema 16 requires of a document, its source, descriptor and schema.
    const doc = await readJson(join(out, "build.sbom.syft.json"));
    expect(Object.keys(doc)).toEqual(
      expect.arrayContaining(["artifacts", "artifactRelationships", "source", "distro", "descriptor", "schema"]),
    );
    expect(doc).toMatchObject({ artifacts: [], artifactRelationships: [], distro: {} });
    expect(doc.source).toMatchObject({ name: `${dir}/workspace`, version: "", type: "directory", metadata: { path: `${dir}/workspace` } });
    expect((doc.source as { id: string }).id).toMatch(UUID);
    expect(doc.descriptor).toMatchObject({ name: "tilt-live-sbom", version: "1.2.3" });
    expect(doc.schema).toEqual({
      version: "16.1.0",
      url: "https://raw.githubusercontent.com/anchore/syft/main/schema/json/schema-16.1.0.json",
    });
  });

  it("survives libpak's re-read of the CycloneDX file (serialNumber and timestamp dropped, the rest re-encoded)", async () => {
    const file = join(dir, "reread.cdx.json");
    expect((await syft(["scan", "-q", "-o", `cyclonedx-json=${file}`, `dir:${dir}/workspace`])).code).toBe(0);
    const input = await readJson(file);
    delete input.serialNumber;
    delete (input.metadata as Record<string, unknown>).timestamp;
    const again = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
    expect(again).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6", components: [] });
    expect(again).not.toHaveProperty("serialNumber");
  });

  it("escapes the directory's name and takes the other spellings of the same call", async () => {
    const odd = join(dir, 'a "quoted"\\dir\nwith a newline');
    await mkdir(odd);
    const out = join(dir, "odd");
    await mkdir(out);
    const run = await syft(["packages", "--quiet", `--output=cyclonedx-json@1.5=${out}/a.json`, `-osyft-json=${out}/b.json`, odd]);
    expect(run.code).toBe(0);
    expect(((await readJson(join(out, "a.json"))).metadata as { component: { name: string } }).component.name).toBe(odd);
    expect(((await readJson(join(out, "b.json"))).source as { name: string }).name).toBe(odd);
  });

  it("hands anything it does not write to the real syft further down PATH", async () => {
    const file = join(dir, "unused.json");
    for (const args of [
      ["version"],
      ["scan", "-o", "table", `dir:${dir}/workspace`],
      ["scan", "-o", `cyclonedx-xml=${file}`, `dir:${dir}/workspace`],
      ["scan", "-o", `json=${file}`, "registry:example.com/app:1"],
      ["scan", "--exclude", "./vendor", "-o", `json=${file}`, `dir:${dir}/workspace`],
    ]) {
      expect(await syft(args, withSyft), args.join(" ")).toEqual({ stdout: `real syft: ${args.join(" ")}\n`, stderr: "", code: 5 });
    }
  });

  it("says what it cannot do when no other syft is on PATH, and fails on a directory that is not there", async () => {
    const other = await syft(["version"]);
    expect(other.code).toBe(70);
    expect(other.stderr).toContain("tilt-live's stand-in for syft only writes SBOM files of a directory scan");
    const missing = await syft(["scan", "-o", `json=${dir}/x.json`, `dir:${dir}/no-such-dir`]);
    expect(missing).toEqual({ stdout: "", stderr: `tilt-live-sbom: cannot scan ${dir}/no-such-dir: not a directory\n`, code: 1 });
  });
});
