// npm run demo [-- --lang go]: builds the bundled sample with tilt-live, starts it, changes its source,
// live-updates it in the running container, then does the same change with a full `pack build`, and
// prints each step with its time.
import { ensurePlatform, Resources } from "../integration/harness/index.js";
import { fullRebuild, liveUpdate, startSession } from "./inner-loop.js";
import { runMain } from "./cli.js";
import { language } from "./languages.js";
import { seconds } from "./stats.js";

function step(text: string): void {
  console.log(`  ${text}`);
}

async function main(): Promise<void> {
  const langIndex = process.argv.indexOf("--lang");
  const profile = language(langIndex === -1 ? "go" : (process.argv[langIndex + 1] ?? ""));
  console.log(`tilt-live demo: the ${profile.name} sample (${profile.sample})`);
  const platform = await ensurePlatform();
  const resources = new Resources();
  try {
    const session = await startSession(platform, resources, profile);
    step(`pack build with tilt-live (${profile.buildpacks.join(", ")}): ${seconds(session.buildMs)}`);
    step(`container ${session.container.name} answers "v1" at ${session.container.url}`);

    console.log(`\nEdit ${profile.file}: message "v1" -> "v2", then sync it and run rebuild in the container`);
    const live = await liveUpdate(session, "v2");
    for (const line of live.output.split("\n").filter((l) => /^ {2}\S.*\(\d/.test(l))) step(line.trim());
    step(
      `rebuild steps: ${Object.entries(live.rebuild.steps)
        .map(([k, v]) => `${k} ${seconds(v)}`)
        .join(", ")}`,
    );
    step(`live update, edit to new response: ${seconds(live.totalMs)}`);

    console.log(`\nThe same kind of change ("v2" -> "v3") with a full pack build and a new container`);
    const full = await fullRebuild(platform, resources, session, "v3");
    step(`pack build: ${seconds(full.packMs)}; edit to new response: ${seconds(full.totalMs)}`);

    console.log(
      `\nlive update ${seconds(live.totalMs)} vs full pack build ${seconds(full.totalMs)}: ${(full.totalMs / live.totalMs).toFixed(1)}x faster`,
    );
  } finally {
    await resources.cleanup();
  }
}

runMain(main);
