/**
 * The shell commands README.md and docs/*.md show, found generically (issue 21: "every command
 * shown in them is run by a test or a CI step"):
 *
 * - every line of a fenced block whose language is sh, bash, shell, zsh or console (a `$ ` prompt
 *   is dropped; in a console block only prompted lines count, the rest is output; `#` comments are
 *   dropped, `\` continuations joined);
 * - every inline code span that starts with a program a reader would type: `npx …`, `npm …`,
 *   `predator …`, `node …`, `docker compose …`, `.ci/…`, `export …`, optionally after `VAR=value`
 *   assignments. A span like `predator up: console at …` is output, not a command.
 *
 * Each command gets a key (`predator halt`, `npm run bench`, `docker compose up`, `.ci/run`…) that
 * test/unit/docs/command-coverage.ts maps to what runs it.
 */
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export function docFiles(): string[] {
  return [
    "README.md",
    ...readdirSync(join(ROOT, "docs"))
      .filter((f) => f.endsWith(".md"))
      .sort()
      .map((f) => `docs/${f}`),
  ];
}

export interface DocCommand {
  readonly file: string;
  readonly line: number;
  /** The command as shown, `\|` (a pipe escaped in a table) unescaped. */
  readonly text: string;
  readonly source: "block" | "inline";
}

const SHELL_LANGS = new Set(["sh", "bash", "shell", "zsh", "console", "shell-session"]);

/** A code span that is a command: a program a reader would type, maybe after VAR=value. */
const INLINE_COMMAND =
  /^(?:[A-Z][A-Z0-9_]*=\S+\s+)*(?:npx\s|npm\s|predator(?:\s|$)|node\s|docker\s+compose(?:\s|$)|\.ci\/\S+$|\.ci\/\S+\s|export\s)/;

/** `.ci/node-version` is a file the text names, `.ci/run` a script a reader runs. */
function isDataFile(span: string): boolean {
  if (!span.startsWith(".ci/")) return false;
  try {
    accessSync(join(ROOT, span.split(/\s/)[0] ?? ""), constants.X_OK);
    return false;
  } catch {
    return true;
  }
}

/** Drops a trailing `# comment` that is not inside quotes. */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1] ?? ""))) return line.slice(0, i);
  }
  return line;
}

export function extractCommands(file: string, text: string): DocCommand[] {
  const out: DocCommand[] = [];
  const lines = text.split("\n");
  let fence: { marker: string; lang: string } | null = null;
  let pending: { line: number; text: string } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    const open = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(raw);
    if (fence === null) {
      if (open !== null) {
        fence = { marker: open[1] ?? "```", lang: (open[2] ?? "").toLowerCase() };
        continue;
      }
      for (const span of inlineSpans(raw)) {
        const t = span.replace(/\\\|/g, "|").trim();
        if (INLINE_COMMAND.test(t) && !/^predator [\w-]+:/.test(t) && !isDataFile(t))
          out.push({ file, line: i + 1, text: t, source: "inline" });
      }
      continue;
    }
    if (raw.trim().startsWith(fence.marker)) {
      fence = null;
      continue;
    }
    if (!SHELL_LANGS.has(fence.lang)) continue;
    let body = raw;
    if (fence.lang === "console" || fence.lang === "shell-session") {
      if (pending === null) {
        const prompt = /^\s*\$\s+(.*)$/.exec(raw);
        if (prompt === null) continue; // output
        body = prompt[1] ?? "";
      }
    } else body = raw.replace(/^\s*\$\s+/, "");
    body = stripComment(body).trimEnd();
    const held: { line: number; text: string } | null = pending;
    const start: number = held?.line ?? i + 1;
    const joined: string = held === null ? body.trim() : `${held.text} ${body.trim()}`;
    if (joined.endsWith("\\")) {
      pending = { line: start, text: joined.slice(0, -1).trimEnd() };
      continue;
    }
    pending = null;
    if (joined !== "") out.push({ file, line: start, text: joined, source: "block" });
  }
  return out;
}

/** The `code` spans of one line (single backticks; a double-backtick span is taken whole). */
function inlineSpans(line: string): string[] {
  return [...line.matchAll(/(`+)([^`]+?)\1(?!`)/g)].map((m) => m[2] ?? "");
}

export function allDocCommands(): DocCommand[] {
  return docFiles().flatMap((f) => extractCommands(f, readFileSync(join(ROOT, f), "utf8")));
}

/** Shell words of a command; quotes removed. Pipes, `&&` and `;` end the first command. */
export function words(command: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | null = null;
  let has = false;
  for (const c of command) {
    if (quote !== null) {
      if (c === quote) quote = null;
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur !== "") out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has || cur !== "") out.push(cur);
  return out;
}

/** The words after leading `VAR=value` assignments. */
export function withoutEnv(ws: readonly string[]): string[] {
  let i = 0;
  while (i < ws.length && /^[A-Z][A-Z0-9_]*=/.test(ws[i] ?? "")) i++;
  return ws.slice(i);
}

/**
 * A predator invocation inside a command: the words after `predator` (or `npx predator`), or
 * after `npm start --` (which runs `predator start`). Null when the command is not one.
 */
export function predatorArgs(command: string): string[] | null {
  const ws = withoutEnv(words(command));
  if (ws[0] === "npx" && ws[1] === "predator") return ws.slice(2);
  if (ws[0] === "predator") return ws.slice(1);
  if (ws[0] === "npm" && ws[1] === "start") {
    const dash = ws.indexOf("--");
    return ["start", ...(dash < 0 ? [] : ws.slice(dash + 1))];
  }
  return null;
}

/** A word that stands for something the reader fills in (synopsis, not a literal value). */
export function isPlaceholder(word: string): boolean {
  return (
    /[<>…[\]|]/.test(word) || /^[A-Z][A-Z0-9_]*$/.test(word) || word === "..." || word.includes("…")
  );
}

/** The part of a command's tree a doc names: a command and its subcommands, found by name. */
export interface CommandNode {
  name(): string;
  readonly commands: readonly CommandNode[];
}

/**
 * The keys of one doc command: `predator <subcommand path>` for each alternative a synopsis offers
 * (`predator strategy halt|resume` is two), `npm start`, `npm run <script>`, `docker compose <verb>`,
 * or the program's first word (`.ci/run`, `export`, `node`).
 */
export function commandKeys(command: string, program: CommandNode): string[] {
  const args = predatorArgs(command);
  const ws = withoutEnv(words(command));
  if (args !== null && !(ws[0] === "npm" && ws[1] === "start")) {
    const keys: string[] = [];
    const walk = (node: CommandNode, path: string[], rest: string[]): void => {
      const head = rest[0];
      if (head === undefined || head.startsWith("-") || node.commands.length === 0) {
        keys.push(["predator", ...path].join(" "));
        return;
      }
      const subs = head.replace(/^\[|\]$/g, "").split("|");
      const found = subs.map((s) => node.commands.find((c) => c.name() === s));
      if (found.every((c) => c === undefined)) {
        // an argument of the command itself (`kill strategy`), or an unknown subcommand
        if (path.length === 0) keys.push(`predator ${head} (unknown command)`);
        else keys.push(["predator", ...path].join(" "));
        return;
      }
      for (let i = 0; i < subs.length; i++) {
        const sub = found[i];
        if (sub === undefined)
          keys.push(`predator ${[...path, subs[i]].join(" ")} (unknown command)`);
        else walk(sub, [...path, sub.name()], rest.slice(1));
      }
    };
    walk(program, [], args);
    return keys;
  }
  if (ws[0] === "npm") {
    if (ws[1] === "run") return [`npm run ${ws[2] ?? ""}`];
    return [`npm ${ws[1] ?? ""}`];
  }
  if (ws[0] === "npx") return [`npx ${ws[1] ?? ""}`];
  if (ws[0] === "docker" && ws[1] === "compose") {
    const verb = ws
      .slice(2)
      .find((w, i, a) => !w.startsWith("-") && !a[i - 1]?.match(/^--(env-file|profile)$/));
    return [`docker compose ${verb ?? ""}`.trim()];
  }
  return [ws[0] ?? ""];
}
