import type { SupervisorStatus } from "../runtime/supervise/control.js";

/** A supervisor's `status` answer for control-channel tests: an idle "web" process, with `overrides` on top. */
export function supervisorStatus(overrides: Partial<SupervisorStatus> = {}): SupervisorStatus {
  return {
    processType: "web",
    appPid: null,
    appRunning: false,
    building: false,
    builds: 0,
    watching: false,
    memoryKb: { rss: 0, heapUsed: 0, heapTotal: 0, external: 0 },
    ...overrides,
  };
}
