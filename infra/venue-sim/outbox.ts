/**
 * Delivers the venue's two streams. Events go out synchronously, in the order the venue produced
 * them; book snapshots are coalesced per operation: tokens touched during an operation are marked
 * dirty (with their complementary token, whose view mirrors them) and each gets one `book` event
 * (seq + 1) when the outermost operation ends.
 */
import type { MarketEvent, UserEvent } from "../../agents/runtime/venue.ts";
import type { EventFaults } from "./faults.ts";

type BookEvent = Extract<MarketEvent, { type: "book" }>;
/** Builds a token's snapshot without its seq; null when the token is gone. */
export type BookRenderer = (tokenId: string) => Omit<BookEvent, "seq"> | null;

export class Outbox {
  private readonly marketListeners = new Set<(e: MarketEvent) => void>();
  private readonly userListeners = new Set<(e: UserEvent) => void>();
  private readonly dirty = new Set<string>();
  private readonly seqs = new Map<string, number>();
  private depth = 0;
  private faults: EventFaults | null = null;
  /** Listener exceptions are swallowed (a consumer's bug must not break the venue) and counted. */
  listenerErrors = 0;
  readonly counts = { market: 0, user: 0, dropped: 0 };

  /**
   * `pairOf` names the other outcome token of a token's market: the two books are one binary book
   * (binary-book.ts), so a change on one token changes the view of both.
   */
  constructor(
    private readonly render: BookRenderer,
    private readonly pairOf: (tokenId: string) => string | undefined = () => undefined,
  ) {}

  setFaults(faults: EventFaults | null): void {
    this.faults = faults;
  }

  subscribeMarket(listener: (e: MarketEvent) => void): () => void {
    this.marketListeners.add(listener);
    return () => this.marketListeners.delete(listener);
  }

  subscribeUser(listener: (e: UserEvent) => void): () => void {
    this.userListeners.add(listener);
    return () => this.userListeners.delete(listener);
  }

  /** How many listeners each stream has now. */
  listeners(): { market: number; user: number } {
    return { market: this.marketListeners.size, user: this.userListeners.size };
  }

  market(e: MarketEvent): void {
    if (this.faults?.marketEvent?.(e) === "drop") {
      this.counts.dropped++;
      return;
    }
    this.counts.market++;
    for (const l of [...this.marketListeners]) this.call(l, e);
  }

  user(e: UserEvent): void {
    if (this.faults?.userEvent?.(e) === "drop") {
      this.counts.dropped++;
      return;
    }
    this.counts.user++;
    for (const l of [...this.userListeners]) this.call(l, e);
  }

  markDirty(tokenId: string): void {
    this.dirty.add(tokenId);
    const pair = this.pairOf(tokenId);
    if (pair !== undefined) this.dirty.add(pair);
  }

  /** Runs one venue operation; book events for what it touched go out when the outermost ends. */
  batch<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) this.flushBooks();
    }
  }

  seqOf(tokenId: string): number {
    return this.seqs.get(tokenId) ?? 0;
  }

  /** The current snapshot without bumping seq (what a new subscriber is sent first). */
  snapshotOf(tokenId: string): BookEvent | null {
    const body = this.render(tokenId);
    return body === null ? null : { ...body, seq: this.seqOf(tokenId) };
  }

  forget(tokenId: string): void {
    this.seqs.delete(tokenId);
    this.dirty.delete(tokenId);
  }

  private flushBooks(): void {
    const tokens = [...this.dirty];
    this.dirty.clear();
    for (const tokenId of tokens) {
      const body = this.render(tokenId);
      if (body === null) continue;
      const seq = this.seqOf(tokenId) + 1;
      this.seqs.set(tokenId, seq);
      this.market({ ...body, seq });
    }
  }

  /** Calls one listener, swallowing and counting what it throws. */
  call<E>(listener: (e: E) => void, e: E): void {
    try {
      listener(e);
    } catch {
      this.listenerErrors++;
    }
  }
}
