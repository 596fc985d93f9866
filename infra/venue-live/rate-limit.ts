/**
 * Polymarket's rate limits per endpoint class, as a token bucket per class: the live adapter
 * throttles itself with them (and backs off on a 429, honouring `retry_after_seconds` /
 * `Retry-After`), and the Polymarket-compatible venue can enforce them to answer 429 (off by
 * default in paper). Pure: time comes from the caller (a Clock), jitter from an Rng draw.
 *
 * The numbers follow Polymarket's "API rate limits" docs page (requests per 10 s, burst) as far as
 * it is known here; the shared reference (polymarket-api.md §1.9) confirms only the 429 and its
 * text, so every number is configurable and treated as UNCONFIRMED.
 */

export const RATE_CLASSES = [
  "order",
  "orders",
  "cancel",
  "cancel-all",
  "book",
  "price",
  "batch-read",
  "markets",
  "data-orders",
  "data-trades",
  "balance",
  "heartbeat",
  "auth",
  "gamma",
  "general",
] as const;
export type RateClass = (typeof RATE_CLASSES)[number];

export interface RateRule {
  /** Requests allowed per window (the bucket's size). */
  limit: number;
  windowMs: number;
}

const TEN_S = 10_000;
export const POLYMARKET_RATE_LIMITS: Record<RateClass, RateRule> = {
  order: { limit: 3_500, windowMs: TEN_S },
  orders: { limit: 1_000, windowMs: TEN_S },
  cancel: { limit: 3_000, windowMs: TEN_S },
  "cancel-all": { limit: 250, windowMs: TEN_S },
  book: { limit: 1_500, windowMs: TEN_S },
  price: { limit: 1_500, windowMs: TEN_S },
  "batch-read": { limit: 500, windowMs: TEN_S },
  markets: { limit: 250, windowMs: TEN_S },
  "data-orders": { limit: 500, windowMs: TEN_S },
  "data-trades": { limit: 500, windowMs: TEN_S },
  balance: { limit: 200, windowMs: TEN_S },
  heartbeat: { limit: 500, windowMs: TEN_S },
  auth: { limit: 100, windowMs: TEN_S },
  /** Gamma's `/events` (its own host on Polymarket); the number is UNCONFIRMED. */
  gamma: { limit: 500, windowMs: TEN_S },
  general: { limit: 9_000, windowMs: TEN_S },
};

/** The class of one CLOB request, by method and path (no query string). */
export function rateClassOf(method: string, path: string): RateClass {
  const m = method.toUpperCase();
  if (path === "/order") return m === "POST" ? "order" : "cancel";
  if (path === "/orders") return m === "POST" ? "orders" : "cancel";
  if (path === "/cancel-all" || path === "/cancel-market-orders") return "cancel-all";
  if (path === "/book") return "book";
  if (path === "/price" || path === "/midpoint" || path === "/spread") return "price";
  if (
    ["/books", "/prices", "/midpoints", "/spreads", "/last-trades-prices"].includes(path) &&
    m === "POST"
  ) {
    return "batch-read";
  }
  if (/^\/(sampling-|simplified-)?(simplified-)?markets/.test(path)) return "markets";
  if (path.startsWith("/data/order")) return "data-orders";
  if (path.startsWith("/data/trades")) return "data-trades";
  if (path.startsWith("/balance-allowance")) return "balance";
  if (path.endsWith("/heartbeats")) return "heartbeat";
  if (path.startsWith("/auth/")) return "auth";
  if (path === "/events" || path.startsWith("/events/")) return "gamma";
  return "general";
}

/** A bucket of `limit` tokens refilled evenly over `windowMs`. */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rule: RateRule,
    now: number,
  ) {
    if (!(rule.limit >= 1) || !(rule.windowMs >= 1)) {
      throw new RangeError(`rate rule needs limit >= 1 and windowMs >= 1: ${JSON.stringify(rule)}`);
    }
    this.tokens = rule.limit;
    this.at = now;
  }

  /** Takes a token: 0 when granted, else the ms until one is available (nothing taken). */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    const perMs = this.rule.limit / this.rule.windowMs;
    return Math.max(1, Math.ceil((1 - this.tokens) / perMs));
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.at);
    this.tokens = Math.min(
      this.rule.limit,
      this.tokens + (elapsed * this.rule.limit) / this.rule.windowMs,
    );
    this.at = now;
  }
}

/** Buckets by key (an API key, an address, a class), created on first use. */
export class RateTable {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly rules: Record<RateClass, RateRule>) {}

  /** 0 when the request may go, else the ms to wait before a retry can succeed. */
  take(cls: RateClass, key: string, now: number): number {
    const id = `${cls} ${key}`;
    let b = this.buckets.get(id);
    if (b === undefined) {
      b = new TokenBucket(this.rules[cls], now);
      this.buckets.set(id, b);
    }
    return b.take(now);
  }
}

/** Rules with overrides applied; unknown classes or bad numbers are refused by name. */
export function rateRules(
  overrides: Partial<Record<string, RateRule>> = {},
): Record<RateClass, RateRule> {
  const out = { ...POLYMARKET_RATE_LIMITS };
  for (const [name, rule] of Object.entries(overrides)) {
    if (!(RATE_CLASSES as readonly string[]).includes(name)) {
      throw new RangeError(`unknown rate class ${name}; known: ${RATE_CLASSES.join(", ")}`);
    }
    if (rule === undefined) continue;
    if (
      !Number.isInteger(rule.limit) ||
      rule.limit < 1 ||
      !Number.isInteger(rule.windowMs) ||
      rule.windowMs < 1
    ) {
      throw new RangeError(`rate class ${name}: limit and windowMs must be positive integers`);
    }
    out[name as RateClass] = rule;
  }
  return out;
}
