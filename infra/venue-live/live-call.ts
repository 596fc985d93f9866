/**
 * How the live venue (live-venue.ts) sends one request: under the caller's timeout and
 * Polymarket's rate limits (throttle.ts), with the client's error bodies turned into outcomes, and
 * every answer checked against its schema (rest-wire.ts) — a malformed one counted and logged once
 * with a cut sample, never used.
 */
import type { Clock } from "../../bus/clock.ts";
import type { CallOptions, PlaceResult, RejectCode } from "../../agents/runtime/venue.ts";
import { VenueError } from "../../agents/runtime/venue.ts";
import type { LiveVenueDeps } from "./settings.ts";
import { type RateClass } from "./rate-limit.ts";
import type { Throttle } from "./throttle.ts";
import { parseRest } from "./rest-wire.ts";

export type Outcome<T> =
  { ok: true; value: T } | { ok: false; status: number | null; error: string; code?: string };

/** A venue answer that failed validation (rest-wire.ts), thrown inside a call. */
export class MalformedAnswer extends Error {
  readonly code: string = "LIVE_MALFORMED";
}

/**
 * A page of a read the client pages itself that it could not use: a refusal (a 429 among them)
 * or a body it does not understand — the client loses the difference.
 */
class PageUnreadable extends MalformedAnswer {
  override readonly code = "LIVE_PAGE_UNREADABLE";
  constructor(what: string, cause: Error) {
    super(`${what}: a page was refused (429?) or not understood: ${cause.message}`);
  }
}

/** Retries of a read answered 429, each after the class's backoff, within the call's deadline. */
const RETRIES_ON_429_MAX = 3;

/** The rate-limit class of each venue call (journal and chain reads are not the venue's). */
const RATE_CLASS_OF_CALL: Record<string, RateClass | undefined> = {
  sign: "general",
  post: "order",
  cancel: "cancel",
  "cancel-all": "cancel-all",
  "get-order": "data-orders",
  "open-orders": "data-orders",
  trades: "data-trades",
  balance: "balance",
  heartbeat: "heartbeat",
  markets: "markets",
  gamma: "gamma",
  book: "book",
};
/** Reads the client pages itself, throwing (status lost) when a page is refused. */
const PAGED = new Set(["open-orders", "trades"]);
/** Calls that change nothing at the venue: safe to send again after a 429. */
const READS = new Set([
  "get-order",
  "open-orders",
  "trades",
  "balance",
  "markets",
  "gamma",
  "book",
]);

/** Rows that failed validation: counted, the first of each reason logged with a sample. */
export class RowChecker {
  /** REST rows that failed validation (counted; the first of each reason logged). */
  readonly rejected = { count: 0 };
  private readonly logged = new Set<string>();

  constructor(private readonly log: LiveVenueDeps["log"]) {}

  /** A REST row that failed validation: counted, the first of each reason logged with a sample. */
  rejectedRow(what: string, reason: string, row: unknown): void {
    this.rejected.count++;
    const key = `${what}: ${reason}`;
    if (this.logged.has(key) || this.logged.size >= 50) return;
    this.logged.add(key);
    let sample = "(not serialisable)";
    try {
      sample = `${JSON.stringify(row) as string | undefined}`.slice(0, 200);
    } catch {
      // A cycle or a BigInt: the reason alone is logged.
    }
    this.log?.warn({ what, reason, sample }, "venue row failed validation (logged once)");
  }

  /**
   * A venue answer checked against its schema; one that fails is counted, logged once with a cut
   * sample, and thrown as a VenueError (LIVE_MALFORMED) naming the endpoint and the field.
   */
  valid<S extends Parameters<typeof parseRest>[0]>(
    schema: S,
    endpoint: string,
    raw: unknown,
    as: "venue" | typeof MalformedAnswer = "venue",
  ): ReturnType<S["parse"]> {
    const r = parseRest(schema, endpoint, raw);
    if (r.ok) return r.value as ReturnType<S["parse"]>;
    this.rejectedRow(endpoint, r.reason, raw);
    if (as !== "venue") throw new as(r.reason);
    throw new VenueError("LIVE_MALFORMED", `live ${r.reason}`);
  }
}

/** Sends venue calls under a timeout and the rate limits. */
export class Caller {
  constructor(
    private readonly clock: Clock,
    /** Polymarket's rate limits, per endpoint class; 429s back the class off (throttle.ts). */
    readonly throttle: Throttle,
    private readonly log: LiveVenueDeps["log"],
  ) {}

  /**
   * One request of `cls` under Polymarket's rate limits: waits for its bucket (never past
   * `deadline`), and on a 429 backs the class off — `retry_after_seconds` when the venue gives it —
   * then retries a read while the deadline allows. A POST or cancel that got a 429 is returned as
   * is: the venue refused it, nothing was created.
   */
  async throttled<T>(
    cls: RateClass,
    what: string,
    deadline: number,
    fn: () => Promise<T>,
  ): Promise<T> {
    let pageError: TypeError | null = null;
    for (let attempt = 0; ; attempt++) {
      let release: () => void;
      try {
        release = await this.throttle.acquire(cls, deadline);
      } catch (e) {
        // Out of time after unreadable pages: say so, not only that the next slot is too late.
        if (pageError !== null) throw new PageUnreadable(what, pageError);
        throw e;
      }
      let value: T;
      try {
        value = await fn();
      } catch (e) {
        // The client's paged reads (open orders, trades) throw when a page is an error body —
        // a 429 among them — or a body it does not understand, so the status is lost: back off
        // without a Retry-After and retry.
        if (!(PAGED.has(what) && e instanceof TypeError)) throw e;
        if (attempt >= RETRIES_ON_429_MAX) throw new PageUnreadable(what, e);
        pageError = e;
        const waitMs = this.throttle.rateLimited(cls, null);
        this.log?.warn({ what, rateClass: cls, waitMs, attempt }, "paged read failed: backing off");
        continue;
      } finally {
        release();
      }
      if (errorOf(value)?.status !== 429) {
        this.throttle.succeeded(cls);
        return value;
      }
      const waitMs = this.throttle.rateLimited(cls, retryAfterMsOf(value));
      this.log?.warn({ what, rateClass: cls, waitMs, attempt }, "venue answered 429: backing off");
      if (!READS.has(what) || attempt >= RETRIES_ON_429_MAX) return value;
    }
  }

  /** Runs one client call under the caller's timeout and the rate limits; never throws. */
  call<T>(opts: CallOptions, what: string, call: () => Promise<T>): Promise<Outcome<T>> {
    const cls = RATE_CLASS_OF_CALL[what];
    const deadline = this.clock.now() + opts.timeoutMs;
    const fn = cls === undefined ? call : () => this.throttled(cls, what, deadline, call);
    return new Promise((resolve) => {
      let done = false;
      const timer = this.clock.setTimer(opts.timeoutMs, () => {
        if (done) return;
        done = true;
        resolve({ ok: false, status: null, error: `${what} timed out after ${opts.timeoutMs} ms` });
      });
      fn().then(
        (value) => {
          if (done) return;
          done = true;
          this.clock.clearTimer(timer);
          const err = errorOf(value);
          resolve(err === null ? { ok: true, value } : { ok: false, ...err });
        },
        (error: unknown) => {
          if (done) return;
          done = true;
          this.clock.clearTimer(timer);
          const e = error as { status?: unknown; message?: unknown };
          resolve({
            ok: false,
            status: typeof e.status === "number" ? e.status : null,
            error: typeof e.message === "string" ? e.message : String(error),
            ...(error instanceof MalformedAnswer ? { code: error.code } : {}),
          });
        },
      );
    });
  }
}

/** The venue's wait after a 429, from `retry_after_seconds` in the body; null when absent. */
function retryAfterMsOf(value: unknown): number | null {
  const s = (value as { retry_after_seconds?: unknown } | null)?.retry_after_seconds;
  const n = typeof s === "string" ? Number(s) : s;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? Math.ceil(n * 1000) : null;
}

/** The client returns API errors as `{ error, status }` objects (throwOnError off). */
export function errorOf(value: unknown): { status: number | null; error: string } | null {
  if (value === null || typeof value !== "object" || Array.isArray(value) || !("error" in value))
    return null;
  const v = value as { error: unknown; status?: unknown };
  return {
    status: typeof v.status === "number" ? v.status : null,
    error: typeof v.error === "string" ? v.error : JSON.stringify(v.error),
  };
}

/** Only a 4xx answer proves nothing was created; anything else may have reached the book. */
export function refusal(
  r: { status: number | null; error: string },
  stage: "sign" | "post",
): PlaceResult {
  if (r.status !== null && r.status >= 400 && r.status < 500) {
    return { outcome: "rejected", code: rejectCode(r.error), message: r.error };
  }
  // Signing failed locally (bad tick or price): nothing was sent.
  if (stage === "sign" && r.status === null && !/timed out/.test(r.error)) {
    return { outcome: "rejected", code: rejectCode(r.error), message: r.error };
  }
  return {
    outcome: "unknown",
    reason: r.status === null ? r.error : `HTTP ${r.status}: ${r.error}`,
  };
}

export function failure(
  what: string,
  r: { status: number | null; error: string; code?: string },
): VenueError {
  if (r.code !== undefined) return new VenueError(r.code, `live ${r.error}`);
  return new VenueError(
    r.status === null ? "VENUE_TIMEOUT" : "VENUE_HTTP",
    `live ${what}: ${r.status ?? "no answer"} ${r.error}`,
  );
}

const REJECT_PATTERNS: Array<[RegExp, RejectCode]> = [
  [/too many requests|rate limited/i, "VENUE_UNAVAILABLE"],
  [/tick size|breaks minimum tick|invalid price/i, "TICK_SIZE"],
  [/lower than the minimum|min size/i, "MIN_SIZE"],
  [/lot size|decimal places/i, "LOT_SIZE"],
  [/min size: \$|marketable buy/i, "MIN_NOTIONAL"],
  [/allowance/i, "INSUFFICIENT_ALLOWANCE"],
  [/balance/i, "INSUFFICIENT_BALANCE"],
  [/FOK/i, "FOK_NOT_FILLED"],
  [/FAK/i, "FAK_NOT_FILLED"],
  [/Duplicated/i, "DUPLICATE_CLIENT_ID"],
  [/expiration/i, "INVALID_EXPIRY"],
  [/not yet ready|closed|not accepting|market not found|resolved/i, "MARKET_CLOSED"],
  [/token id|orderbook exists/i, "UNKNOWN_TOKEN"],
];

export function rejectCode(message: string): RejectCode {
  for (const [re, code] of REJECT_PATTERNS) if (re.test(message)) return code;
  return "INVALID_ORDER";
}
