/**
 * The listed windows and their two outcome tokens. Pure bookkeeping: the generator decides when a
 * window is listed, opened and resolved; the exchange asks which window a token belongs to.
 */
import type { VenueMarket, WindowOutcome } from "../../agents/runtime/venue.ts";
import { outcomeTokenId, windowSlug } from "./ids.ts";

export interface SimWindow extends VenueMarket {
  /** Underlying price when the window opened / closed (floats; never reach a ledger). */
  openPrice: number | null;
  closePrice: number | null;
}

export interface TokenRef {
  readonly windowId: string;
  readonly outcome: "Up" | "Down";
  readonly window: SimWindow;
}

export interface WindowParams {
  asset: string;
  windowMs: number;
  tickSize: number;
  minSize: number;
  feeRateBps: number;
}

export class Markets {
  /** Insertion order = start order. */
  private readonly windows = new Map<string, SimWindow>();
  private readonly tokens = new Map<string, TokenRef>();

  constructor(private readonly params: WindowParams) {}

  /** Lists the window starting at `startTs` (idempotent). */
  list(startTs: number): SimWindow {
    const { asset, windowMs } = this.params;
    const slug = windowSlug(asset, startTs, windowMs);
    const existing = this.windows.get(slug);
    if (existing !== undefined) return existing;
    const w: SimWindow = {
      windowId: slug,
      slug,
      startTs,
      endTs: startTs + windowMs,
      upTokenId: outcomeTokenId(slug, "Up"),
      downTokenId: outcomeTokenId(slug, "Down"),
      tickSize: this.params.tickSize,
      minSize: this.params.minSize,
      feeRateBps: this.params.feeRateBps,
      status: "LISTED",
      outcome: null,
      openPrice: null,
      closePrice: null,
    };
    this.windows.set(w.windowId, w);
    this.tokens.set(w.upTokenId, { windowId: w.windowId, outcome: "Up", window: w });
    this.tokens.set(w.downTokenId, { windowId: w.windowId, outcome: "Down", window: w });
    return w;
  }

  open(w: SimWindow, underlying: number): void {
    if (w.status !== "LISTED") throw new Error(`Invariant: opening ${w.windowId} in ${w.status}`);
    w.status = "OPEN";
    w.openPrice = underlying;
  }

  /** Up when close ≥ open (ties resolve Up, reference/polymarket-api.md §4.5). */
  resolve(w: SimWindow, underlying: number): WindowOutcome {
    if (w.status !== "OPEN" || w.openPrice === null) {
      throw new Error(`Invariant: resolving ${w.windowId} in ${w.status}`);
    }
    w.status = "RESOLVED";
    w.closePrice = underlying;
    w.outcome = underlying >= w.openPrice ? "UP" : "DOWN";
    return w.outcome;
  }

  /** Forgets a resolved window and its tokens. */
  prune(w: SimWindow): void {
    if (w.status !== "RESOLVED") throw new Error(`Invariant: pruning ${w.windowId} in ${w.status}`);
    this.windows.delete(w.windowId);
    this.tokens.delete(w.upTokenId);
    this.tokens.delete(w.downTokenId);
  }

  get(windowId: string): SimWindow | undefined {
    return this.windows.get(windowId);
  }

  /** The token's window; undefined once the window is pruned. */
  token(tokenId: string): TokenRef | undefined {
    return this.tokens.get(tokenId);
  }

  all(): SimWindow[] {
    return [...this.windows.values()];
  }
}

export function marketView(w: SimWindow): VenueMarket {
  return {
    windowId: w.windowId,
    slug: w.slug,
    startTs: w.startTs,
    endTs: w.endTs,
    upTokenId: w.upTokenId,
    downTokenId: w.downTokenId,
    tickSize: w.tickSize,
    minSize: w.minSize,
    feeRateBps: w.feeRateBps,
    status: w.status,
    outcome: w.outcome,
  };
}
