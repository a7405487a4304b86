// The sample apps the demo and the benchmark drive: where each lives, how a one-line change is made, and
// the "floor" for it: the same incremental compile (or none) inside the container plus a process start.
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
}

export const go: LanguageProfile = {
  name: "go",
  sample: "samples/go",
  file: "main.go",
  setMessage: (text, message) => text.replace(/const message = "[^"]*"/, `const message = "${message}"`),
  containerPort: 8080,
  buildpacks: ["tilt-live/source", "paketo-buildpacks/go-dist", "paketo-buildpacks/go-build", "tilt-live"],
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

export const LANGUAGES: Record<string, LanguageProfile> = { go };

export function language(name: string): LanguageProfile {
  const profile = LANGUAGES[name];
  if (!profile) throw new Error(`unknown language "${name}" (known: ${Object.keys(LANGUAGES).join(", ")})`);
  return profile;
}
