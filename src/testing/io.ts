/** Test helper: a PhaseIo whose stdout and stderr are captured as strings. */
import type { PhaseIo } from "../cli/phases.js";

export interface CapturedIo extends PhaseIo {
  out: () => string;
  err: () => string;
}

function capture(onText: (text: string) => void): NodeJS.WritableStream {
  const write = (text: string) => {
    onText(text);
    return true;
  };
  return { write } as unknown as NodeJS.WritableStream;
}

export function captureIo(env: NodeJS.ProcessEnv = {}, cwd = "/"): CapturedIo {
  let out = "";
  let err = "";
  return {
    env,
    cwd,
    stdout: capture((text) => {
      out += text;
    }),
    stderr: capture((text) => {
      err += text;
    }),
    out: () => out,
    err: () => err,
  };
}
