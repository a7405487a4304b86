import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "bench/**/*.test.ts", "scripts/**/*.test.ts"],
          // Removes the temp dirs the tests made (src/testing/temp-dir.ts) after each file.
          setupFiles: ["src/testing/setup.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["integration/**/*.test.ts"],
          // Real pack builds and containers: one file at a time, generous per-test budgets.
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 1_200_000,
        },
      },
    ],
  },
});
