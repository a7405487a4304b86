// Runs a CLI's main function to completion. Node's fetch leaves no handle that keeps the event loop alive
// while it waits for a container's port (its abort timer is unref'd), so without a handle of our own the
// process could end mid-wait with exit 0 and print nothing.
export function runMain(main: () => Promise<void>): void {
  const keepAlive = setInterval(() => undefined, 60_000);
  main()
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    })
    .finally(() => clearInterval(keepAlive));
}
