/**
 * A bounded mailbox processed one item at a time, in arrival order. Actors never run two handlers
 * concurrently, so their state needs no locks. When full, `offer` refuses: the caller decides what a
 * refusal means (drop a book update, leave a durable message un-acked for redelivery).
 */
export interface MailboxItem {
  readonly label: string;
  run(): Promise<void>;
}

export class Mailbox {
  private readonly queue: MailboxItem[] = [];
  private running = false;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  /** Awaited before each item: a chaos hook (a hang or a slow leak); null in normal runs. */
  private gate: (() => Promise<void>) | null = null;

  constructor(
    readonly capacity: number,
    private readonly onError: (item: MailboxItem, error: unknown) => void,
  ) {}

  get depth(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  /** Enqueues `item`; false when the mailbox is full or closed. */
  offer(item: MailboxItem): boolean {
    if (this.closed || this.queue.length >= this.capacity) return false;
    this.queue.push(item);
    if (!this.running) void this.drain();
    return true;
  }

  /** Fault injection: `gate` is awaited before each item runs (null removes it). */
  setGate(gate: (() => Promise<void>) | null): void {
    this.gate = gate;
  }

  /** Stops accepting new items; already queued ones still run. */
  close(): void {
    this.closed = true;
  }

  /** Resolves when the queue is empty and nothing is running. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    this.running = true;
    for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
      try {
        if (this.gate !== null) await this.gate();
        await item.run();
      } catch (error) {
        this.onError(item, error);
      }
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
