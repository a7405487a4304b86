// `npm run bench -- --soak [N]`: N (default 200) consecutive live updates of one Node.js container, mixed the
// way a day of editing mixes them: restart-only edits of server.js, a dependency change (package.json: the
// rebuild path) every 10th, a syntax error every 20th (refused; the old app keeps serving). Reports each
// path's median and p95, and what the supervisor and the container hold before and after: nothing may grow
// without bound.
import { execa } from "execa";
import { dockerExec, type Platform, type Resources } from "../integration/harness/index.js";
import { REBUILD, syncFile } from "../integration/harness/live.js";
import { dependencyUpdate, liveUpdate, startSession, type Session } from "./inner-loop.js";
import { language } from "./languages.js";
import { percentile, seconds } from "./stats.js";

export interface ContainerFootprint {
  supervisorRssKb: number;
  /** The anonymous part of RSS (heap, malloc); the rest is file-backed: pages of the executable it has touched. */
  supervisorRssAnonKb: number;
  /** V8's live heap in the supervisor (its status answer): RSS can grow while this stays flat. */
  supervisorHeapKb: number;
  /** The heap V8 has reserved (live objects, garbage not yet collected, free space). */
  supervisorHeapTotalKb: number;
  supervisorFds: number;
  processes: number;
  /** The container's writable layer (docker's SizeRw): layers and app dir rewritten by rebuilds, /tmp. */
  writableKb: number;
  /** The container's log files on the host (docker's json-file driver, rotated: LOG_OPTIONS). */
  logBytes: number;
}

export interface SoakResult {
  runs: number;
  paths: Record<string, { medianMs: number; p95Ms: number; n: number }>;
  first: ContainerFootprint;
  last: ContainerFootprint;
  /** The footprint after every quarter of the runs: levelling off shows between the later samples. */
  samples: ({ after: number } & ContainerFootprint)[];
  /** The writable layer's largest directories (KB) at the end, from the container's overlay upper dir. */
  writableTopKb: Record<string, number>;
}

/** Shell run in the container: the supervisor's pid, RSS and fds, and the process count. */
const PROBE = [
  "for p in /proc/[0-9]*; do if tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -q '^/layers/tilt-live/tools/bin/tilt-live-supervise '; then sup=$(basename $p); fi; done",
  "echo rss $(awk '/^VmRSS/ {print $2}' /proc/$sup/status)",
  "echo rssanon $(awk '/^RssAnon/ {print $2}' /proc/$sup/status)",
  "echo fds $(ls /proc/$sup/fd | wc -l)",
  "echo procs $(ls -d /proc/[0-9]* | wc -l)",
].join("\n");

/** The supervisor's status answer on its control socket, asked by the app's own Node (run after PROBE: it is a process). */
const STATUS = [
  "/layers/paketo-buildpacks_node-engine/node/bin/node",
  "-e",
  'const s = require("net").connect("/tmp/tilt-live/control.sock"); let b = ""; s.on("data", (d) => (b += d));' +
    ' s.on("end", () => console.log(b.split("\\n")[0])); s.write(\'{"op":"status"}\\n\');',
];

/**
 * Docker's log options for the soak's container: what the README tells Compose users to set (json-file with
 * max-size and max-file), small enough that the soak reaches the cap and shows the log stops growing there.
 */
export const LOG_OPTIONS = ["--log-opt", "max-size=100k", "--log-opt", "max-file=3"];

/** Bytes of the container's log files: the current one and the rotated ones (LogPath.1, .2, ...). */
async function logBytes(logPath: string | undefined): Promise<number> {
  if (!logPath) return NaN;
  const sizes = await execa("sh", ["-c", 'stat -c %s "$1"*', "sh", logPath], { reject: false });
  return sizes.stdout.split("\n").reduce((sum, line) => sum + (Number(line) || 0), 0);
}

async function footprint(container: string): Promise<ContainerFootprint> {
  const probe = await execa("docker", ["exec", container, "sh", "-c", PROBE]);
  const field = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(probe.stdout)?.[1] ?? NaN);
  const status = JSON.parse((await execa("docker", ["exec", container, ...STATUS])).stdout) as {
    memoryKb?: { heapUsed: number; heapTotal: number };
  };
  const inspect = JSON.parse((await execa("docker", ["inspect", "--size", container])).stdout)[0] as { SizeRw?: number; LogPath?: string };
  return {
    supervisorRssKb: field("rss"),
    supervisorRssAnonKb: field("rssanon"),
    supervisorHeapKb: status.memoryKb?.heapUsed ?? NaN,
    supervisorHeapTotalKb: status.memoryKb?.heapTotal ?? NaN,
    supervisorFds: field("fds"),
    processes: field("procs"),
    writableKb: Math.round((inspect.SizeRw ?? NaN) / 1024),
    logBytes: await logBytes(inspect.LogPath),
  };
}

/** `du` of the container's overlay upper dir (the writable layer), directories of at least 64 KB, 4 deep. */
async function writableTop(container: string): Promise<Record<string, number>> {
  const inspect = JSON.parse((await execa("docker", ["inspect", container])).stdout)[0] as {
    GraphDriver?: { Data?: { UpperDir?: string } };
  };
  const upper = inspect.GraphDriver?.Data?.UpperDir;
  if (!upper) return {};
  const du = await execa("du", ["-k", "--max-depth=4", upper], { reject: false });
  const top: Record<string, number> = {};
  for (const line of du.stdout.split("\n")) {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (m && Number(m[1]) >= 64) top[m[2]!.slice(upper.length) || "/"] = Number(m[1]);
  }
  return top;
}

async function failingEdit(session: Session, n: number): Promise<number> {
  const started = performance.now();
  await syncFile(session.container.name, session.appDir, session.profile.file, (text) =>
    session.profile.setMessage(text, `broken-${n}`).replace(/const message = ("[^"]*")/, "const message = ($1"),
  );
  const result = await dockerExec(session.container.name, [REBUILD]);
  if (result.exitCode === 0) throw new Error(`a syntax error was not refused:\n${result.stdout}`);
  // Put the file back the way the next edit expects it.
  await syncFile(session.container.name, session.appDir, session.profile.file, (text) =>
    text.replace(/const message = \(("[^"]*")/, "const message = $1"),
  );
  return performance.now() - started;
}

export async function soak(platform: Platform, resources: Resources, runs: number): Promise<SoakResult> {
  const session = await startSession(platform, resources, language("node"), LOG_OPTIONS);
  await liveUpdate(session, "soak-warmup");
  const first = await footprint(session.container.name);
  const samples: SoakResult["samples"] = [{ after: 0, ...first }];
  const sampleEvery = Math.max(1, Math.round(runs / 4));
  const times: Record<string, number[]> = { restart: [], rebuild: [], refused: [] };
  for (let i = 1; i <= runs; i++) {
    if (i % 20 === 0) times.refused!.push(await failingEdit(session, i));
    else if (i % 10 === 0) times.rebuild!.push((await dependencyUpdate(session, `soak-${i}`, i)).totalMs);
    else times.restart!.push((await liveUpdate(session, `soak-${i}`)).totalMs);
    if (i % 20 === 0) process.stderr.write(`[bench] soak ${i}/${runs}\n`);
    if (i % sampleEvery === 0 || i === runs) samples.push({ after: i, ...(await footprint(session.container.name)) });
  }
  const last = samples.at(-1)!;
  const writableTopKb = await writableTop(session.container.name);
  const paths = Object.fromEntries(
    Object.entries(times)
      .filter(([, v]) => v.length > 0)
      .map(([k, v]) => [k, { medianMs: Math.round(percentile(v, 50)), p95Ms: Math.round(percentile(v, 95)), n: v.length }]),
  );
  const { after: _, ...lastFootprint } = last;
  return { runs, paths, first, last: lastFootprint, samples, writableTopKb };
}

export function printSoak(result: SoakResult): void {
  console.log(`\nsoak: ${result.runs} live updates of one Node.js container`);
  for (const [path, s] of Object.entries(result.paths)) {
    console.log(`  ${path.padEnd(8)} median ${seconds(s.medianMs)}, p95 ${seconds(s.p95Ms)} (n=${s.n})`);
  }
  for (const key of Object.keys(result.first) as (keyof ContainerFootprint)[]) {
    console.log(`  ${key.padEnd(16)} ${result.samples.map((s) => `${s[key]} (${s.after})`).join(" -> ")}`);
  }
  console.log("  writable layer at the end, directories of at least 64 KB:");
  for (const [dir, kb] of Object.entries(result.writableTopKb)) console.log(`    ${String(kb).padStart(8)} KB  ${dir}`);
}
