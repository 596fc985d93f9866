/**
 * The `predator` command on a Node older than the one it is tested on (package.json engines):
 * one clear line and exit 1, not a stack trace from some missing API. The old Node is simulated
 * by overriding process.versions.node before the entry point runs.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = new URL("../../../", import.meta.url).pathname;
const CLI = `${ROOT}infra/cli/predator.js`;

function asNode(version: string): string {
  const code = `Object.defineProperty(process.versions, "node", { value: ${JSON.stringify(version)} })`;
  return `data:text/javascript,${encodeURIComponent(code)}`;
}

async function predator(execArgv: string[], args: string[]) {
  try {
    const r = await run(process.execPath, [...execArgv, CLI, ...args], { timeout: 30_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("predator on an unsupported Node", () => {
  it("declares Node 24 in engines, the line it is tested on", () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as {
      engines: { node: string };
    };
    expect(pkg.engines.node).toMatch(/^>=24\.\d+ <25$/);
    expect(Number(process.versions.node.split(".")[0])).toBe(24);
  });

  it("on Node 20 prints one line naming the versions and exits 1", async () => {
    const r = await predator(["--import", asNode("20.19.0")], ["--help"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^predator needs Node\.js 24 or newer; this is Node\.js 20\.19\.0 /);
  });

  it("on Node 24 runs the command", async () => {
    const r = await predator([], ["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: predator/);
  });
});
