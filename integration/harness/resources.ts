// Everything a test makes in Docker, removed by cleanup(); assertNoLeaks() fails loudly on anything of this test
// run (by name prefix) that is still there, whoever made it.
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
  return text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
}

export interface Leaks {
  containers: string[];
  images: string[];
  volumes: string[];
}

/** This run's containers, images (repo:tag) and volumes (pack's cache volumes carry the image name). */
export async function findLeftovers(prefix: string = runPrefix): Promise<Leaks> {
  const containers = lines(
    await docker(["ps", "--all", "--filter", `name=${prefix}`, "--format", "{{.Names}}"]),
  );
  const images = lines(await docker(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"])).filter((ref) =>
    ref.startsWith(prefix),
  );
  const volumes = lines(await docker(["volume", "ls", "--format", "{{.Name}}"])).filter((name) =>
    name.includes(prefix.replace(/-$/, "")),
  );
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
    this.containers.clear();
    this.images.clear();
    this.volumes.clear();
    if (errors.length > 0) {
      throw new Error(`cleanup failed:\n${errors.join("\n")}`);
    }
  }

  async assertNoLeaks(): Promise<void> {
    const left = await findLeftovers();
    const all = [...left.containers, ...left.images, ...left.volumes];
    if (all.length > 0) {
      throw new Error(
        `LEAK: this test run left Docker resources behind:\n` +
          `  containers: ${left.containers.join(", ") || "-"}\n` +
          `  images: ${left.images.join(", ") || "-"}\n` +
          `  volumes: ${left.volumes.join(", ") || "-"}`,
      );
    }
  }
}
