// Loaded before every unit test file (vitest.config.ts, setupFiles).
import { afterAll } from "vitest";
import { removeTempDirs } from "./temp-dir.js";

afterAll(removeTempDirs);
