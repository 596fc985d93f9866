/**
 * `predator sim` end to end, as a user runs it: --json on stdout, exit 0 on a clean run, exit 1
 * and the reproducing command on a violation, exit 2 and a specific message on bad arguments, and
 * --report writing the markdown and HTML reports with their plots.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { simCommand } from "../../infra/cli/commands/sim.ts";
import type { SimResult } from "../../infra/chaos/sim/run.ts";
import { missingSimFlags, SIM_NODE_FLAGS } from "../../infra/chaos/sim/node-flags.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The one line a run prints before it starts (on stderr: stdout stays the result). */
const RUNNING = (seed: number) =>
  `sim seed ${seed}: running; SIGINT or SIGTERM stops it and reports how far it got\n`;

function predator(args: string[], command = "sim") {
  const r = spawnSync(process.execPath, ["infra/cli/predator.js", command, ...args], {
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Parses `predator sim <args>` in this process; commander's messages are captured. */
async function inProcess(args: string[]) {
  const out = { stderr: "", exitCode: null as number | null, error: null as Error | null };
  const program = new Command("predator").exitOverride();
  program.configureOutput({
    writeErr: (s) => (out.stderr += s),
    writeOut: () => undefined,
  });
  simCommand(program);
  for (const c of program.commands) {
    c.exitOverride().configureOutput({
      writeErr: (s) => (out.stderr += s),
      writeOut: () => undefined,
    });
  }
  try {
    await program.parseAsync(["node", "predator", "sim", ...args]);
  } catch (error) {
    if (error instanceof CommanderError) out.exitCode = error.exitCode;
    else out.error = error as Error;
  }
  return out;
}

describe("predator sim", () => {
  it("prints the result as JSON, exits 0 on a clean run and writes the reports", async () => {
    const dir = await mkdtemp(join(tmpdir(), "predator-sim-cli-"));
    dirs.push(dir);
    const r = predator(["--seed", "4", "--days", "0.002", "--json", "--report", dir]);
    expect(r.stderr).toBe(RUNNING(4));
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ seed: 4, days: 0.002, chaos: "none", violations: [] });
    expect(result.eventLogHash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.reproduce).toBe("predator sim --seed 4 --days 0.002 --chaos none");
    for (const key of ["events", "busMessages", "faultsInjected", "wallMs", "simulatedMs"]) {
      expect(typeof result[key], key).toBe("number");
    }
    // The simulator's speed (issue 18): events per wall second and the CPU the run took.
    expect(result.eventsPerSecond).toBeGreaterThan(0);
    expect(result.eventsPerSecond).toBe(
      Math.round((result.events as number) / ((result.wallMs as number) / 1000)),
    );
    expect(result.cpuMs).toBeGreaterThan(0);
    const html = await readFile(join(dir, "report.html"), "utf8");
    // Self-contained: the four charts' specs and the script that draws them, no external source.
    for (const id of ["chart-equity", "chart-drawdown", "chart-timeline", "chart-counts"])
      expect(html).toContain(`id="${id}"`);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect(html).toContain("Equity");
    expect(html).toContain("Trading state");
    const md = await readFile(join(dir, "report.md"), "utf8");
    expect(md).toContain("PASS: no invariant violated");
  });

  it("says how fast it ran in the summary: events, events per second and CPU seconds", () => {
    const r = predator(["--seed", "4", "--days", "0.002"]);
    expect(r.code).toBe(0);
    const line = r.stdout.split("\n").find((l) => l.endsWith(" events/s"));
    expect(line, r.stdout).toMatch(/^[\d,]+ events, [\d,]+ events\/s$/);
    expect(r.stdout).toMatch(/ s wall, [\d.]+ s CPU /);
  });

  it("exits 1 and prints the reproducing command when an invariant is violated", () => {
    const args = ["--seed", "1", "--days", "0.01", "--plant", "accept-expired-approval"];
    const r = predator(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAIL");
    expect(r.stdout).toContain("1-approval");
    expect(r.stderr).toContain(
      "reproduce with: predator sim --seed 1 --days 0.01 --chaos none --plant accept-expired-approval",
    );
  });

  it("runs the relaxed cadence: fewer bus messages, its own hash, and it says so in the reproduce command", () => {
    const args = ["--seed", "4", "--days", "0.002", "--json"];
    const production = predator(args);
    const relaxed = predator([...args, "--cadence", "relaxed"]);
    expect([production.code, relaxed.code]).toEqual([0, 0]);
    const p = JSON.parse(production.stdout) as SimResult;
    const r = JSON.parse(relaxed.stdout) as SimResult;
    expect([p.cadence, r.cadence]).toEqual(["production", "relaxed"]);
    expect(r.busMessages).toBeLessThan(p.busMessages / 2);
    expect(r.eventLogHash).not.toBe(p.eventLogHash);
    expect(r.reproduce).toBe("predator sim --seed 4 --days 0.002 --chaos none --cadence relaxed");
    expect(p.reproduce).toBe("predator sim --seed 4 --days 0.002 --chaos none");
  });

  it("runs with the simulator's V8 flags: restarts itself when they are missing; a given one wins", () => {
    const args = ["--seed", "4", "--days", "0.001", "--json"];
    const plain = predator(args);
    expect(plain.code).toBe(0);
    expect((JSON.parse(plain.stdout) as { nodeFlags: string[] }).nodeFlags).toEqual([
      ...SIM_NODE_FLAGS,
    ]);
    const r = spawnSync(
      process.execPath,
      ["--max-semi-space-size=32", "infra/cli/predator.js", "sim", ...args],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { nodeFlags: string[] }).nodeFlags).toEqual([
      "--max-semi-space-size=32",
    ]);
    expect(missingSimFlags("sim", ["--max-semi-space-size=64"])).toEqual([]);
    expect(missingSimFlags("start", [])).toEqual([]);
  });

  it("a signal to the command reaches the restarted run, which stops and reports how far it got", async () => {
    const seed = String(900_000_000 + (process.pid % 1_000_000));
    const child = spawn(
      process.execPath,
      ["infra/cli/predator.js", "sim", "--seed", seed, "--days", "30", "--json"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const out = { stdout: "", stderr: "" };
    child.stdout.on("data", (d: Buffer) => (out.stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out.stderr += d.toString()));
    const pids = () =>
      spawnSync("pgrep", ["-f", `predator.js sim --seed ${seed} `], { encoding: "utf8" })
        .stdout.split("\n")
        .filter((l) => l.trim() !== "");
    const until = async (done: () => boolean, what: string) => {
      for (let i = 0; i < 400 && !done(); i++) {
        await new Promise((r) => {
          setTimeout(r, 50);
        });
      }
      if (!done()) throw new Error(`not within 20 s: ${what}`);
    };
    try {
      // The command and the run it restarted with the flags, running.
      await until(() => pids().length === 2, "the restarted run");
      await until(() => out.stderr.includes(RUNNING(Number(seed))), "the run to start");
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
        child.on("close", (code, signal) => {
          resolve([code, signal]);
        });
      });
      child.kill("SIGTERM");
      expect(await exited).toEqual([143, null]);
      await until(() => pids().length === 0, "every process gone");
      const result = JSON.parse(out.stdout) as SimResult;
      expect(result).toMatchObject({ interrupted: true, violations: [], days: 30 });
      expect(result.simulatedMs).toBeLessThan(30 * 86_400_000);
      expect(out.stderr).toContain(`interrupted; run it whole with: predator sim --seed ${seed}`);
    } finally {
      for (const pid of pids()) process.kill(Number(pid), "SIGKILL");
    }
  });

  it("refuses bad arguments with exit 2 and a specific message (as a process)", () => {
    const r = predator(["--seed", "1", "--chaos", "apocalypse"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--chaos.*none\|light\|medium\|heavy\|extreme/);
    expect(r.stdout).toBe("");
  });

  it("names what is wrong with each bad argument, before running anything", async () => {
    const cases: [string[], RegExp][] = [
      [["--days", "1"], /required option '--seed <n>'/],
      [["--seed", "-3"], /--seed.*integer/],
      [["--seed", "1.5"], /--seed.*integer/],
      [["--seed", "1", "--days", "0"], /--days.*number of days/],
      [["--seed", "1", "--days", "soon"], /--days.*number of days/],
      [["--seed", "1", "--plant", "nothing"], /--plant.*Allowed choices/],
      [["--seed", "1", "--requote-ms", "5"], /--requote-ms.*milliseconds/],
      [["--seed", "1", "--cadence", "fast"], /--cadence.*Allowed choices are production, relaxed/],
    ];
    for (const [args, message] of cases) {
      const r = await inProcess(args);
      expect(r.exitCode, args.join(" ")).toBe(1); // commander's usage error; the CLI maps it to 2
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
    const unknown = await inProcess(["--seed", "1", "--scenario", "no-such-scenario"]);
    expect(unknown.error?.message).toMatch(/unknown scenario "no-such-scenario"/);
    expect((unknown.error as { code?: string } | null)?.code).toBe("CONFIG"); // → exit 2
  });
});

describe("predator campaign", () => {
  it("reports each finished seed on its own line when stderr is not a terminal, then the table", async () => {
    const dir = await mkdtemp(join(tmpdir(), "predator-campaign-cli-"));
    dirs.push(dir);
    const r = predator(
      ["--seeds", "1..2", "--days", "0.002", "--jobs", "1", "--out", dir],
      "campaign",
    );
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n").filter((l) => l !== "")).toEqual([
      "campaign: 1/2 seeds (last: 1 0 violations)",
      "campaign: 2/2 seeds (last: 2 0 violations)",
    ]);
    expect(r.stdout).toContain("PASS: 2 seeds, no violation");
  });
});
