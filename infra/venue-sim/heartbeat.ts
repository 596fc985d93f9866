/**
 * The dead-man switch. The first heartbeat arms it; each one pushes the deadline out by
 * `timeoutMs`. If the deadline passes, `onExpire` runs (the venue cancels all our open orders)
 * and the switch disarms until the next heartbeat.
 */
import type { Clock, TimerHandle } from "../../bus/clock.ts";

export class DeadManSwitch {
  private timer: TimerHandle | null = null;
  expiries = 0;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly onExpire: () => void,
  ) {}

  get armed(): boolean {
    return this.timer !== null;
  }

  /** Returns the new deadline. */
  beat(): number {
    this.disarm();
    this.timer = this.clock.setTimer(this.timeoutMs, () => {
      this.timer = null;
      this.expiries++;
      this.onExpire();
    });
    return this.clock.now() + this.timeoutMs;
  }

  disarm(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
  }
}
