/**
 * `predator venue --port N` as a process: it serves the official client, takes fault flags, stops
 * cleanly on SIGTERM, and refuses a bad flag with exit code 2 and the flag's name.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { PREDATOR_CLI } from "../support/processes.ts";
import { clobClient, waitFor } from "./venue-poly-helpers.ts";

let child: ChildProcess | null = null;

function run(args: string[]): { proc: ChildProcess; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const proc = spawn(process.execPath, [PREDATOR_CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  proc.stderr.on("data", (d: Buffer) => {
    err += d.toString("utf8");
  });
  child = proc;
  return { proc, out: () => out, err: () => err };
}

function exitOf(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) resolve(proc.exitCode);
    else
      proc.once("exit", (code) => {
        resolve(code);
      });
  });
}

afterEach(() => {
  if (child !== null && child.exitCode === null) child.kill("SIGKILL");
  child = null;
});

describe("predator venue", () => {
  it("serves the official client, applies fault flags, and stops on SIGTERM", async () => {
    const r = run(["venue", "--port", "0", "--seed", "5", "--latency-ms", "1", "--stale-books"]);
    const url = await waitFor(
      "listening line",
      () => /listening on (http:\/\/[\d.:]+)/.exec(r.out())?.[1],
      30_000,
    );
    const client = clobClient(url);
    expect(await client.getOk()).toBe("OK");
    const creds = await client.createOrDeriveApiKey();
    expect(creds.key).toMatch(/^[0-9a-f-]{36}$/);
    const faults = (await (await fetch(`${url}/_predator/faults`)).json()) as Record<
      string,
      unknown
    >;
    expect(faults).toMatchObject({ latencyMs: 1, staleBooks: true });
    r.proc.kill("SIGTERM");
    expect(await exitOf(r.proc)).toBe(0);
  });

  it("a bad flag: exit code 2 naming the flag, nothing started", async () => {
    const r = run(["venue", "--port", "0", "--submit-5xx-fraction", "2"]);
    expect(await exitOf(r.proc)).toBe(2);
    expect(r.err()).toContain("--submit-5xx-fraction");
    expect(r.out()).not.toContain("listening");
  });
});
