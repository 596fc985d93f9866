/**
 * Bad operator input is refused with a usage error (exit code 2) and a specific message before
 * anything is contacted: NATS_URL and DATABASE_URL point at closed ports, so a command that tried to act would
 * fail differently (exit 1, "cannot connect").
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Command, CommanderError } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { controlsCommand } from "../../../infra/cli/commands/controls.ts";
import { eventsCommand } from "../../../infra/cli/commands/events.ts";
import { haltCommand } from "../../../infra/cli/commands/halt.ts";
import { killCommand } from "../../../infra/cli/commands/kill.ts";
import { resumeCommand } from "../../../infra/cli/commands/resume.ts";
import { statusCommand } from "../../../infra/cli/commands/status.ts";
import { upCommand } from "../../../infra/cli/commands/up.ts";

const run = promisify(execFile);
const CLI = new URL("../../../infra/cli/predator.js", import.meta.url).pathname;
const ENV = {
  ...process.env,
  NATS_URL: "nats://127.0.0.1:1",
  DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
  PREDATOR_API_TOKEN: "",
  PREDATOR_LIVE_CONFIRM: "",
  POLY_CLOB_URL: "",
  LOG_LEVEL: "silent",
};

async function predator(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI, ...args], { env: ENV, timeout: 60_000 });
    return { code: 0, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

const CASES: Array<[string[], RegExp]> = [
  [["halt", "--level", "panic", "--reason", "x"], /--level: expected pause, flatten or emergency/],
  [["halt", "--level", "pause"], /required option '--reason/],
  [["halt", "--level", "pause", "--reason", "   "], /--reason: required/],
  [["resume", "--reason", "x".repeat(501)], /--reason: at most 500 characters/],
  [
    ["controls", "set", "kill_switch", "maybe", "--reason", "x"],
    /kill_switch: expected "on" or "off"/,
  ],
  [["controls", "set", "nope", "1", "--reason", "x"], /unknown control "nope"/],
  [["controls", "get", "nope"], /unknown control "nope"/],
  [["kill", "nobody"], /unknown agent "nobody"/],
  [["up", "--mode", "live"], /--confirm-live/],
  [["up", "--mode", "live", "--confirm-live"], /POLY_CLOB_URL/],
  [["up", "--mode", "sim"], /--mode: expected paper, dry-run or live/],
  [["up", "--replicas", "strategy=2"], /strategy is not a singleton/],
  [["up", "--api-port", "65536"], /--api-port: expected a port 0\.\.65535/],
  [["events", "--for-s", "3"], /--for-s: only with --follow/],
];

/** The operator commands in this process; resolves with the error code and message. */
async function inProcess(args: string[]): Promise<{ code: string; message: string }> {
  const program = new Command("predator")
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  for (const add of [
    upCommand,
    statusCommand,
    haltCommand,
    resumeCommand,
    controlsCommand,
    eventsCommand,
    killCommand,
  ])
    add(program);
  try {
    await program.parseAsync(args, { from: "user" });
    return { code: "none", message: "" };
  } catch (error) {
    if (error instanceof CommanderError) return { code: "USAGE", message: error.message };
    const e = error as Error & { code?: string };
    return { code: e.code ?? "none", message: e.message };
  }
}

describe("predator operator commands: bad input", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("is refused with a specific usage error before anything is contacted", async () => {
    for (const [key, value] of Object.entries(ENV)) vi.stubEnv(key, value);
    for (const [args, message] of CASES) {
      const r = await inProcess(args);
      expect(["CONFIG", "USAGE"], args.join(" ")).toContain(r.code);
      expect(r.message, args.join(" ")).toMatch(message);
    }
  });

  it("exits 2 from the real CLI, and status exits 1 when the fleet cannot be reached", async () => {
    const bad = await predator(["halt", "--level", "panic", "--reason", "x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--level: expected pause, flatten or emergency/);
    const r = await predator(["status", "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot connect/);
  });
});
