// util::registry_schemes (scripts/lib.sh): the schemes `npm run package -- --publish` reads a registry's digests
// with, in the order pack's registry client (go-containerregistry) pushes with them; a private registry over plain
// HTTP (the local cluster's bridge address, a LAN registry) was asked over HTTPS only and the publish failed.
import { describe, expect, it } from "vitest";
import { runBash } from "./run-bash.js";

async function schemes(registry: string): Promise<string[]> {
  const result = await runBash('util::registry_schemes "$1"', { libs: [], args: [registry] });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim().split("\n");
}

describe("util::registry_schemes", () => {
  it.each(["127.0.0.1", "127.0.0.1:5000", "localhost:5000", "[::1]:5000"])("plain HTTP for loopback: %s", async (registry) => {
    expect(await schemes(registry)).toEqual(["http"]);
  });

  it.each(["10.88.0.1:5000", "172.16.0.9", "172.31.255.1:443", "192.168.1.20:5000", "registry.local:5000"])(
    "HTTPS, then HTTP, for private addresses: %s",
    async (registry) => {
      expect(await schemes(registry)).toEqual(["https", "http"]);
    },
  );

  it.each(["ghcr.io", "registry.example.com:5000", "172.32.0.1", "11.0.0.1"])("HTTPS elsewhere: %s", async (registry) => {
    expect(await schemes(registry)).toEqual(["https"]);
  });
});
