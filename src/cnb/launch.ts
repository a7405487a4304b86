/** launch.toml: the processes a buildpack declares (buildpack spec, "launch.toml", API >= 0.9). */
import { expectString, optionalBoolean, optionalTableArray, readOptionalToml, writeToml, type TomlTable } from "./toml.js";
import { TiltLiveError } from "../core/errors.js";

export interface Process {
  type: string;
  command: string[];
  args: string[];
  default: boolean;
  /** false: `command` is a shell command line (buildpack API < 0.9 only; from 0.9 on every process is direct). */
  direct: boolean;
  workingDir?: string;
}

/** Buildpack API < 0.9 made processes shell commands unless `direct = true`; 0.9 made all of them direct. */
export function directByDefault(buildpackApi: string): boolean {
  const [major = 0, minor = 0] = buildpackApi.split(".").map(Number);
  return major > 0 || minor >= 9;
}

function stringArray(value: unknown, key: string, path: string): string[] {
  if (value === undefined) return [];
  if (typeof value === "string") return [value]; // API < 0.9 wrote command as a string
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new TiltLiveError("invalid-metadata", `field "${key}" must be an array of strings`, { path });
  }
  return value as string[];
}

export function parseProcesses(table: TomlTable, path: string, buildpackApi = "0.9"): Process[] {
  const defaultDirect = directByDefault(buildpackApi);
  return optionalTableArray(table, "processes", path).map((p) => {
    const command = stringArray(p.command, "command", path);
    if (command.length === 0) {
      throw new TiltLiveError("invalid-metadata", 'a process has an empty "command"', { path });
    }
    const workingDir = p["working-dir"];
    return {
      type: expectString(p, "type", path),
      command,
      args: stringArray(p.args, "args", path),
      default: optionalBoolean(p, "default", path) ?? false,
      direct: defaultDirect ? true : (optionalBoolean(p, "direct", path) ?? false),
      ...(typeof workingDir === "string" ? { workingDir } : {}),
    };
  });
}

/** The processes of one launch.toml; none when the buildpack wrote no launch.toml. */
export async function readLaunchProcesses(path: string, buildpackApi?: string): Promise<Process[]> {
  const table = await readOptionalToml(path);
  return table ? parseProcesses(table, path, buildpackApi) : [];
}

/**
 * A `[[bom]]` entry (the legacy, unstructured bill of materials). Deprecated for buildpacks, still accepted by the
 * lifecycle; at Platform API < 0.9 it ends up in the image label io.buildpacks.build.metadata, which Skaffold reads.
 * No top-level version: the lifecycle refuses one (metadata.version instead).
 */
export interface BomEntry {
  name: string;
  metadata: Record<string, unknown>;
}

export async function writeLaunch(path: string, processes: Process[], bom: BomEntry[] = []): Promise<void> {
  await writeToml(path, {
    processes: processes.map((p) => ({
      type: p.type,
      command: p.command,
      args: p.args,
      default: p.default,
      ...(p.workingDir ? { "working-dir": p.workingDir } : {}),
    })),
    ...(bom.length > 0 ? { bom: bom.map((b) => ({ name: b.name, metadata: b.metadata })) } : {}),
  });
}
