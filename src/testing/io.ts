/** Test helper: a PhaseIo whose stdout and stderr are captured as strings. */
import type { PhaseIo } from "../phases.js";

export interface CapturedIo extends PhaseIo {
  out: () => string;
  err: () => string;
}

export function captureIo(env: NodeJS.ProcessEnv = {}, cwd = "/"): CapturedIo {
  let out = "";
  let err = "";
  return {
    env,
    cwd,
    stdout: { write: (text: string) => ((out += text), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (text: string) => ((err += text), true) } as unknown as NodeJS.WritableStream,
    out: () => out,
    err: () => err,
  };
}
