/**
 * Every `predator` command's --help ends with an example; each bounded option shows its range,
 * and the parser enforces that same range with a one-line error naming the option (exit 2).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { OPTION_BOUNDS, describeBound, rangeOfParser } from "../../../infra/cli/help.ts";

const CLI = fileURLToPath(new URL("../../../infra/cli/predator.js", import.meta.url));

let program: Command;
beforeAll(async () => {
  process.env.PREDATOR_CLI_NO_MAIN = "1";
  const { buildProgram } = await import("../../../infra/cli/cli.ts");
  program = buildProgram();
});

function commands(root: Command): [string, Command][] {
  const out: [string, Command][] = [];
  const walk = (cmd: Command, path: string[]): void => {
    for (const sub of cmd.commands) {
      const here = [...path, sub.name()];
      out.push([here.join(" "), sub]);
      walk(sub, here);
    }
  };
  walk(root, []);
  return out;
}

function helpOf(cmd: Command): string {
  let text = "";
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

describe("predator --help", () => {
  it("every command (and subcommand) ends its help with a runnable-looking example", () => {
    const all = commands(program);
    expect(all.length).toBeGreaterThan(20);
    const without = all
      .filter(
        ([, cmd]) =>
          !/\nExample:\n {2}\$ npx predator /.test(helpOf(cmd)) &&
          !/\nExample:\n {2}\$ \S+=\S+ npx predator /.test(helpOf(cmd)),
      )
      .map(([name]) => name);
    expect(without).toEqual([]);
  });

  it("names each example's own command", () => {
    for (const [name, cmd] of commands(program)) {
      expect(helpOf(cmd), name).toContain(`npx predator ${name}`);
    }
  });
});

describe("bounded options: help and validation agree", () => {
  const cases = Object.entries(OPTION_BOUNDS).flatMap(([command, flags]) =>
    Object.entries(flags).map(([flag, bound]) => ({ command, flag, bound })),
  );

  it.each(cases)("$command $flag", ({ command, flag, bound }) => {
    const cmd = commands(program).find(([name]) => name === command)?.[1];
    if (cmd === undefined) throw new Error(`no command ${command}`);
    const option = cmd.options.find((o) => o.long === flag);
    if (option === undefined) throw new Error(`${command} has no ${flag}`);
    const range = describeBound(bound);
    // Commander wraps long descriptions: compare with the whitespace folded.
    expect(helpOf(cmd).replace(/\s+/g, " ")).toContain(range);
    const parse = (v: string): unknown =>
      (option.parseArg as ((v: string, p: unknown) => unknown) | undefined)?.(v, undefined);
    expect(parse(String(bound.min))).toBe(String(bound.min));
    expect(parse(String(bound.max))).toBe(String(bound.max));
    for (const bad of [String(bound.min - 1), String(bound.max + 1), "1.5", "x"]) {
      if (bound.min === 0 && bad === "-1") continue;
      let error: unknown = null;
      try {
        parse(bad);
      } catch (e) {
        error = e;
      }
      expect(error, `${flag} ${bad}`).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(flag);
      expect((error as Error).message).toContain(range);
    }
  });
});

type Parser = (value: string, previous: unknown) => unknown;

/** Every option of every command that validates its value, found by walking the program. */
function validated(): { name: string; flag: string; parse: Parser; help: string }[] {
  return commands(program).flatMap(([name, cmd]) =>
    cmd.options.flatMap((o) => {
      const flag = o.long ?? o.short;
      const parse = o.parseArg as Parser | undefined;
      return flag === undefined || parse === undefined
        ? []
        : [{ name, flag, parse, help: helpOf(cmd).replace(/\s+/g, " ") }];
    }),
  );
}

function refusal(parse: Parser, value: string): Error | null {
  try {
    parse(value, undefined);
    return null;
  } catch (e) {
    return e as Error;
  }
}

/** `[1, 256]`, `(0, 3650]`, `[46..3600]` → its ends and whether each is included. */
function parseRange(text: string): { min: number; max: number; minIn: boolean; maxIn: boolean } {
  const m = /^([[(])(-?[\d.]+)(?:, ?|\.\.)(-?[\d.]+)([\])])$/.exec(text);
  if (m === null) throw new Error(`not a range: ${text}`);
  return { min: Number(m[2]), max: Number(m[3]), minIn: m[1] === "[", maxIn: m[4] === "]" };
}

describe("every option that validates its value (walked, not listed)", () => {
  it("finds them", () => {
    expect(validated().length).toBeGreaterThan(30);
  });

  it("refuses a bad value with a one-line ConfigError naming the option", () => {
    const wrong: string[] = [];
    for (const { name, flag, parse } of validated()) {
      const e = refusal(parse, "x");
      if (e === null) continue; // a free-form value (a seed range, a preset list) may be "x"
      if (!(e instanceof ConfigError)) wrong.push(`${name} ${flag}: ${e.name}: ${e.message}`);
      else if (!e.message.startsWith(`${flag} `) && !e.message.startsWith(`${flag}: `))
        wrong.push(`${name} ${flag}: ${e.message}`);
      else if (e.message.includes("\n")) wrong.push(`${name} ${flag}: ${e.message}`);
    }
    expect(wrong).toEqual([]);
  });

  it("shows in its help the range its validation enforces, and enforces it at both ends", () => {
    const wrong: string[] = [];
    let ranged = 0;
    for (const { name, flag, parse, help } of validated()) {
      const range = rangeOfParser(parse);
      if (range === undefined) continue;
      ranged++;
      const where = `${name} ${flag} ${range}`;
      if (!help.includes(range)) wrong.push(`${where}: not in the help`);
      const r = parseRange(range);
      const inside = [r.minIn ? r.min : null, r.maxIn ? r.max : null];
      const outside = [r.minIn ? r.min - 1 : r.min, r.maxIn ? r.max + 1 : r.max];
      for (const v of inside)
        if (v !== null && refusal(parse, String(v)) !== null) wrong.push(`${where}: refuses ${v}`);
      for (const v of outside) {
        if (v < 0) continue; // "-1" reads as an option to the parser, not a value
        const e = refusal(parse, String(v));
        if (!(e instanceof ConfigError) || !e.message.startsWith(`${flag}: `))
          wrong.push(`${where}: ${v} not refused by a ConfigError naming ${flag}`);
        else if (!e.message.includes(range)) wrong.push(`${where}: message lacks the range`);
      }
    }
    expect(ranged).toBeGreaterThan(20);
    expect(wrong).toEqual([]);
  });
});

describe("the CLI process", () => {
  it("start --window-seconds 30 fails at once: one line naming the option and its range, exit 2", () => {
    const r = spawnSync(process.execPath, [CLI, "start", "--window-seconds", "30"], {
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, NATS_URL: "", DATABASE_URL: "", PREDATOR_CLI_NO_MAIN: "" },
    });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      'predator: --window-seconds: expected a whole number in [46..3600] seconds (the canary trades only in windows over 45 s), got "30"',
    );
    expect(r.stdout).toBe("");
  });

  it("an option with its own validator fails the same way: one line, no help dump, exit 2", () => {
    const r = spawnSync(process.execPath, [CLI, "verify", "canary", "--window-seconds", "30"], {
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, PREDATOR_CLI_NO_MAIN: "" },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("predator: --window-seconds: expected an integer in [90, 3600]\n");
    expect(r.stdout).toBe("");
  });
});
