/**
 * The REST answers the live adapter consumes, other than order and trade rows (user-wire.ts), each
 * checked with zod before use (issue 17): `POST /order` (OrderResponse), the cancels
 * (`{canceled, not_canceled}`), `GET /balance-allowance`, `POST /v1/heartbeats`, the `GET
 * /markets` page and its CLOB market rows, and Gamma's `GET /events?slug=` (shared/reference/
 * polymarket-api.md §1.5, §4.5, §4.6). Parsing never throws: a body that is not understood comes
 * back with a reason naming the endpoint and the first field at fault, for the caller to count, log
 * (with a cut sample) and turn into a VenueError — never into a state change.
 */
import { z } from "zod";
import { toMicro } from "../../contracts/money.ts";
import type { VenueMarket } from "../../agents/runtime/venue.ts";

export type RestParsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** `{endpoint}: {field} {problem}` from the first zod issue. */
export function parseRest<S extends z.ZodType>(
  schema: S,
  endpoint: string,
  raw: unknown,
): RestParsed<z.infer<S>> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const field = issue === undefined || issue.path.length === 0 ? "(body)" : issue.path.join(".");
  return { ok: false, reason: `${endpoint}: ${field} ${issue?.message ?? "invalid"}` };
}

/** A 0x + hex id (an order hash: 64 digits on Polymarket; its equality to ours is checked apart). */
const hexId = z.string().regex(/^0x[0-9a-fA-F]{1,128}$/, "expected 0x + hex digits");
/** A decimal token id (a uint256). */
const tokenId = z.string().regex(/^\d{1,78}$/, "expected a decimal token id");
/** An integer amount in base units (a uint256 allowance may be 78 digits). */
const units = z.string().regex(/^\d{1,78}$/, "expected an integer amount in base units");
/** A decimal, as a string or a number ("0.01", 0.01, 5, "5"). */
const decimal = z
  .union([z.string().regex(/^\d{1,15}(\.\d+)?$/, "expected a decimal"), z.number()])
  .refine((v) => typeof v === "string" || (Number.isFinite(v) && v >= 0), "expected a decimal");
/** An ISO date, or epoch seconds/ms as a number or digit string → ms. */
const date = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = Number(v);
  const ms = typeof v === "number" || /^\d+$/.test(v) ? (n < 1e12 ? n * 1000 : n) : Date.parse(v);
  if (!Number.isFinite(ms) || ms < 0) {
    ctx.addIssue({ code: "custom", message: "expected a date" });
    return z.NEVER;
  }
  return ms;
});

/** The rows of `/data/orders` and `/data/trades` as the client returns them (its pages joined). */
export const rowsSchema = z.array(z.unknown());

// ---- POST /order ----

export const orderResponseSchema = z.object({
  success: z.boolean(),
  errorMsg: z
    .string()
    .nullish()
    .transform((v) => v ?? ""),
  orderID: z
    .union([z.literal(""), hexId])
    .nullish()
    .transform((v) => v ?? ""),
  status: z
    .string()
    .nullish()
    .transform((v) => v ?? ""),
  makingAmount: z.union([z.string(), z.number()]).optional(),
  takingAmount: z.union([z.string(), z.number()]).optional(),
  transactionsHashes: z.array(z.string()).nullish(),
  tradeIDs: z.array(z.string()).nullish(),
});
export type OrderAnswer = z.infer<typeof orderResponseSchema>;

// ---- DELETE /order, /orders, /cancel-all, /cancel-market-orders ----

export const cancelSchema = z.object({
  canceled: z
    .array(z.string().min(1))
    .nullable()
    .transform((v) => v ?? []),
  not_canceled: z
    .record(z.string(), z.string())
    .nullish()
    .transform((v) => v ?? {}),
});

// ---- GET /balance-allowance ----

/** V1 `allowance`, V2 `allowances` by spender; neither: no allowance (0, a CRO veto). */
export const balanceSchema = z.object({
  balance: units,
  allowance: units.optional(),
  allowances: z.record(z.string(), units).optional(),
});

// ---- POST /v1/heartbeats: the client's `{heartbeat_id}`, or the docs' `{status:"ok"}` ----

export const heartbeatSchema = z
  .object({ heartbeat_id: z.string().nullish(), status: z.literal("ok").optional() })
  .refine((b) => b.heartbeat_id !== undefined || b.status === "ok", {
    message: "expected heartbeat_id (or status ok)",
    path: ["heartbeat_id"],
  })
  .transform((b) => ({ heartbeat_id: b.heartbeat_id ?? null }));

// ---- GET /markets (CLOB) ----

export const marketsPageSchema = z.object({
  data: z.array(z.unknown()),
  next_cursor: z.string(),
});

/** A CLOB market object; fields not needed here are not checked. Nullable times: not a window. */
export const clobMarketSchema = z.object({
  market_slug: z.string(),
  tokens: z.array(
    z.object({ token_id: z.string(), outcome: z.string(), winner: z.boolean().optional() }),
  ),
  game_start_time: z.string().nullish(),
  accepting_order_timestamp: z.string().nullish(),
  end_date_iso: z.string().nullish(),
  minimum_tick_size: decimal.optional(),
  minimum_order_size: decimal.optional(),
  taker_base_fee: decimal.optional(),
  closed: z.boolean().optional(),
});

/** A CLOB market row as an up/down window; null when it is not one (no tokens, no times). */
export function clobWindow(m: z.infer<typeof clobMarketSchema>, now: number): VenueMarket | null {
  const up = m.tokens.find((t) => /^(up|yes)$/i.test(t.outcome)) ?? m.tokens[0];
  const down = m.tokens.find((t) => /^(down|no)$/i.test(t.outcome)) ?? m.tokens[1];
  if (up === undefined || down === undefined || m.market_slug === "") return null;
  const startTs = Date.parse(m.game_start_time ?? m.accepting_order_timestamp ?? "");
  const endTs = Date.parse(m.end_date_iso ?? "");
  if (!Number.isFinite(startTs) || !Number.isFinite(endTs)) return null;
  const closed = m.closed === true;
  return {
    windowId: m.market_slug,
    slug: m.market_slug,
    startTs,
    endTs,
    upTokenId: up.token_id,
    downTokenId: down.token_id,
    tickSize: toMicro(m.minimum_tick_size ?? "0.01"),
    minSize: toMicro(m.minimum_order_size ?? "5"),
    feeRateBps: Number(m.taker_base_fee ?? 0),
    status: closed ? "RESOLVED" : now >= startTs ? "OPEN" : "LISTED",
    outcome: closed ? (up.winner === true ? "UP" : down.winner === true ? "DOWN" : null) : null,
  };
}

// ---- Gamma GET /events?slug= ----

/** A JSON-encoded array of strings (`"[\"Up\", \"Down\"]"`), or a real array (reduced fixtures). */
const jsonStrings = z.union([z.string(), z.array(z.string())]).transform((v, ctx) => {
  if (Array.isArray(v)) return v;
  try {
    const parsed: unknown = JSON.parse(v);
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) return parsed;
  } catch {
    // reported below
  }
  ctx.addIssue({ code: "custom", message: "expected a JSON-encoded array of strings" });
  return z.NEVER;
});

export const gammaMarketSchema = z.object({
  slug: z.string().min(1),
  outcomes: jsonStrings,
  clobTokenIds: jsonStrings.pipe(z.array(tokenId).min(2, "expected two token ids")),
  eventStartTime: date.nullish(),
  endDate: date,
  closed: z.boolean(),
  outcomePrices: jsonStrings.nullish(),
  orderPriceMinTickSize: decimal,
  orderMinSize: decimal,
  takerBaseFee: decimal.nullish(),
});
export type GammaMarket = z.infer<typeof gammaMarketSchema>;

export const gammaEventsSchema = z.array(
  z.object({ slug: z.string(), markets: z.array(gammaMarketSchema).nullish() }),
);

/**
 * A Gamma market as the window of `slug`. The window starts at `eventStartTime` (the slug's own
 * timestamp when absent; `startDate` is the listing time, never the anchor — reference §4.5).
 */
export function gammaWindow(m: GammaMarket, startFallbackTs: number, now: number): VenueMarket {
  const up = Math.max(
    0,
    m.outcomes.findIndex((o) => /^(up|yes)$/i.test(o)),
  );
  const down = up === 0 ? 1 : 0;
  const startTs = m.eventStartTime ?? startFallbackTs;
  const prices = m.outcomePrices ?? [];
  const outcome = !m.closed
    ? null
    : prices[up] === "1"
      ? ("UP" as const)
      : prices[down] === "1"
        ? ("DOWN" as const)
        : null;
  return {
    windowId: m.slug,
    slug: m.slug,
    startTs,
    endTs: m.endDate,
    upTokenId: m.clobTokenIds[up] ?? "",
    downTokenId: m.clobTokenIds[down] ?? "",
    tickSize: toMicro(m.orderPriceMinTickSize),
    minSize: toMicro(m.orderMinSize),
    feeRateBps: Number(m.takerBaseFee ?? 0),
    status: m.closed ? "RESOLVED" : now >= startTs ? "OPEN" : "LISTED",
    outcome,
  };
}

// ---- the windows' deterministic slugs ----

/** `btc-updown-15m` → 900 000 ms; `s`, `m` and `h` lengths; null when it is not an instrument. */
export function instrumentWindowMs(instrument: string): number | null {
  const m = /^[a-z0-9]+-updown-(\d+)([smh])$/.exec(instrument);
  if (m === null) return null;
  const n = Number(m[1]);
  const ms = n * (m[2] === "s" ? 1_000 : m[2] === "m" ? 60_000 : 3_600_000);
  return ms > 0 ? ms : null;
}

/**
 * The slugs of the current and the next window of an instrument at `now`:
 * `{asset}-updown-{len}-{window start, unix seconds}`, starts aligned to the window length
 * (reference §4.5).
 */
export function windowSlugs(
  instrument: string,
  now: number,
): { slug: string; startTs: number }[] | null {
  const len = instrumentWindowMs(instrument);
  if (len === null) return null;
  const current = Math.floor(now / len) * len;
  return [current, current + len].map((startTs) => ({
    slug: `${instrument}-${Math.floor(startTs / 1000)}`,
    startTs,
  }));
}
