import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { messageTypes } from "../../../contracts/registry.ts";

const run = promisify(execFile);
const CLI = new URL("../../../infra/cli/predator.js", import.meta.url).pathname;

async function predator(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("predator CLI", () => {
  it("writes a JSON Schema for every registered message", async () => {
    const dir = await mkdtemp(join(tmpdir(), "predator-schema-"));
    try {
      const r = await predator(["contracts", "--json-schema", dir, "--json"]);
      expect(r.code).toBe(0);
      const files = (await readdir(dir)).filter((f) => f.endsWith(".schema.json"));
      expect(files).toHaveLength(messageTypes.length);
      const state = JSON.parse(await readFile(join(dir, "cro.state.schema.json"), "utf8")) as {
        properties: Record<string, unknown>;
        required: string[];
      };
      expect(state.required).toEqual(
        expect.arrayContaining(["id", "type", "state", "reason", "epoch"]),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("rejects a bad argument or setting with a specific error and exit code 2", async () => {
    const unknown = await predator(["agent", "wizard"], {
      NATS_URL: "nats://x",
      DATABASE_URL: "postgres://x",
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown agent "wizard"/);
    const badEnv = await predator(["agent", "cro"], { PREDATOR_HEARTBEAT_MS: "-4" });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/PREDATOR_HEARTBEAT_MS/);
    const badFlag = await predator(["start", "--window-minutes", "zero"]);
    expect(badFlag.code).not.toBe(0);
    expect(badFlag.stderr).toMatch(/--window-minutes/);
  });

  it("has --help on every subcommand", async () => {
    for (const cmd of ["start", "agent", "venue-sim", "migrate", "contracts"]) {
      const r = await predator([cmd, "--help"]);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout).toMatch(/Usage: predator/);
    }
  });

  it("start: each log line of the embedded fleet names its agent and instance once", async () => {
    const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: "info" };
    delete env.NATS_URL;
    delete env.DATABASE_URL;
    const r = await run(
      process.execPath,
      [
        CLI,
        "start",
        "--seed",
        "3",
        "--duration-s",
        "2",
        "--status-every-s",
        "60",
        "--api-port",
        "0",
      ],
      { env, timeout: 30_000 },
    );
    const logs = r.stdout.split("\n").filter((l) => l.startsWith("{"));
    const running = logs.filter((l) => l.includes('"msg":"running"'));
    expect(running.length, r.stdout).toBeGreaterThanOrEqual(7);
    for (const line of logs) {
      expect(line.split('"agent":').length - 1, line).toBe(1);
      expect(line.split('"instance":').length - 1, line).toBe(1);
    }
    const agents = running.map((l) => (JSON.parse(l) as { agent: string }).agent);
    expect(new Set(agents)).toEqual(
      new Set(["market-data", "strategy", "cro", "execution", "portfolio", "reconciler", "alert"]),
    );
  });
});
