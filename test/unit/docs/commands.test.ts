/**
 * Every command README.md and docs/*.md show is run by a test or a CI step (issue 21). The
 * commands are found generically (doc-commands.ts); each one's key must be in command-coverage.ts,
 * whose `test` entries are checked against the files they name. Beyond the table, this test:
 * - parses every `predator …` command shown with the real program (its actions replaced): the
 *   command exists, every option it names exists, and a literal line's values pass the option's
 *   own validation (bounds included), so a doc cannot show a command the CLI would refuse;
 * - runs every `predator <command> --help` a doc names and checks it ends with an example;
 * - runs `npx predator --help` through npx, `predator strategy list` and `predator contracts`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { COVERAGE } from "./command-coverage.ts";
import {
  ROOT,
  allDocCommands,
  commandKeys,
  extractCommands,
  isPlaceholder,
  predatorArgs,
  withoutEnv,
  words,
  type DocCommand,
} from "./doc-commands.ts";

let buildProgram: () => Command;
beforeAll(async () => {
  process.env.PREDATOR_CLI_NO_MAIN = "1";
  ({ buildProgram } = await import("../../../infra/cli/cli.ts"));
});

const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

const where = (c: DocCommand): string => `${c.file}:${c.line} \`${c.text}\``;

/** The command a path of names leads to, or undefined. */
function find(program: Command, key: string): Command | undefined {
  let cmd: Command | undefined = program;
  for (const name of key.split(" ").slice(1)) cmd = cmd?.commands.find((c) => c.name() === name);
  return cmd;
}

function helpOf(cmd: Command): string {
  let text = "";
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

/** The program with every action replaced: parsing validates, nothing runs. */
function dryProgram(): { program: Command; ran: string[] } {
  const program = buildProgram();
  const ran: string[] = [];
  const walk = (cmd: Command, path: string[]): void => {
    for (const sub of cmd.commands) {
      const here = [...path, sub.name()];
      sub.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
      if (sub.commands.length === 0) sub.action(() => void ran.push(here.join(" ")));
      walk(sub, here);
    }
  };
  program.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  walk(program, []);
  return { program, ran };
}

describe("the commands the docs show", () => {
  const commands = allDocCommands();

  it("are found in fenced shell blocks and inline code", () => {
    expect(commands.filter((c) => c.source === "block").length).toBeGreaterThan(5);
    expect(commands.filter((c) => c.source === "inline").length).toBeGreaterThan(50);
    expect(commands.some((c) => c.file === "README.md" && c.text === "npm start")).toBe(true);
  });

  it("extraction: prompts, comments, continuations, console output and table pipes", () => {
    const md = [
      "Run `npx predator status --json`, not `predator up: console at x` (output).",
      "| `npx predator strategy list\\|halt` | table |",
      "```console",
      "$ npx predator sim --seed 1 \\",
      "    --days 0.01   # short",
      "sim seed 1: running",
      "```",
      "```ts",
      "npm start",
      "```",
      "```sh",
      "# a comment",
      'npm start -- --seed 7 # "quoted # kept"',
      "```",
    ].join("\n");
    expect(extractCommands("x.md", md).map((c) => [c.line, c.text, c.source])).toEqual([
      [1, "npx predator status --json", "inline"],
      [2, "npx predator strategy list|halt", "inline"],
      [4, "npx predator sim --seed 1 --days 0.01", "block"],
      [13, "npm start -- --seed 7", "block"],
    ]);
  });

  it("each has an entry in the coverage table (a new command needs one)", () => {
    const program = buildProgram();
    const missing = commands.flatMap((c) =>
      commandKeys(c.text, program)
        .filter((k) => COVERAGE[k] === undefined)
        .map((k) => `${where(c)} → key "${k}"`),
    );
    expect(missing).toEqual([]);
  });

  it("the table has no entry that no doc uses", () => {
    const program = buildProgram();
    const used = new Set(commands.flatMap((c) => commandKeys(c.text, program)));
    expect(Object.keys(COVERAGE).filter((k) => !used.has(k))).toEqual([]);
  });

  it("each test the table names exists and contains what it claims to run", () => {
    const lies = Object.entries(COVERAGE).flatMap(([key, cov]) => {
      if (!("test" in cov)) return [];
      const file = join(ROOT, cov.test);
      if (!existsSync(file)) return [`${key}: no ${cov.test}`];
      return readFileSync(file, "utf8").includes(cov.evidence)
        ? []
        : [`${key}: ${cov.test} does not contain ${cov.evidence}`];
    });
    expect(lies).toEqual([]);
  });

  it("the tests the table names run in `npm test`, or say which variable opts them in", () => {
    const config = readFileSync(join(ROOT, "vitest.config.ts"), "utf8");
    const docker = readFileSync(join(ROOT, ".ci/docker-tests"), "utf8");
    const wrong: string[] = [];
    for (const [key, cov] of Object.entries(COVERAGE)) {
      if (!("test" in cov) || !cov.test.startsWith("test/")) continue;
      const dir = cov.test.slice(0, cov.test.lastIndexOf("/") + 1);
      const excluded = config.includes(`"${cov.test}"`) || config.includes(`"${dir}**"`);
      if (!cov.test.endsWith(".test.ts")) wrong.push(`${key}: ${cov.test} is not a test file`);
      else if (excluded !== (cov.optIn !== undefined))
        wrong.push(
          `${key}: ${cov.test} ${excluded ? "is opt-in: say which variable" : "runs by default"}`,
        );
      else if (cov.optIn !== undefined && !config.includes(`process.env.${cov.optIn} === "1"`))
        wrong.push(`${key}: vitest.config.ts does not read ${cov.optIn}`);
      else if (cov.optIn === "PREDATOR_DOCKER_TESTS" && !docker.includes(`${cov.optIn}=1`))
        wrong.push(`${key}: .ci/docker-tests does not set ${cov.optIn}`);
    }
    expect(wrong).toEqual([]);
  });

  it("few need what CI cannot have, each with a reason", () => {
    const manual = Object.entries(COVERAGE).filter(([, c]) => "manual" in c);
    expect(manual.length).toBeLessThanOrEqual(5);
    for (const [key, c] of manual) expect("manual" in c && c.manual.length > 20, key).toBe(true);
  });

  it("every predator command shown exists, with the options it names", () => {
    const program = buildProgram();
    const bad: string[] = [];
    for (const c of commands) {
      const args = predatorArgs(c.text);
      if (args === null) continue;
      for (const key of commandKeys(c.text, program)) {
        const cmd = find(program, key);
        if (cmd === undefined || key.includes("(unknown command)")) {
          bad.push(`${where(c)}: no command ${key}`);
          continue;
        }
        const known = new Set(["--help", "-h", "--version"]);
        for (const o of cmd.options) {
          if (o.long !== undefined) known.add(o.long);
          if (o.short !== undefined) known.add(o.short);
        }
        for (const w of args) {
          const flag =
            w
              .replace(/^\[+/, "")
              .replace(/[\]…]+$/, "")
              .split("=")[0] ?? "";
          if (flag.startsWith("-") && flag !== "--" && !known.has(flag))
            bad.push(`${where(c)}: ${key} has no option ${flag}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it("every literal predator command shown parses: values within the option's bounds", async () => {
    const literal = commands.filter((c) => {
      const args = predatorArgs(c.text);
      return args !== null && args.length > 0 && !args.some(isPlaceholder);
    });
    expect(literal.length).toBeGreaterThan(10);
    const refused: string[] = [];
    for (const c of literal) {
      const { program, ran } = dryProgram();
      const args = predatorArgs(c.text) ?? [];
      try {
        await program.parseAsync(args, { from: "user" });
        if (ran.length !== 1 && !args.includes("--help"))
          refused.push(`${where(c)}: ran ${ran.join(", ")}`);
      } catch (e) {
        const err = e as Error & { code?: string };
        // A command named in prose (`predator resume`) may leave out a required option; a block
        // shows what to type, and nothing may name an unknown option or a refused value.
        const mention =
          c.source === "inline" && err.code === "commander.missingMandatoryOptionValue";
        if (err.code !== "commander.helpDisplayed" && !mention)
          refused.push(`${where(c)}: ${err.message}`);
      }
    }
    expect(refused).toEqual([]);
  });

  it("every predator command named has --help ending with an example", () => {
    const program = buildProgram();
    const keys = new Set(
      commands.flatMap((c) => (predatorArgs(c.text) === null ? [] : commandKeys(c.text, program))),
    );
    expect(keys.size).toBeGreaterThan(20);
    const without = [...keys].filter((k) => {
      const cmd = find(program, k);
      return k !== "predator" && (cmd === undefined || !/\nExample:\n {2}\$ /.test(helpOf(cmd)));
    });
    expect(without).toEqual([]);
  });

  it("every `npm run` script shown is in package.json", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    const program = buildProgram();
    const missing = commands.flatMap((c) =>
      commandKeys(c.text, program)
        .filter((k) => k.startsWith("npm run ") && pkg.scripts[k.slice(8)] === undefined)
        .map((k) => `${where(c)}: no script ${k.slice(8)}`),
    );
    expect(missing).toEqual([]);
  });

  it("`export` lines set only variables the code reads", () => {
    const sources = ["agents", "infra", "bus", "contracts"].flatMap((d) =>
      readdirSync(join(ROOT, d), { recursive: true, encoding: "utf8" }),
    ).length;
    expect(sources).toBeGreaterThan(0);
    const code = ["agents", "infra", "bus", "contracts"]
      .flatMap((d) =>
        readdirSync(join(ROOT, d), { recursive: true, encoding: "utf8" })
          .filter((f) => f.endsWith(".ts"))
          .map((f) => readFileSync(join(ROOT, d, f), "utf8")),
      )
      .join("\n");
    for (const c of commands) {
      const ws = withoutEnv(words(c.text));
      if (ws[0] !== "export") continue;
      for (const assignment of ws.slice(1)) {
        const name = assignment.split("=")[0] ?? "";
        if (name === "PATH") continue;
        expect(code.includes(name), `${where(c)}: ${name} is read nowhere`).toBe(true);
      }
    }
  });
});

describe("commands run here", () => {
  it("`npx predator --help`, through npx as a new user runs it", () => {
    const r = spawnSync("npx", ["--no-install", "predator", "--help"], {
      cwd: ROOT,
      env: { ...process.env, PREDATOR_CLI_NO_MAIN: "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: predator \[options\] \[command\]/);
    for (const cmd of buildProgram().commands) expect(r.stdout).toContain(`  ${cmd.name()} `);
  }, 60_000);

  it("`predator strategy list` prints every manifest", async () => {
    const out: string[] = [];
    const write = vi
      .spyOn(process.stdout, "write")
      .mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    try {
      await buildProgram().parseAsync(["strategy", "list"], { from: "user" });
    } finally {
      write.mockRestore();
    }
    expect(out.join("")).toMatch(/^cheap-side \d+\.\d+\.\d+: win rate/m);
  });

  it("`predator contracts --json-schema DIR` writes a schema per message type", async () => {
    const dir = mkdtempSync(join(tmpdir(), "predator-doc-contracts-"));
    tmp.push(dir);
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await buildProgram().parseAsync(["contracts", "--json-schema", dir], { from: "user" });
    } finally {
      write.mockRestore();
    }
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(10);
    expect(files.filter((f) => !f.endsWith(".schema.json"))).toEqual(["index.json"]);
  });
});
