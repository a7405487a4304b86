/**
 * "Updated" means serving: after a restart the supervisor waits until the new app listens where the old one
 * listened. The ports come from the kernel, not from configuration: the TCP sockets in LISTEN state
 * (/proc/net/tcp and tcp6) whose inodes a process of the old app's process group held open
 * (/proc/<pid>/fd). An app that listened on nothing is ready once started; one that listens only on other
 * ports for a second has moved (an edit changed its port) and is ready there.
 */
import { readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";

const LISTEN = "0A";

export interface ProcFs {
  root: string;
}

const PROC: ProcFs = { root: "/proc" };

/** Pids whose process group is `pgid` (field 5 of /proc/<pid>/stat, after the command in parentheses). */
async function groupPids(pgid: number, proc: ProcFs): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir(proc.root)) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(join(proc.root, name, "stat"), "utf8").catch(() => "");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid) pids.push(Number(name));
  }
  return pids;
}

async function socketInodes(pids: number[], proc: ProcFs): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    const fdDir = join(proc.root, String(pid), "fd");
    for (const fd of await readdir(fdDir).catch(() => [] as string[])) {
      const target = await readlink(join(fdDir, fd)).catch(() => "");
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match) inodes.add(match[1]!);
    }
  }
  return inodes;
}

/** Listening TCP ports by socket inode, from /proc/net/tcp and tcp6. */
async function listeningSockets(proc: ProcFs): Promise<Map<string, number>> {
  const byInode = new Map<string, number>();
  for (const file of ["tcp", "tcp6"]) {
    const text = await readFile(join(proc.root, "net", file), "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== LISTEN) continue;
      byInode.set(f[9]!, parseInt(f[1]!.split(":")[1]!, 16));
    }
  }
  return byInode;
}

/** The TCP ports the processes of group `pgid` listen on. */
export async function listeningPorts(pgid: number, proc: ProcFs = PROC): Promise<Set<number>> {
  const [inodes, sockets] = await Promise.all([groupPids(pgid, proc).then((pids) => socketInodes(pids, proc)), listeningSockets(proc)]);
  const ports = new Set<number>();
  for (const inode of inodes) {
    const port = sockets.get(inode);
    if (port !== undefined) ports.add(port);
  }
  return ports;
}

export type Readiness = { ready: true; note?: string } | { ready: false; why: string };

/** How long a new app that listens elsewhere gets to open the old ports too before it counts as moved. */
const MOVED_AFTER_MS = 1000;

export interface WaitOptions {
  timeoutMs: number;
  /** Resolves when the app exits: waiting stops there. */
  exited: Promise<{ status: number }>;
  /** The first poll interval; each next one is half as long again, up to MAX_POLL_MS. */
  pollMs?: number;
  proc?: ProcFs;
}

/**
 * Polling starts fast: most apps listen within tens of milliseconds of their start, and every millisecond
 * between that moment and the next poll is added to the live update. A slow starter is polled less and less
 * often (one poll reads /proc for the app's process group, about a millisecond).
 */
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 100;

/** Waits until group `pgid` listens on every port in `ports`, the app exits, or the timeout passes. */
export async function waitUntilListening(pgid: number, ports: ReadonlySet<number>, options: WaitOptions): Promise<Readiness> {
  if (ports.size === 0) return { ready: true };
  let exit: { status: number } | undefined;
  void options.exited.then((e) => (exit = e));
  const deadline = performance.now() + options.timeoutMs;
  const wanted = [...ports].sort((a, b) => a - b);
  let movedSince: number | undefined;
  let pollMs = options.pollMs ?? FIRST_POLL_MS;
  for (;;) {
    const open = await listeningPorts(pgid, options.proc ?? PROC);
    const missing = wanted.filter((p) => !open.has(p));
    if (missing.length === 0) return { ready: true };
    // An edit may move the app to another port: once it listens there and nowhere old for a while, it serves.
    if (open.size > 0 && missing.length === wanted.length) {
      movedSince ??= performance.now();
      if (performance.now() - movedSince >= MOVED_AFTER_MS) {
        return {
          ready: true,
          note: `it listens on port ${[...open].sort((a, b) => a - b).join(", ")}, no longer on ${missing.join(", ")}`,
        };
      }
    }
    if (exit) return { ready: false, why: `it exited with status ${exit.status} before it listened on port ${missing.join(", ")}` };
    if (performance.now() >= deadline) {
      return {
        ready: false,
        why: `it did not listen on port ${missing.join(", ")} within ${options.timeoutMs / 1000} s (BP_TILT_LIVE_READY_TIMEOUT)`,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    pollMs = Math.min(MAX_POLL_MS, pollMs * 1.5);
  }
}
