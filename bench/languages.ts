// The sample apps the demo and the benchmark drive: where each lives, how a one-line change is made, and
// the "floor" for it: the same incremental compile (or none) inside the container plus a process start.
import { LIVE_GROUPS } from "../integration/harness/live.js";
export interface LanguageProfile {
  name: string;
  sample: string;
  /** The file whose message line is edited. */
  file: string;
  setMessage(text: string, message: string): string;
  containerPort: number;
  /** `pack build` arguments besides image, path, builder, network and pull policy. */
  buildpacks: string[];
  /**
   * A shell script run in the container (build image as run image) that rebuilds the synced source the
   * way the language buildpack does and serves it on $FLOOR_PORT; it prints nothing on success.
   */
  floorScript: string;
  /** What the floor does, for the bench's table. */
  floorLabel: string;
  /**
   * A dependency change for the rebuild path (interpreted languages, whose source edit only restarts): the
   * manifest a buildpack reads and an edit that makes it install again, different on every call.
   */
  dependencyChange?: { file: string; edit(text: string, n: number): string };
}

export const go: LanguageProfile = {
  name: "go",
  sample: "samples/go",
  file: "main.go",
  setMessage: (text, message) => text.replace(/const message = "[^"]*"/, `const message = "${message}"`),
  containerPort: 8080,
  buildpacks: LIVE_GROUPS.go,
  floorLabel: "incremental compile + start",
  // go-build's own command line, its cache and toolchain, in a scratch copy of the synced source.
  floorScript: [
    "set -e",
    // The previous floor app, if any, gives up its port first.
    "if [ -f /tmp/floor/pid ]; then kill $(cat /tmp/floor/pid) 2>/dev/null || true; sleep 0.05; fi",
    "export GOCACHE=/layers/paketo-buildpacks_go-build/gocache PATH=/layers/paketo-buildpacks_go-dist/go/bin:$PATH",
    "rm -rf /tmp/floor/src && mkdir -p /tmp/floor && cp -r /layers/tilt-live/src/. /tmp/floor/src",
    "cd /tmp/floor/src && go build -o /tmp/floor/app -buildmode pie -trimpath .",
    "PORT=$FLOOR_PORT /tmp/floor/app >/tmp/floor/log 2>&1 &",
    "echo $! > /tmp/floor/pid",
  ].join("\n"),
};

// Interpreted languages compile nothing, so their floor is only a process restart: stop the previous floor app,
// copy the synced source, start the interpreter on it with the dependencies the image already installed.
const restartFloor = (prepare: string[], start: string): string =>
  [
    "set -e",
    "if [ -f /tmp/floor/pid ]; then kill $(cat /tmp/floor/pid) 2>/dev/null || true; sleep 0.05; fi",
    "rm -rf /tmp/floor/src && mkdir -p /tmp/floor && cp -r /layers/tilt-live/src/. /tmp/floor/src",
    ...prepare,
    `cd /tmp/floor/src && PORT=$FLOOR_PORT ${start} >/tmp/floor/log 2>&1 &`,
    "echo $! > /tmp/floor/pid",
  ].join("\n");

export const node: LanguageProfile = {
  name: "node",
  sample: "samples/node",
  file: "server.js",
  setMessage: (text, message) => text.replace(/const message = "[^"]*"/, `const message = "${message}"`),
  containerPort: 8080,
  buildpacks: LIVE_GROUPS.node,
  floorLabel: "process restart: nothing to compile",
  // node-start's command on npm-install's modules (the link npm-install's setup-symlinks makes at launch).
  floorScript: restartFloor(
    ["ln -s /layers/paketo-buildpacks_npm-install/launch-modules/node_modules /tmp/floor/src/node_modules"],
    "/layers/paketo-buildpacks_node-engine/node/bin/node server.js",
  ),
  // npm-install sums package.json: a new description makes it run `npm ci` again.
  dependencyChange: {
    file: "package.json",
    edit: (text, n) => `${JSON.stringify({ ...JSON.parse(text), description: `bench dependency change ${n}` }, null, 2)}\n`,
  },
};

export const python: LanguageProfile = {
  name: "python",
  sample: "samples/python",
  file: "app.py",
  setMessage: (text, message) => text.replace(/^message = "[^"]*"/m, `message = "${message}"`),
  containerPort: 8080,
  buildpacks: LIVE_GROUPS.python,
  floorLabel: "process restart: nothing to compile",
  // The Procfile's command on pip-install's packages layer (PYTHONUSERBASE, as its launch env sets it).
  floorScript: restartFloor([], "PYTHONUSERBASE=/layers/paketo-buildpacks_pip-install/packages /usr/bin/python3 app.py"),
  // pip-install reads requirements.txt: any edit runs `pip install` again.
  dependencyChange: { file: "requirements.txt", edit: (text, n) => `${text.replace(/# bench .*\n/, "")}# bench dependency change ${n}\n` },
};

export const LANGUAGES: Record<string, LanguageProfile> = { go, node, python };

export function language(name: string): LanguageProfile {
  const profile = LANGUAGES[name];
  if (!profile) throw new Error(`unknown language "${name}" (known: ${Object.keys(LANGUAGES).join(", ")})`);
  return profile;
}
