/**
 * Import isolation: in any mode but LIVE, predator must not load the Polymarket client or its
 * signing stack. A child process imports the CLI (every command) and the agent catalog in PAPER
 * with a resolve hook recording each module; the LIVE adapter is then loaded on purpose to show
 * the check can see it. Also: LIVE without the confirmation flag refuses to start.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const HOOK = join(import.meta.dirname, "support", "record-imports.js");
const dir = mkdtempSync(join(tmpdir(), "predator-imports-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The Polymarket client, its ethers dependency, and our adapter that loads them. */
const LIVE_ONLY = [
  /\/node_modules\/viem\//,
  /\/node_modules\/@polymarket\//,
  /\/node_modules\/@ethersproject\//,
  /\/infra\/venue-live\/live-venue\.ts$/,
  /\/infra\/venue-live\/live-signing\.ts$/,
];

function loadedBy(name: string, script: string, env: Record<string, string> = {}): string[] {
  const log = join(dir, `${name}.log`);
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "--import", HOOK, "--input-type=module", "-e", script],
    {
      cwd: ROOT,
      env: { ...process.env, IMPORT_LOG: log, PREDATOR_MODE: "paper", ...env },
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((l) => l !== "");
}

const liveOnly = (urls: string[]) => urls.filter((u) => LIVE_ONLY.some((re) => re.test(u)));

describe("import isolation", () => {
  it("importing the CLI (every command) and the agent catalog in PAPER loads no Polymarket code", () => {
    const urls = loadedBy(
      "paper",
      `await import("./agents/catalog.ts");
       await import("./infra/venue-live/index.ts");
       process.argv = [process.argv[0], "predator", "--help"];
       await import("./infra/cli/cli.ts");`,
    );
    expect(urls.some((u) => u.endsWith("/agents/catalog.ts"))).toBe(true);
    expect(urls.some((u) => u.endsWith("/infra/venue-live/index.ts"))).toBe(true);
    expect(liveOnly(urls)).toEqual([]);
  });

  it("the check sees the client when the LIVE adapter is loaded", () => {
    const urls = loadedBy("live", `await import("./infra/venue-live/live-venue.ts");`);
    expect(liveOnly(urls).some((u) => u.includes("/@polymarket/clob-client-v2/"))).toBe(true);
  });
});

describe("LIVE confirmation", () => {
  it("refuses to start without the flag, with a clear message and exit code 2", () => {
    const r = spawnSync(process.execPath, ["infra/cli/predator.js", "venue-live"], {
      cwd: ROOT,
      env: { ...process.env, PREDATOR_LIVE_CONFIRM: "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("refusing to start: LIVE mode places real orders with real money");
    expect(r.stderr).toContain("--i-understand-this-trades-real-money");
  });

  it("never echoes a secret in a settings error", () => {
    const secret = "0xthis-is-not-a-valid-key-but-it-is-secret";
    const r = spawnSync(
      process.execPath,
      ["infra/cli/predator.js", "venue-live", "--i-understand-this-trades-real-money"],
      {
        cwd: ROOT,
        env: { ...process.env, POLY_CLOB_URL: "http://127.0.0.1:1", POLY_PRIVATE_KEY: secret },
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("POLY_PRIVATE_KEY");
    expect(r.stderr + r.stdout).not.toContain(secret);
  });
});
