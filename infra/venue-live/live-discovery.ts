/**
 * How the live venue finds its markets (issue 17): the current and next up/down window of each
 * configured instrument by its deterministic slug on Gamma (reference §4.5), windows that ended
 * followed until they resolve, and the paged CLOB list only as the fallback.
 */
import type { Clock } from "../../bus/clock.ts";
import type { CallOptions, ListReport, VenueMarket } from "../../agents/runtime/venue.ts";
import { gammaUrlOf, type LiveVenueDeps, type LiveVenueSettings } from "./settings.ts";
import { errorOf, failure, MalformedAnswer, type Caller, type RowChecker } from "./live-call.ts";
import {
  clobMarketSchema,
  clobWindow,
  gammaEventsSchema,
  gammaWindow,
  marketsPageSchema,
  parseRest,
  windowSlugs,
} from "./rest-wire.ts";

/** How the windows were found (issue 17): by slug, and how often the paged list was needed. */
export interface DiscoveryStats {
  /** Gamma `/events?slug=` requests sent. */
  slugLookups: number;
  /** Lookups that failed (HTTP error, timeout, malformed answer, no such slug). */
  slugFailures: number;
  /** markets() calls answered by paging the CLOB list after a failed lookup. */
  fallbacks: number;
  /** `GET /markets` pages read. */
  pages: number;
}

const MARKET_PAGES_MAX = 100;
/** Ended windows still followed by slug until they resolve. */
const UNRESOLVED_MAX = 32;

export interface DiscoveryDeps {
  /** One page of the CLOB market list (`GET /markets`), the client's error body as is. */
  getMarkets: (cursor: string | undefined) => Promise<unknown>;
  settings: LiveVenueSettings;
  clock: Clock;
  caller: Caller;
  rows: RowChecker;
  fetchFn: typeof fetch;
  log: LiveVenueDeps["log"];
}

export class MarketDiscovery {
  private readonly stats: DiscoveryStats = {
    slugLookups: 0,
    slugFailures: 0,
    fallbacks: 0,
    pages: 0,
  };
  /** Windows seen unresolved whose end has passed: looked up by slug until they resolve. */
  private readonly unresolved = new Map<string, number>();
  private readonly loggedFallbacks = new Set<string>();
  private readonly getMarkets: DiscoveryDeps["getMarkets"];
  private readonly settings: LiveVenueSettings;
  private readonly clock: Clock;
  private readonly caller: Caller;
  private readonly rows: RowChecker;
  private readonly fetchFn: typeof fetch;
  private readonly log: LiveVenueDeps["log"];

  constructor(deps: DiscoveryDeps) {
    this.getMarkets = deps.getMarkets;
    this.settings = deps.settings;
    this.clock = deps.clock;
    this.caller = deps.caller;
    this.rows = deps.rows;
    this.fetchFn = deps.fetchFn;
    this.log = deps.log;
  }

  /**
   * The current and next window of each configured instrument, looked up directly by their
   * deterministic slugs on Gamma (`GET /events?slug=`, reference §4.5), plus windows seen earlier
   * that have ended but not yet resolved. Only when a lookup of a current or next window fails is
   * the whole CLOB list paged instead (counted in `discoveryStats()`, each reason logged once).
   * Without configured instruments the list is always paged.
   */
  async markets(opts: CallOptions): Promise<ListReport<VenueMarket>> {
    const instruments = this.settings.instruments ?? [];
    let report: ListReport<VenueMarket>;
    if (instruments.length === 0) report = await this.listMarkets(opts);
    else {
      const bySlug = await this.marketsBySlug(instruments, opts);
      if (bySlug.ok) report = bySlug.value;
      else {
        this.stats.fallbacks++;
        const first = !this.loggedFallbacks.has(bySlug.reason);
        if (first && this.loggedFallbacks.size < 50) this.loggedFallbacks.add(bySlug.reason);
        this.log?.[first ? "warn" : "debug"](
          { reason: bySlug.reason, fallbacks: this.stats.fallbacks },
          "market discovery by slug failed: paging the market list",
        );
        report = await this.listMarkets(opts);
      }
    }
    return report;
  }

  /** Slug lookups, failures, fallbacks to the paged list and pages read. */
  counts(): DiscoveryStats {
    return { ...this.stats };
  }

  private async marketsBySlug(
    instruments: string[],
    opts: CallOptions,
  ): Promise<{ ok: true; value: ListReport<VenueMarket> } | { ok: false; reason: string }> {
    const now = this.clock.now();
    const wanted: { slug: string; startTs: number }[] = [];
    for (const instrument of instruments) {
      const slugs = windowSlugs(instrument, now);
      if (slugs === null) return { ok: false, reason: `not an up/down instrument: ${instrument}` };
      wanted.push(...slugs);
    }
    const required = new Set(wanted.map((w) => w.slug));
    const pending = [...this.unresolved]
      .filter(([slug]) => !required.has(slug))
      .map(([slug, startTs]) => ({ slug, startTs }));
    const found = await Promise.all(
      [...wanted, ...pending].map(async ({ slug, startTs }) => ({
        slug,
        r: await this.marketBySlug(slug, startTs, opts),
      })),
    );
    const items: VenueMarket[] = [];
    for (const { slug, r } of found) {
      if (r.ok) {
        items.push(r.value);
        if (r.value.status === "RESOLVED") this.unresolved.delete(slug);
        else if (this.unresolved.size < UNRESOLVED_MAX || this.unresolved.has(slug))
          this.unresolved.set(slug, r.value.startTs);
        continue;
      }
      if (required.has(slug)) return { ok: false, reason: r.reason };
      // An earlier window no longer listed: forgotten; any other failure: asked again next time.
      if (r.notFound) this.unresolved.delete(slug);
    }
    return { ok: true, value: { complete: true, items, asOf: now } };
  }

  /** One window by its slug: Gamma's event, its market validated and mapped. */
  private async marketBySlug(
    slug: string,
    startTs: number,
    opts: CallOptions,
  ): Promise<{ ok: true; value: VenueMarket } | { ok: false; reason: string; notFound: boolean }> {
    this.stats.slugLookups++;
    const url = `${gammaUrlOf(this.settings)}/events?slug=${encodeURIComponent(slug)}`;
    const r = await this.caller.call(opts, "gamma", () => this.getJson(url, opts));
    const fail = (reason: string, notFound = false) => {
      this.stats.slugFailures++;
      return { ok: false as const, reason: `${slug}: ${reason}`, notFound };
    };
    if (!r.ok) {
      return fail(r.status === null ? r.error : `HTTP ${r.status} ${r.error}`, r.status === 404);
    }
    const events = parseRest(gammaEventsSchema, "GET /events", r.value);
    if (!events.ok) {
      this.rows.rejectedRow("gamma /events", events.reason, r.value);
      return fail(`malformed answer: ${events.reason}`);
    }
    const market = events.value
      .filter((e) => e.slug === slug)
      .flatMap((e) => e.markets ?? [])
      .find((m) => m.slug === slug);
    if (market === undefined) return fail("no such event", true);
    return { ok: true, value: gammaWindow(market, startTs, this.clock.now()) };
  }

  /** GET a JSON body; an HTTP error comes back as the client's `{ error, status }` shape. */
  private async getJson(url: string, opts: CallOptions): Promise<unknown> {
    const res = await this.fetchFn(url, { signal: AbortSignal.timeout(opts.timeoutMs) });
    const text = await res.text();
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      if (!res.ok) return { error: text.slice(0, 200), status: res.status };
      this.rows.rejectedRow("gamma /events", "GET /events: (body) not JSON", text);
      throw new MalformedAnswer(`GET /events: (body) not JSON`);
    }
    if (res.ok) return body;
    const o = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
    return {
      ...o,
      error: typeof o.error === "string" ? o.error : text.slice(0, 200),
      status: res.status,
    };
  }

  /** The whole CLOB market list, paged (`GET /markets`); a malformed row is left out. */
  private async listMarkets(opts: CallOptions): Promise<ListReport<VenueMarket>> {
    const r = await this.caller.call(opts, "markets", async () => {
      const out: unknown[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MARKET_PAGES_MAX; page++) {
        this.stats.pages++;
        const raw: unknown = await this.getMarkets(cursor);
        if (errorOf(raw) !== null) return raw;
        const p = this.rows.valid(marketsPageSchema, "GET /markets", raw, MalformedAnswer);
        out.push(...p.data);
        if (p.next_cursor === "LTE=" || p.next_cursor === "") return { out, complete: true };
        cursor = p.next_cursor;
      }
      return { out, complete: false };
    });
    if (!r.ok) throw failure("markets", r);
    const { out, complete: allPages } = r.value as { out: unknown[]; complete: boolean };
    const now = this.clock.now();
    let complete = allPages;
    const items: VenueMarket[] = [];
    for (const row of out) {
      const m = parseRest(clobMarketSchema, "GET /markets", row);
      if (!m.ok) {
        complete = false;
        this.rows.rejectedRow("markets", m.reason, row);
        continue;
      }
      const w = clobWindow(m.value, now);
      if (w !== null) items.push(w);
    }
    return { complete, items, asOf: now };
  }
}
