/**
 * The commands a supervisor or Docker starts over and over (an agent, the simulated venue, the
 * migration, the healthcheck) load only their own modules (infra/cli/one.ts), not the whole CLI:
 * a restarted agent is up sooner. Checked on the real `predator` entry, recording every module
 * the process resolves.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../../../infra/cli/predator.js", import.meta.url));
/** Prints every module URL the process resolves, one per line, on stderr at exit. */
const RECORD = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from "node:module";
const seen = [];
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
process.on("exit", () => process.stderr.write("\\n" + seen.map((u) => "module " + u).join("\\n") + "\\n"));
`)}`;

function modulesOf(args: string[]): { status: number | null; stdout: string; modules: string[] } {
  const run = spawnSync(process.execPath, ["--import", RECORD, CLI, ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  const modules = run.stderr
    .split("\n")
    .filter((l) => l.startsWith("module "))
    .map((l) => l.slice("module ".length));
  return { status: run.status, stdout: run.stdout, modules };
}

describe("predator <one command>", () => {
  it.each(["agent", "health", "venue-sim", "migrate"])(
    "`%s` loads its command alone: not the whole CLI, the console or the reports",
    (command) => {
      const { status, stdout, modules } = modulesOf([command, "--help"]);
      expect(status).toBe(0);
      expect(stdout).toContain(`Usage: predator ${command}`);
      expect(modules.some((u) => u.endsWith(`/infra/cli/commands/${command}.ts`))).toBe(true);
      expect(modules.filter((u) => /\/infra\/cli\/cli\.ts$/.test(u))).toEqual([]);
      expect(modules.filter((u) => /\/infra\/app\/console\/|\/infra\/report\//.test(u))).toEqual(
        [],
      );
      expect(modules.filter((u) => u.includes("/node_modules/fastify/"))).toEqual([]);
    },
  );

  it("every other command still gets the whole CLI", () => {
    const { status, stdout, modules } = modulesOf(["status", "--help"]);
    expect(status).toBe(0);
    expect(stdout).toContain("Usage: predator status");
    expect(modules.some((u) => /\/infra\/cli\/cli\.ts$/.test(u))).toBe(true);
  });
});
