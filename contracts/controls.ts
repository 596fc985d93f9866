/**
 * Runtime controls: operator-settable values in the runtime_controls table. The CRO re-reads them
 * at least every second, so a change takes effect without a restart. Every key has a parser that
 * turns the stored string into a typed value or a clear error; unknown keys are refused.
 */
import { z } from "zod";
import { toMicro } from "./money.ts";

const usd = z
  .string()
  .regex(/^\d+(\.\d{1,6})?$/, "expected dollars, e.g. 5 or 12.50")
  .transform((s) => toMicro(s));
const price = z
  .string()
  .regex(/^0?\.\d{1,6}$/, "expected a price between 0 and 1, e.g. 0.05")
  .transform((s) => toMicro(s));
const count = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "expected a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const list = z
  .string()
  .regex(/^(\*|[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*)$/, 'expected "*" or a comma-separated list')
  .transform((s) => (s === "*" ? ["*"] : s.split(",")));
const onOff = z.enum(["on", "off"], { error: 'expected "on" or "off"' });

export const controlSchemas = {
  /** "on" halts everything (HALTED) until switched off and resumed by an operator. */
  kill_switch: onOff,
  /** The mode the operator allows; entries are vetoed when the fleet runs in another mode. */
  trading_mode: z.enum(["paper", "dry-run", "live", "sim"]),
  position_cap_usd: usd,
  orders_per_window_max: count(0, 100),
  daily_drawdown_usd: usd,
  session_loss_usd: usd,
  /** Instrument slug prefixes (e.g. btc-updown-15m), or "*". */
  allowed_instruments: list,
  allowed_strategies: list,
  order_rate_per_min: count(0, 10_000),
  price_min: price,
  price_max: price,
  feed_stale_ms: count(100, 600_000),
  agent_timeout_ms: count(100, 600_000),
  approval_ttl_ms: count(100, 600_000),
  /** auto: resume after an automatic halt once every agent is back and reconciliation is clean. */
  recovery_policy: z.enum(["auto", "manual"]),
  /** Stop-loss and take-profit of the exit policy, as fractions of entry price. */
  stop_loss_pct: count(0, 100),
  take_profit_pct: count(0, 1000),
} as const;

export type ControlKey = keyof typeof controlSchemas;

/**
 * What each control means and the form it takes, for people: docs/configuration.md is generated
 * from this, the schemas and CONTROL_DEFAULTS (`npm run docs:config`), so it cannot drift. The
 * type makes a new control without an entry here a compile error.
 */
export const CONTROL_DOCS: Record<ControlKey, { form: string; meaning: string }> = {
  kill_switch: {
    form: "on | off",
    meaning: "on: HALTED with the operator hold until switched off and resumed by an operator",
  },
  trading_mode: {
    form: "paper | dry-run | live | sim",
    meaning: "the mode the operator allows; entries are vetoed when the fleet runs in another",
  },
  position_cap_usd: { form: "dollars", meaning: "the most one position may commit" },
  orders_per_window_max: {
    form: "whole number 0–100",
    meaning: "entries per window per instrument",
  },
  daily_drawdown_usd: {
    form: "dollars",
    meaning: "daily PnL at or below minus this pauses trading until the next UTC day",
  },
  session_loss_usd: {
    form: "dollars",
    meaning: "session PnL at or below minus this pauses trading",
  },
  allowed_instruments: {
    form: '"*" or comma-separated slug prefixes',
    meaning: "instruments entries may be made in (e.g. btc-updown-15m)",
  },
  allowed_strategies: {
    form: '"*" or comma-separated names',
    meaning: "strategies whose entries the CRO may approve",
  },
  order_rate_per_min: { form: "whole number 0–10000", meaning: "entries approved per minute" },
  price_min: { form: "price 0–1", meaning: "no entry below this limit price" },
  price_max: { form: "price 0–1", meaning: "no entry above this limit price" },
  feed_stale_ms: {
    form: "milliseconds 100–600000",
    meaning: "a feed silent this long is stale: no entries",
  },
  agent_timeout_ms: {
    form: "milliseconds 100–600000",
    meaning: "a required agent silent this long is down: trading pauses (hang detection)",
  },
  approval_ttl_ms: {
    form: "milliseconds 100–600000",
    meaning: "an approval not used within this long expires",
  },
  recovery_policy: {
    form: "auto | manual",
    meaning:
      "auto: resume after an automatic halt once the evidence is clean; manual: an operator resumes (docs/recovery-policy.md)",
  },
  stop_loss_pct: {
    form: "whole percent 0–100",
    meaning: "exit when the mark falls this far below entry (0: off)",
  },
  take_profit_pct: {
    form: "whole percent 0–1000",
    meaning: "exit when the mark rises this far above entry (0: off)",
  },
};
export type Controls = { [K in ControlKey]: z.output<(typeof controlSchemas)[K]> };

export const CONTROL_DEFAULTS: Record<ControlKey, string> = {
  kill_switch: "off",
  trading_mode: "paper",
  position_cap_usd: "5",
  orders_per_window_max: "2",
  daily_drawdown_usd: "20",
  session_loss_usd: "15",
  allowed_instruments: "btc-updown-15m",
  allowed_strategies: "canary,momentum",
  order_rate_per_min: "30",
  price_min: "0.02",
  price_max: "0.98",
  feed_stale_ms: "5000",
  agent_timeout_ms: "800",
  approval_ttl_ms: "3000",
  recovery_policy: "auto",
  stop_loss_pct: "10",
  take_profit_pct: "30",
};

export const controlKeys = Object.keys(controlSchemas) as ControlKey[];

export function isControlKey(key: string): key is ControlKey {
  return Object.hasOwn(controlSchemas, key);
}

/** Parses one control value; a typed error message otherwise. */
export function parseControl(
  key: string,
  value: string,
): { ok: true; key: ControlKey; value: unknown } | { ok: false; error: string } {
  if (!isControlKey(key)) {
    return { ok: false, error: `unknown control "${key}" (known: ${controlKeys.join(", ")})` };
  }
  const result = controlSchemas[key].safeParse(value);
  if (!result.success) {
    return { ok: false, error: `${key}: ${result.error.issues[0]?.message ?? "invalid"}` };
  }
  return { ok: true, key, value: result.data };
}

/**
 * Resolves stored rows over the defaults. A stored value that no longer parses is reported and the
 * default is NOT silently used for it: the caller gets the error list and should fail closed.
 */
export function resolveControls(rows: ReadonlyArray<{ key: string; value: string }>): {
  controls: Controls;
  errors: string[];
} {
  const raw: Record<string, string> = { ...CONTROL_DEFAULTS };
  for (const row of rows) if (isControlKey(row.key)) raw[row.key] = row.value;
  // The CRO resolves the same rows every second or so: parse each distinct set once.
  const signature = JSON.stringify(controlKeys.map((key) => raw[key]));
  let resolved = resolvedCache.get(signature);
  if (resolved === undefined) {
    if (resolvedCache.size >= RESOLVED_CACHE_MAX) resolvedCache.clear();
    resolved = parseAll(raw);
    resolvedCache.set(signature, resolved);
  }
  // Callers own what they get: lists are copied, the rest are primitives.
  const controls: Record<string, unknown> = {};
  for (const key of controlKeys) {
    const value = resolved.controls[key];
    controls[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
  }
  return { controls: controls as Controls, errors: [...resolved.errors] };
}

const RESOLVED_CACHE_MAX = 64;
const resolvedCache = new Map<string, { controls: Controls; errors: string[] }>();

function parseAll(raw: Record<string, string>): { controls: Controls; errors: string[] } {
  const errors: string[] = [];
  const out: Record<string, unknown> = {};
  for (const key of controlKeys) {
    const parsed = parseControl(key, raw[key] ?? CONTROL_DEFAULTS[key]);
    if (parsed.ok) out[key] = parsed.value;
    else {
      errors.push(parsed.error);
      out[key] = controlSchemas[key].parse(CONTROL_DEFAULTS[key]);
    }
  }
  return { controls: out as Controls, errors };
}
