// Vitest's global setup for the integration project: when the run includes a file that uses tilt-live's packages
// (scripts/integration.sh sets TILT_LIVE_PUBLISH_PACKAGES=1 for packages, tilt-stock-pack and kpack), the registry on
// 127.0.0.1 is started and `npm run package -- --publish` pushes into it once, before the first file; the files read
// the result with publishedPackages(). The registry and its storage go when the run ends.
import type { TestProject } from "vitest/node";
import { publishPackages, startRegistry } from "./registry.js";

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  project.provide("publishedPackages", null);
  if (process.env.TILT_LIVE_PUBLISH_PACKAGES !== "1") return undefined;
  const registry = await startRegistry();
  try {
    const published = await publishPackages(registry);
    console.log(`[packages] npm run package -- --publish ${registry.host}: ${(published.durationMs / 1000).toFixed(1)} s`);
    project.provide("publishedPackages", published);
  } catch (error) {
    await registry.stop();
    throw error;
  }
  return () => registry.stop();
}
