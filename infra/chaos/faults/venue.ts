/**
 * Venue faults through SimVenue's knobs: timeouts, ambiguous 5xx, rejects, ghost fills (MATCHED
 * then FAILED), partial-fill storms, a tick-size change mid-window, stale or dropped market data and
 * heartbeat expiry. The hooks are installed while at least one venue fault is active.
 *
 * Ghost fills, the tick change and thin books set fields of the venue's live config object (the
 * settlement, generator and liquidity read them on every use) and put the old values back on heal.
 */
import type { Rng } from "../../../bus/rng.ts";
import type { MarketEvent, PlaceOrderRequest } from "../../../agents/runtime/venue.ts";
import type { CallFault, CallName, PlaceFault, VenueFaults } from "../../venue-sim/faults.ts";
import type { SimVenue } from "../../venue-sim/index.ts";
import { MICRO } from "../../../contracts/money.ts";
import type { FaultContext, FaultKind, Injection } from "./types.ts";

interface Rule {
  place?: (req: PlaceOrderRequest) => PlaceFault;
  call?: (call: Exclude<CallName, "placeOrder">) => CallFault;
  market?: (e: MarketEvent) => "deliver" | "drop";
}

export class VenueChaos {
  private readonly rules = new Map<number, Rule>();
  private nextId = 1;
  private readonly restores: Array<() => void> = [];

  constructor(
    readonly venue: SimVenue,
    readonly rng: Rng,
  ) {}

  add(rule: Rule): () => void {
    const id = this.nextId++;
    this.rules.set(id, rule);
    this.venue.setFaults(this.hooks);
    return () => {
      this.rules.delete(id);
      if (this.rules.size === 0) this.venue.setFaults(null);
    };
  }

  /** Sets config fields for an episode; the returned function restores them. */
  tweak(apply: () => () => void): () => void {
    const restore = apply();
    let done = false;
    const once = (): void => {
      if (done) return;
      done = true;
      restore();
    };
    this.restores.push(once);
    return once;
  }

  clear(): void {
    this.rules.clear();
    this.venue.setFaults(null);
    for (const restore of this.restores.splice(0).reverse()) restore();
  }

  private readonly hooks: VenueFaults = {
    beforePlace: (req) => this.first((r) => r.place?.(req), "ok"),
    beforeCall: (call) => this.first((r) => r.call?.(call), "ok"),
    marketEvent: (e) => this.first((r) => r.market?.(e), "deliver"),
  };

  private first<T extends string>(ask: (r: Rule) => T | undefined, normal: T): T {
    for (const rule of this.rules.values()) {
      const answer = ask(rule);
      if (answer !== undefined && answer !== normal) return answer;
    }
    return normal;
  }
}

function chance(ctx: FaultContext, base: number, max: number): number {
  return Math.min(max, base * ctx.intensity * (0.5 + ctx.rng.float()));
}

export function venueFaults(chaos: () => VenueChaos): FaultKind[] {
  const ruleFault = (
    kind: string,
    durationMs: readonly [number, number],
    base: number,
    make: (v: VenueChaos, p: number) => Rule,
  ): FaultKind => ({
    kind,
    family: "venue",
    durationMs,
    inject(ctx): Injection {
      const p = chance(ctx, base, 0.9);
      const remove = chaos().add(make(chaos(), p));
      return { target: "venue", detail: `p=${p.toFixed(3)}`, heal: remove };
    },
  });
  const tweakFault = (
    kind: string,
    durationMs: readonly [number, number],
    apply: (v: SimVenue, ctx: FaultContext) => { detail: string; restore: () => void },
  ): FaultKind => ({
    kind,
    family: "venue",
    durationMs,
    inject(ctx): Injection {
      let detail = "";
      const heal = chaos().tweak(() => {
        const r = apply(chaos().venue, ctx);
        detail = r.detail;
        return r.restore;
      });
      return { target: "venue", detail, heal };
    },
  });
  return [
    partialFillStorm(chaos),
    ruleFault("venue.timeout", [10_000, 300_000], 0.2, (v, p) => ({
      place: () => (v.rng.float() < p ? "timeout" : "ok"),
      call: () => (v.rng.float() < p ? "timeout" : "ok"),
    })),
    ruleFault("venue.5xx", [10_000, 300_000], 0.2, (v, p) => ({
      place: () => {
        if (v.rng.float() >= p) return "ok";
        return v.rng.float() < 0.5 ? "5xx-accepted" : "5xx-not-accepted";
      },
      call: () => (v.rng.float() < p ? "5xx" : "ok"),
    })),
    ruleFault("venue.reject", [10_000, 300_000], 0.3, (v, p) => ({
      place: () => (v.rng.float() < p ? "reject" : "ok"),
    })),
    ruleFault("venue.drop-data", [10_000, 300_000], 0.2, (v, p) => ({
      market: (e) => (e.type === "book" && v.rng.float() < p ? "drop" : "deliver"),
    })),
    // Every book update lost for the episode: the feed goes stale while the market moves on.
    ruleFault("venue.stale-data", [5_000, 60_000], 1, () => ({
      market: (e) => (e.type === "book" ? "drop" : "deliver"),
    })),
    // The venue refuses heartbeats: its dead-man switch expires and cancels our open orders.
    ruleFault("venue.heartbeat-expiry", [15_000, 60_000], 1, () => ({
      call: (call) => (call === "heartbeat" ? "5xx" : "ok"),
    })),
    tweakFault("venue.ghost-fill", [60_000, 1_800_000], (venue, ctx) => {
      const trades = venue.config.trades;
      const before = trades.failProbability;
      trades.failProbability = chance(ctx, 0.25, 0.9);
      return {
        detail: `trade failProbability=${trades.failProbability.toFixed(3)}`,
        restore: () => {
          trades.failProbability = before;
        },
      };
    }),
    tweakFault("venue.tick-size", [5_000, 10_000], (venue) => {
      // An edge past the middle makes every open window refine its tick at the next requote.
      const t = venue.config.tickSizeChange;
      const before = { enabled: t.enabled, edgeMicro: t.edgeMicro };
      t.enabled = true;
      t.edgeMicro = MICRO / 2 + 1;
      return {
        detail: `tick → ${t.fineTick} on every open window`,
        restore: () => {
          t.enabled = before.enabled;
          t.edgeMicro = before.edgeMicro;
        },
      };
    }),
  ];
}

/**
 * A partial-fill storm: books thin to one level, and every second a small ask (30–40 % of the
 * minimum size) appears one tick inside the spread of every open token. A strategy buying at the
 * best ask it sees then fills 30–40 % and rests or loses the rest.
 */
function partialFillStorm(chaos: () => VenueChaos): FaultKind {
  return {
    kind: "venue.partial-fill",
    family: "venue",
    durationMs: [60_000, 600_000],
    inject(ctx): Injection {
      const v = chaos();
      const liquidity = v.venue.config.liquidity;
      const lot = v.venue.config.lotSize;
      const fraction = 0.3 + 0.1 * ctx.rng.float();
      const restoreThin = v.tweak(() => {
        const levels = liquidity.levels;
        liquidity.levels = 1;
        return () => {
          liquidity.levels = levels;
        };
      });
      const clock = ctx.world.clock;
      const timer = clock.setInterval(1_000, () => {
        const snap = v.venue.snapshot();
        const asks = new Map(snap.books.map((b) => [b.tokenId, b] as const));
        for (const m of snap.markets) {
          if (m.status !== "OPEN") continue;
          for (const tokenId of [m.upTokenId, m.downTokenId]) {
            const book = asks.get(tokenId);
            if (book?.bestAsk == null || book.bestBid == null) continue;
            const price = book.bestAsk - m.tickSize;
            if (price <= book.bestBid || price < m.tickSize) continue;
            const size = Math.max(lot, Math.round((m.minSize * fraction) / lot) * lot);
            v.venue.addLiquidity(tokenId, "SELL", price, size);
          }
        }
      });
      return {
        target: "venue",
        detail: `fills of ${(fraction * 100).toFixed(0)} % of the minimum size inside the spread`,
        heal: () => {
          clock.clearTimer(timer);
          restoreThin();
        },
      };
    },
  };
}
