// Everything a test makes in Docker, removed by cleanup(); assertNoLeaks() fails loudly on anything of this test
// run (by name prefix) that is still there, whoever made it, and on unnamed images that appeared while the test
// file ran: pack's ephemeral builders (`pack.local/builder/<random>`, buildpacks/pack#2255) and dangling images
// (an earlier build of a tag the tests rebuilt). Integration runs hold a machine-wide lock
// (scripts/integration.sh), so nobody else makes images meanwhile.
import { execa } from "execa";
import { runPrefix } from "./names.js";

async function docker(args: string[]): Promise<string> {
  const result = await execa("docker", args, { reject: false, all: true });
  if (result.exitCode !== 0) {
    throw new Error(`docker ${args.join(" ")} failed (exit ${result.exitCode}): ${result.all ?? ""}`);
  }
  return result.stdout;
}

function lines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

export interface Leaks {
  containers: string[];
  images: string[];
  volumes: string[];
}

interface UnnamedImage {
  /** How a leak report names it. */
  label: string;
  dangling: boolean;
}

/** Unnamed images by id: dangling ones and pack's ephemeral builders. */
async function unnamedImages(): Promise<Map<string, UnnamedImage>> {
  const dangling = lines(await docker(["image", "ls", "--quiet", "--no-trunc", "--filter", "dangling=true"]));
  const ephemeral = lines(
    await docker([
      "image",
      "ls",
      "--no-trunc",
      "--filter",
      "reference=pack.local/builder/*",
      "--format",
      "{{.ID}} {{.Repository}}:{{.Tag}}",
    ]),
  );
  const found = new Map<string, UnnamedImage>(dangling.map((id) => [id, { label: `dangling ${id.slice(7, 19)}`, dangling: true }]));
  for (const line of ephemeral) {
    const [id = "", ref = ""] = line.split(" ");
    found.set(id, { label: ref, dangling: false });
  }
  return found;
}

// Taken when the test file loads (vitest loads each file on its own): what was there before this file's tests.
// A failure surfaces where it is awaited.
const before = unnamedImages();
before.catch(() => undefined);

/** Unnamed images that appeared since this test file loaded. */
async function newUnnamedImages(): Promise<Map<string, UnnamedImage>> {
  const [then, now] = await Promise.all([before, unnamedImages()]);
  return new Map([...now].filter(([id]) => !then.has(id)));
}

/** This run's containers, images (repo:tag) and volumes (pack's cache volumes carry the image name). */
export async function findLeftovers(prefix: string = runPrefix): Promise<Leaks> {
  const containers = lines(await docker(["ps", "--all", "--filter", `name=${prefix}`, "--format", "{{.Names}}"]));
  const images = lines(await docker(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"])).filter((ref) => ref.startsWith(prefix));
  const volumes = lines(await docker(["volume", "ls", "--format", "{{.Name}}"])).filter((name) => name.includes(prefix.replace(/-$/, "")));
  return { containers, images, volumes };
}

export class Resources {
  readonly containers = new Set<string>();
  readonly images = new Set<string>();
  readonly volumes = new Set<string>();

  container(name: string): string {
    this.containers.add(name);
    return name;
  }

  image(ref: string): string {
    this.images.add(ref);
    return ref;
  }

  /** A named volume to remove at cleanup (after the containers that use it). */
  volume(name: string): string {
    this.volumes.add(name);
    return name;
  }

  /** Removes the tracked containers and images, then every leftover of this run (pack's cache volumes too). */
  async cleanup(): Promise<void> {
    const errors: string[] = [];
    const remove = async (args: string[]): Promise<void> => {
      const result = await execa("docker", args, { reject: false, all: true });
      if (result.exitCode !== 0 && !/No such (container|image|volume)/i.test(result.all ?? "")) {
        errors.push(`docker ${args.join(" ")}: ${result.all ?? ""}`);
      }
    };
    const left = await findLeftovers();
    for (const name of new Set([...this.containers, ...left.containers])) {
      await remove(["rm", "--force", "--volumes", name]);
    }
    for (const ref of new Set([...this.images, ...left.images])) {
      await remove(["image", "rm", "--force", ref]);
    }
    for (const volume of new Set([...this.volumes, ...left.volumes])) {
      await remove(["volume", "rm", "--force", volume]);
    }
    // Earlier builds of the tags removed above; pack's ephemeral builders stay, so assertNoLeaks reports them.
    for (const [id, image] of await newUnnamedImages()) {
      if (image.dangling) await remove(["image", "rm", "--force", id]);
    }
    this.containers.clear();
    this.images.clear();
    this.volumes.clear();
    if (errors.length > 0) {
      throw new Error(`cleanup failed:\n${errors.join("\n")}`);
    }
  }

  async assertNoLeaks(): Promise<void> {
    const left = await findLeftovers();
    const unnamed = [...(await newUnnamedImages()).values()].map((image) => image.label);
    const all = [...left.containers, ...left.images, ...left.volumes, ...unnamed];
    if (all.length > 0) {
      throw new Error(
        `LEAK: this test run left Docker resources behind:\n` +
          `  containers: ${left.containers.join(", ") || "-"}\n` +
          `  images: ${left.images.join(", ") || "-"}\n` +
          `  unnamed images (pack's ephemeral builders, dangling): ${unnamed.join(", ") || "-"}\n` +
          `  volumes: ${left.volumes.join(", ") || "-"}`,
      );
    }
  }
}
