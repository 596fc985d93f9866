/**
 * Help conventions every `predator` command follows (issue 21): its --help ends with an example,
 * and each bounded numeric option shows its range in the help and is checked against that same
 * range when parsed, so the two cannot disagree. A value outside it is a one-line ConfigError
 * naming the option and the range (exit code 2).
 */
import { InvalidArgumentError, type Command, type Option } from "commander";
import { ConfigError } from "../../agents/runtime/errors.ts";

// The bound type and the venue's window bounds live with the venue options they validate, so the
// composition root does not import the CLI's help.
import { WINDOW_MINUTES, WINDOW_SECONDS, type Bound } from "../app/venue-options.ts";

export { WINDOW_MINUTES, WINDOW_SECONDS };
export type { Bound };
/** A fleet runs the canary, which enters 60 s before a window's end and stops at 45 s. */
export const FLEET_WINDOW_SECONDS: Bound = {
  min: 46,
  max: 3_600,
  unit: "seconds",
  why: "the canary trades only in windows over 45 s",
};
const STATUS_EVERY: Bound = { min: 1, max: 86_400, unit: "seconds" };
/** A TCP port; 0 lets the system pick a free one. */
export const PORT: Bound = { min: 0, max: 65_535, unit: "" };
/** health's wait for a heartbeat and status's listening time (their actions check the same). */
export const HEALTH_TIMEOUT_MS: Bound = { min: 100, max: 60_000, unit: "ms" };
export const STATUS_LISTEN_MS: Bound = { min: 100, max: 10_000, unit: "ms" };

/** Command path ("controls set") → option flag → its range. */
export const OPTION_BOUNDS: Readonly<Record<string, Readonly<Record<string, Bound>>>> = {
  start: {
    "--window-minutes": WINDOW_MINUTES,
    "--window-seconds": FLEET_WINDOW_SECONDS,
    "--status-every-s": STATUS_EVERY,
    "--duration-s": { min: 1, max: 31_536_000, unit: "seconds" },
    "--api-port": PORT,
  },
  up: {
    "--window-minutes": WINDOW_MINUTES,
    "--window-seconds": FLEET_WINDOW_SECONDS,
    "--status-every-s": STATUS_EVERY,
    "--api-port": PORT,
  },
  "venue-sim": { "--window-minutes": WINDOW_MINUTES, "--window-seconds": WINDOW_SECONDS },
  venue: {
    "--window-minutes": WINDOW_MINUTES,
    "--window-seconds": WINDOW_SECONDS,
    "--port": PORT,
  },
  events: {
    "--limit": { min: 1, max: 10_000, unit: "events" },
    "--for-s": { min: 1, max: 86_400, unit: "seconds" },
    "--since-minutes": { min: 1, max: 525_600, unit: "minutes" },
  },
  health: { "--timeout-ms": HEALTH_TIMEOUT_MS },
  status: { "--listen-ms": STATUS_LISTEN_MS },
};

/** One example per command, shown at the end of its --help. */
export const EXAMPLES: Readonly<Record<string, string>> = {
  contracts: "npx predator contracts --json-schema .tmp/schemas",
  agent: "NATS_URL=nats://127.0.0.1:4222 npx predator agent cro --instance cro-1",
  start: "npx predator start --seed 7 --window-seconds 70 --duration-s 120",
  migrate: "DATABASE_URL=postgres://localhost/predator npx predator migrate",
  audit: "DATABASE_URL=postgres://localhost/predator npx predator audit --json",
  "venue-sim":
    "NATS_URL=nats://127.0.0.1:4222 npx predator venue-sim --seed 11 --window-seconds 70",
  venue: "npx predator venue --port 8080 --seed 3 --latency-ms 200",
  sim: "npx predator sim --seed 42 --days 1 --chaos heavy --report .tmp/sim-42",
  campaign: "npx predator campaign --seeds 1-20 --days 1 --chaos heavy --jobs 2",
  health: "npx predator health --agent cro --timeout-ms 3000",
  replay: "npx predator replay --file recording.jsonl",
  "venue-live": "npx predator venue-live --dry-run",
  preflight: "npx predator preflight --json",
  "trade-once": "npx predator trade-once --token <token-id> --size 5",
  up: "npx predator up --seed 11 --window-seconds 70 --replicas cro=2 --api-port 8080",
  status: "npx predator status --json",
  halt: 'npx predator halt --level pause --reason "feed looks wrong"',
  resume: 'npx predator resume --reason "feed fixed"',
  controls: "npx predator controls get",
  "controls get": "npx predator controls get --json",
  "controls set": 'npx predator controls set position_cap_usd 5 --reason "smaller positions"',
  events: "npx predator events --since-minutes 30 --limit 20",
  kill: "npx predator kill strategy",
  verify: "npx predator verify canary --seed 1 --windows 20",
  "verify canary": "npx predator verify canary --seed 1 --windows 20 --out .predator/evidence",
  "verify exits": "npx predator verify exits --seed 1 --variants A,C,E --windows 5",
  drill: "npx predator drill kill-switch",
  "drill kill-switch": "DATABASE_URL=postgres://localhost/predator npx predator drill kill-switch",
  readiness: "DATABASE_URL=postgres://localhost/predator npx predator readiness --json",
  strategy: "npx predator strategy list",
  "strategy list": "npx predator strategy list --json",
  "strategy halt": 'npx predator strategy halt cheap-side --reason "review its fills"',
  "strategy resume":
    'npx predator strategy resume cheap-side --reason "kill criterion reviewed: feed bug, fixed"',
  review: "DATABASE_URL=postgres://localhost/predator npx predator review list",
  "review list":
    "DATABASE_URL=postgres://localhost/predator npx predator review list --strategy cheap-side --all",
  "review mark":
    'npx predator review mark pos-123 --reason "entry and exit as intended, fill at the ask"',
  report: "DATABASE_URL=postgres://localhost/predator npx predator report paper",
  "report paper":
    "DATABASE_URL=postgres://localhost/predator npx predator report paper --from 2026-12-01 --to 2026-12-08 --format html --out paper.html",
};

export function describeBound(b: Bound): string {
  const unit = b.unit === "" ? "" : ` ${b.unit}`;
  return `[${b.min}..${b.max}]${unit}`;
}

/** Checks a whole number against its range; the one message used by help and validation alike. */
export function checkBound(flag: string, b: Bound, value: string): string {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < b.min || n > b.max) {
    const why = b.why === undefined ? "" : ` (${b.why})`;
    throw new ConfigError(
      flag,
      `expected a whole number in ${describeBound(b)}${why}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function boundOption(option: Option, flag: string, b: Bound): void {
  // An option with its own parser (sim's --seed, campaign's --jobs) keeps it: never two checks.
  if (option.parseArg !== undefined) throw new Error(`${flag} already has a parser`);
  option.description = `${option.description} ${describeBound(b)}`;
  // A ConfigError thrown here is not commander's own: it propagates to the CLI's one-line error.
  option.argParser((value: string) => checkBound(flag, b, value));
}

/** A range as validators write it: `[1, 256]`, `(0, 3650]`, `[46..3600]`. */
const RANGE = /[[(]-?\d[\d.]*(?:, ?|\.\.)-?\d[\d.]*[\])]/;

type Parser = (value: string, previous: unknown) => unknown;

/** The range an option's own parser refuses outside of, read from its own message for "x". */
export function rangeOfParser(parse: Parser): string | undefined {
  try {
    parse("x", undefined);
  } catch (e) {
    return RANGE.exec((e as Error).message)?.[0];
  }
  return undefined;
}

/**
 * An option with its own parser (sim's --seed, verify's --windows): its help shows the range its
 * validator enforces, taken from the validator's own message so the two cannot disagree, and a
 * refusal is the CLI's one-line ConfigError naming the option instead of commander's message and
 * the whole help.
 */
function ownParser(option: Option, flag: string, parse: Parser): void {
  const range = rangeOfParser(parse);
  if (range !== undefined && !option.description.includes(range))
    option.description = `${option.description} ${range}`;
  option.argParser((value: string, previous: unknown) => {
    try {
      return parse(value, previous);
    } catch (e) {
      if (!(e instanceof InvalidArgumentError)) throw e;
      const error = new ConfigError(flag, e.message.replace(`${flag}: `, ""));
      // "--seeds 9..3: the range is empty" already names the option: kept as it is.
      if (e.message.startsWith(`${flag} `)) error.message = e.message;
      throw error;
    }
  });
}

/**
 * Walks every command: adds its example, binds its bounded options and makes every option's own
 * validation show its range and fail in one line.
 */
export function applyHelpConventions(root: Command): void {
  const walk = (cmd: Command, path: string[]): void => {
    for (const sub of cmd.commands) {
      const here = [...path, sub.name()];
      const key = here.join(" ");
      const example = EXAMPLES[key];
      if (example !== undefined) sub.addHelpText("after", `\nExample:\n  $ ${example}\n`);
      const bounds = OPTION_BOUNDS[key] ?? {};
      for (const option of sub.options) {
        const flag = option.long ?? option.short;
        if (flag === undefined) continue;
        const b = bounds[flag];
        if (b !== undefined) boundOption(option, flag, b);
        else if (option.parseArg !== undefined) ownParser(option, flag, option.parseArg);
      }
      walk(sub, here);
    }
  };
  walk(root, []);
}
