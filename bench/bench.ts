// npm run bench: for each language, N one-line changes delivered three ways (see inner-loop.ts), then a
// table and one JSON line with medians, ratios and tilt-live's own overhead.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { ensurePlatform, repoRoot, Resources } from "../integration/harness/index.js";
import { dependencyUpdate, fullRebuild, floorUpdate, liveUpdate, startSession, type LiveUpdate } from "./inner-loop.js";
import { runMain } from "./cli.js";
import { weighDevImage, type ImageWeight } from "./image-weight.js";
import { language } from "./languages.js";
import { orchestratorsJson, parseOrchestrators, type OrchestratorName, type OrchestratorResult } from "./orchestrator-result.js";
import { benchOrchestrator } from "./orchestrators.js";
import { resultKind, saveResult } from "./results-file.js";
import { segments } from "./profile.js";
import { printSoak, soak, type SoakResult } from "./soak.js";
import { seconds, summarize, type Summary } from "./stats.js";
import { formatBytes } from "../src/fsutil/copy.js";

interface Options {
  languages: string[];
  /** `--orchestrator`: the orchestrator bench instead of the languages' inner loop. */
  orchestrators: OrchestratorName[];
  runs: number;
  /** Live updates in the soak; 0: no soak. */
  soak: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { languages: ["go", "node", "python"], orchestrators: [], runs: 5, soak: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--runs") options.runs = Number(argv[++i]);
    else if (arg === "--lang") options.languages = (argv[++i] ?? "").split(",");
    else if (arg === "--orchestrator") options.orchestrators = parseOrchestrators(argv[++i] ?? "");
    else if (arg === "--soak") options.soak = /^\d+$/.test(argv[i + 1] ?? "") ? Number(argv[++i]) : 200;
    else
      throw new Error(
        `unknown argument ${arg} (usage: bench [--lang go,node,python] [--orchestrator compose,k8s,skaffold,kpack] [--runs N] [--soak [N]])`,
      );
  }
  if (!Number.isInteger(options.runs) || options.runs < 1) throw new Error("--runs takes a whole number >= 1");
  // `--soak` alone runs only the soak; with --lang, both.
  if (options.soak > 0 && !argv.includes("--lang")) options.languages = [];
  if (options.orchestrators.length > 0) {
    if (argv.includes("--lang") || options.soak > 0) throw new Error("--orchestrator runs on its own (no --lang, no --soak)");
    options.languages = [];
  }
  return options;
}

interface LanguageResult {
  language: string;
  full: Summary;
  live: Summary;
  floor: Summary;
  overhead: Summary;
  rebuildSteps: Record<string, Summary>;
  /** Which path a source edit took: "restart" or "rebuild". */
  livePath: string;
  /** The rebuild path (a dependency change), for languages whose source edit only restarts. */
  dependency?: Summary;
  /** The rebuild client's wall time outside the supervisor's steps: docker exec, the client, the socket. */
  client: Summary;
  /** `docker exec <container> true`: what any command run in the container pays, the floor's included. */
  dockerExec: Summary;
  /** The live update step by step: sync, the language's milestones (profile.ts), the rest of rebuild, first response. */
  profile: Record<string, Summary>;
  /**
   * The first source edit's live update in the fresh container (after the dependency warm-up where there is one):
   * the one that restores the carried layers and, for Go, reads the carried build cache for the first time.
   */
  firstLiveMs: number;
  weight: ImageWeight;
}

/** A live update's output with each line's arrival (ms after the rebuild started), for the profile's details. */
function printLines(label: string, update: LiveUpdate): void {
  for (const line of update.rebuild.lines)
    process.stderr.write(`[bench] ${label} ${String(Math.round(line.ms)).padStart(5)} ${line.text}\n`);
  process.stderr.write(
    `[bench] ${label} ${String(Math.round(update.rebuild.wallMs)).padStart(5)} (rebuild exit), GET / answered ${Math.round(update.responseMs)} ms later\n`,
  );
}

async function benchLanguage(name: string, runs: number): Promise<LanguageResult> {
  const profile = language(name);
  const platform = await ensurePlatform();
  const resources = new Resources();
  try {
    process.stderr.write(`[bench] ${name}: building the dev image\n`);
    const session = await startSession(platform, resources, profile);
    process.stderr.write(`[bench] ${name}: dev image built (cold: a new pack cache) in ${seconds(session.buildMs)}\n`);
    // One warm-up of each kind, not counted: the first rebuild in a container links the carried layers.
    if (profile.dependencyChange) await dependencyUpdate(session, "warmup-dependency", 0);
    const warm = await liveUpdate(session, "warmup-live");
    process.stderr.write(`[bench] ${name}: first live update in the new container ${seconds(warm.totalMs)}\n`);
    printLines(`${name} first`, warm);
    const livePath = /Change set: restart only/.test(warm.output) ? "restart" : "rebuild";
    await floorUpdate(session, "warmup-floor");
    const live: number[] = [];
    const floor: number[] = [];
    const overhead: number[] = [];
    const client: number[] = [];
    const exec: number[] = [];
    const steps: Record<string, number[]> = {};
    const profileRuns: Record<string, number[]> = {};
    const note = (into: Record<string, number[]>, key: string, ms: number) => {
      into[key] ??= [];
      into[key].push(ms);
    };
    for (let i = 1; i <= runs; i++) {
      const result = await liveUpdate(session, `live-${i}`);
      live.push(result.totalMs);
      const s = result.rebuild.steps;
      // tilt-live's own time: everything the rebuild tool spent outside the buildpacks' bin/build, i.e. the
      // client's wall time minus the build phase, plus tilt-live's buildpacks inside the build phase (none
      // since they left the rebuild group), minus the app's stop, start and time to listen (also paid by
      // the floor).
      overhead.push(result.rebuild.wallMs - (s.build ?? 0) + result.rebuild.ownBuildpackMs - (s.restart ?? 0) - (s.ready ?? 0));
      client.push(result.rebuild.wallMs - (s.total ?? 0) - (s.restart ?? 0) - (s.ready ?? 0));
      for (const [step, ms] of Object.entries(s)) note(steps, step, ms);
      note(profileRuns, "sync (tar into the container)", result.syncMs);
      const marks = segments(result.rebuild.lines, profile.milestones ?? []);
      if (i === 1) printLines(`${name} run 1`, result);
      for (const [label, ms] of Object.entries(marks)) note(profileRuns, label, ms);
      const marked = Object.values(marks).reduce((a, b) => a + b, 0);
      note(
        profileRuns,
        marked > 0 ? "after the build: processes, restart, until listening, exit" : "rebuild (docker exec to exit)",
        result.rebuild.wallMs - marked,
      );
      note(profileRuns, "rebuild's exit until GET / answers", result.responseMs);
      floor.push(await floorUpdate(session, `floor-${i}`));
      exec.push(await timeDockerExec(session.container.name));
      process.stderr.write(`[bench] ${name} run ${i}: live ${seconds(live.at(-1)!)}, floor ${seconds(floor.at(-1)!)}\n`);
    }
    const dependency: number[] = [];
    for (let i = 1; profile.dependencyChange && i <= runs; i++) {
      dependency.push((await dependencyUpdate(session, `dependency-${i}`, i)).totalMs);
      process.stderr.write(`[bench] ${name} run ${i}: dependency change (rebuild path) ${seconds(dependency.at(-1)!)}\n`);
    }
    const full: number[] = [];
    for (let i = 1; i <= runs; i++) {
      full.push((await fullRebuild(platform, resources, session, `full-${i}`)).totalMs);
      process.stderr.write(`[bench] ${name} run ${i}: full pack build ${seconds(full.at(-1)!)}\n`);
    }
    // Last, so that the production build's cache traffic touches no timing.
    process.stderr.write(`[bench] ${name}: weighing the dev image against a production build\n`);
    const weight = await weighDevImage(platform, resources, session);
    return {
      language: name,
      full: summarize(full),
      live: summarize(live),
      floor: summarize(floor),
      overhead: summarize(overhead),
      rebuildSteps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, summarize(v)])),
      livePath,
      ...(dependency.length > 0 ? { dependency: summarize(dependency) } : {}),
      client: summarize(client),
      dockerExec: summarize(exec),
      profile: Object.fromEntries(Object.entries(profileRuns).map(([k, v]) => [k, summarize(v)])),
      firstLiveMs: warm.totalMs,
      weight,
    };
  } finally {
    await resources.cleanup();
  }
}

/** One `docker exec` of a command that does nothing: the share of (2) and (3) that is Docker's. */
async function timeDockerExec(container: string): Promise<number> {
  const started = performance.now();
  await execa("docker", ["exec", container, "true"]);
  return performance.now() - started;
}

async function runSoak(runs: number): Promise<SoakResult> {
  const platform = await ensurePlatform();
  const resources = new Resources();
  try {
    process.stderr.write(`[bench] soak: ${runs} live updates\n`);
    return await soak(platform, resources, runs);
  } finally {
    await resources.cleanup();
  }
}

/** bin/detect as the lifecycle runs it (app dir as cwd), on an app with a Tiltfile: the whole process. */
async function benchDetect(runs = 20): Promise<Summary> {
  const app = await mkdtemp(path.join(tmpdir(), "tilt-live-detect-"));
  await writeFile(path.join(app, "Tiltfile"), "");
  const detect = path.join(repoRoot, "dist", "buildpacks", "tilt-live", "bin", "detect");
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await execa(detect, [], { cwd: app, env: { CNB_PLATFORM_DIR: path.join(app, "no-platform") } });
      times.push(performance.now() - started);
    }
  } finally {
    await rm(app, { recursive: true, force: true });
  }
  return summarize(times);
}

function row(label: string, s: Summary): string {
  return `  ${label.padEnd(44)} ${seconds(s.median).padStart(8)}  (min ${seconds(s.min)}, max ${seconds(s.max)}, n=${s.runs})`;
}

/** The orchestrator bench: one JSON line, written to bench/results/<date>-orchestrators.json. */
async function mainOrchestrators(options: Options): Promise<void> {
  const results: OrchestratorResult[] = [];
  for (const name of options.orchestrators) results.push(await benchOrchestrator(name, options.runs));
  console.log("\none-line edit of samples/go → new response (median of the later edits)");
  for (const r of results) {
    console.log(
      `  ${r.orchestrator.padEnd(9)} ${seconds(r.editToResponseMs.median)} (p95 ${seconds(r.editToResponseMs.p95)}, n=${r.runs}); first edit in a new container ${seconds(r.firstEditMs)} = ${r.firstOverLater} x (target <= 1.2)`,
    );
    if (r.imageBuilds) {
      console.log(
        `    image builds in the cluster: first ${seconds(r.imageBuilds.firstMs)}, after a one-line change ${seconds(r.imageBuilds.secondMs)}; source sent per build ${r.imageBuilds.sourceBytes} bytes`,
      );
    }
    console.log(
      `    steps: ${Object.entries(r.stepsMs)
        .map(([k, v]) => `${k} ${v} ms`)
        .join(", ")}`,
    );
  }
  const json = orchestratorsJson(results, { runs: options.runs });
  console.log(json);
  const saved = await saveResult(path.join(repoRoot, "bench", "results"), new Date(), "orchestrators", json);
  process.stderr.write(`[bench] result written to ${path.relative(repoRoot, saved)}\n`);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.orchestrators.length > 0) return mainOrchestrators(options);
  const detect = await benchDetect();
  const results: LanguageResult[] = [];
  for (const name of options.languages) results.push(await benchLanguage(name, options.runs));
  const soakResult = options.soak > 0 ? await runSoak(options.soak) : undefined;
  console.log(
    `\ndetect (bin/detect process, app with a Tiltfile): ${detect.median.toFixed(0)} ms median (min ${detect.min.toFixed(0)}, max ${detect.max.toFixed(0)}, n=${detect.runs})`,
  );
  for (const r of results) {
    console.log(`\n${r.language}: one-line change until the new response (median)`);
    console.log(row("1 full pack build + container replacement", r.full));
    console.log(row("2 tilt-live live update (sync+rebuild+restart)", r.live));
    console.log(row(`3 floor (${language(r.language).floorLabel})`, r.floor));
    console.log(row("tilt-live's own overhead in (2)", r.overhead));
    console.log(row("  of which docker exec + rebuild client", r.client));
    console.log(row("  (docker exec of `true` alone)", r.dockerExec));
    if (r.dependency) console.log(row("2b dependency change (rebuild path)", r.dependency));
    console.log(`  (2) took the ${r.livePath} path`);
    console.log(
      `  rebuild steps: ${Object.entries(r.rebuildSteps)
        .map(([k, v]) => `${k} ${seconds(v.median)}`)
        .join(", ")}`,
    );
    console.log("  (2) step by step (medians):");
    for (const [label, v] of Object.entries(r.profile)) console.log(`    ${label.padEnd(60)} ${Math.round(v.median)} ms`);
    console.log(
      `  first live update in a new container ${seconds(r.firstLiveMs)}: ${(r.firstLiveMs / r.live.median).toFixed(2)} x the median (target <= 1.2)`,
    );
    console.log(
      `  dev image ${formatBytes(r.weight.devImageBytes)}, production ${formatBytes(r.weight.productionImageBytes)}: tilt-live adds ${formatBytes(r.weight.addedBytes)}`,
    );
    for (const part of r.weight.addedLayers) console.log(`    ${part.part.padEnd(60)} ${formatBytes(part.bytes)}`);
    console.log(
      `  (1)/(2) = ${(r.full.median / r.live.median).toFixed(1)} (target >= 20); (2)/(3) = ${(r.live.median / r.floor.median).toFixed(2)} (target <= 1.25 go, 1.2 node/python); overhead ${Math.round(r.overhead.median)} ms (target <= 150)`,
    );
  }
  if (soakResult) printSoak(soakResult);
  const json = JSON.stringify({
    bench: "tilt-live-inner-loop",
    detectMs: Math.round(detect.median),
    results: results.map((r) => ({
      language: r.language,
      fullMs: Math.round(r.full.median),
      liveMs: Math.round(r.live.median),
      floorMs: Math.round(r.floor.median),
      fullOverLive: Number((r.full.median / r.live.median).toFixed(2)),
      liveOverFloor: Number((r.live.median / r.floor.median).toFixed(2)),
      overheadMs: Math.round(r.overhead.median),
      livePath: r.livePath,
      ...(r.livePath === "restart" ? { restartOnlyMs: Math.round(r.live.median) } : {}),
      ...(r.dependency ? { dependencyRebuildMs: Math.round(r.dependency.median) } : {}),
      clientMs: Math.round(r.client.median),
      dockerExecMs: Math.round(r.dockerExec.median),
      stepsMs: Object.fromEntries(Object.entries(r.rebuildSteps).map(([k, v]) => [k, Math.round(v.median)])),
      profileMs: Object.fromEntries(Object.entries(r.profile).map(([k, v]) => [k, Math.round(v.median)])),
      firstLiveMs: Math.round(r.firstLiveMs),
      firstOverLive: Number((r.firstLiveMs / r.live.median).toFixed(2)),
      ...r.weight,
    })),
    ...(soakResult ? { soak: soakResult } : {}),
  });
  console.log(json);
  // Kept for the docs to quote (docs/performance.md); commit it with the change it measures.
  const saved = await saveResult(path.join(repoRoot, "bench", "results"), new Date(), resultKind(options.languages, options.soak), json);
  process.stderr.write(`[bench] result written to ${path.relative(repoRoot, saved)}\n`);
}

runMain(main);
