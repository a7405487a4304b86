// What a dev image weighs and what tilt-live adds to it (issue 24), measured on the images themselves:
//   devImageBytes         docker image inspect's Size of the dev image
//   productionImageBytes  the same of the same app built with the same builder, run image and group, but
//                         BP_TILT_LIVE_ENABLED=false (tilt-live passes detect and contributes nothing)
//   addedBytes            the difference: everything the dev image holds because of tilt-live
//   addedLayers           tilt-live's own weigh-in (meta/weight.json, src/buildpack/weigh.ts), part by part
// Image minus image rather than the sum of tilt-live's layers: it also counts what tilt-live changes outside
// its own layers (a layer another buildpack makes differently under it), and checks the weigh-in against
// Docker's own count; the two agree within tar headers when nothing else changed.
import { execa } from "execa";
import { dockerExec, type Platform, type Resources } from "../integration/harness/index.js";
import { buildImage, type Session } from "./inner-loop.js";

export interface ImageWeight {
  devImageBytes: number;
  productionImageBytes: number;
  addedBytes: number;
  addedLayers: { part: string; bytes: number }[];
}

export async function imageBytes(image: string): Promise<number> {
  return Number((await execa("docker", ["image", "inspect", "--format", "{{.Size}}", image])).stdout.trim());
}

/** The weigh-in the build wrote into the running dev container. */
async function addedLayers(container: string): Promise<ImageWeight["addedLayers"]> {
  const result = await dockerExec(container, ["cat", "/layers/tilt-live/meta/weight.json"]);
  if (result.exitCode !== 0) throw new Error(`the dev image has no weigh-in (meta/weight.json):\n${result.stderr}`);
  return (JSON.parse(result.stdout) as { layers: ImageWeight["addedLayers"] }).layers;
}

/**
 * Weighs the session's dev image against a production build of the same app dir. The production build takes the
 * dev image's name, so that it gets the dev image's pack cache (named after the image) and compiles incrementally
 * instead of from nothing (minutes for a large app): call it last, as the session's image is gone afterwards (its
 * running container keeps it until the cleanup).
 */
export async function weighDevImage(platform: Platform, resources: Resources, session: Session): Promise<ImageWeight> {
  const devImageBytes = await imageBytes(session.image);
  const layers = await addedLayers(session.container.name);
  const productionProfile = {
    ...session.profile,
    buildArgs: (p: Platform) => [...(session.profile.buildArgs?.(p) ?? []), "--env", "BP_TILT_LIVE_ENABLED=false"],
  };
  await buildImage(platform, resources, productionProfile, session.appDir, session.image);
  const productionImageBytes = await imageBytes(session.image);
  return { devImageBytes, productionImageBytes, addedBytes: devImageBytes - productionImageBytes, addedLayers: layers };
}
