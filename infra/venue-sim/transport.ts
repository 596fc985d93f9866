/**
 * The network between the caller and the simulated venue: a seeded one-way latency each way
 * (through the Clock, so in SIM it costs no wall time), the caller's timeout, and injected faults.
 *
 * A request that is slower than the caller's timeout still reaches the venue and is executed —
 * the caller just never hears back. That is the real ambiguity the `unknown` outcome stands for.
 */
import type { Clock } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import {
  type CallOptions,
  type PlaceOrderRequest,
  type PlaceResult,
  VenueServerError,
  VenueTimeoutError,
} from "../../agents/runtime/venue.ts";
import type { LatencyConfig } from "./config.ts";
import type { CallName, VenueFaults } from "./faults.ts";

/** What an answer carries when the venue did not run the call (a 5xx before processing). */
const NOT_RUN: unique symbol = Symbol("not-run");
type RoundTrip<T> = { kind: "answer"; value: T | typeof NOT_RUN } | { kind: "timeout" };

export class Transport {
  faults: VenueFaults | null = null;
  readonly stats = { calls: 0, timeouts: 0, serverErrors: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly latency: LatencyConfig,
  ) {}

  async place(
    req: PlaceOrderRequest,
    opts: CallOptions,
    exec: () => PlaceResult,
  ): Promise<PlaceResult> {
    const fault = this.faults?.beforePlace?.(req) ?? "ok";
    const runs = fault === "ok" || fault === "timeout" || fault === "5xx-accepted";
    const r = await this.roundTrip("placeOrder", opts, runs ? exec : null, fault !== "timeout");
    if (r.kind === "timeout")
      return { outcome: "unknown", reason: `no answer within ${opts.timeoutMs} ms` };
    switch (fault) {
      case "ok":
      case "timeout":
        return ran(r.value);
      case "5xx-accepted":
      case "5xx-not-accepted":
        this.stats.serverErrors++;
        return { outcome: "unknown", reason: "HTTP 500 from the venue after the order was sent" };
      case "reject":
        return {
          outcome: "rejected",
          code: "VENUE_UNAVAILABLE",
          message: "Trading is currently disabled. Check polymarket.com for updates",
        };
    }
  }

  async call<T>(
    name: Exclude<CallName, "placeOrder">,
    opts: CallOptions,
    exec: () => T,
  ): Promise<T> {
    const fault = this.faults?.beforeCall?.(name) ?? "ok";
    const r = await this.roundTrip(name, opts, fault === "5xx" ? null : exec, fault !== "timeout");
    if (r.kind === "timeout") throw new VenueTimeoutError(name, opts.timeoutMs);
    if (fault === "5xx") {
      this.stats.serverErrors++;
      throw new VenueServerError(name, 500);
    }
    return ran(r.value);
  }

  /**
   * Runs `exec` (if any) after the request latency; answers after the response latency unless the
   * answer is lost; gives up at the caller's timeout. Ties go to the timeout (it was set first).
   * `exec` throwing is a broken invariant and propagates out of the clock, crashing the run.
   */
  private roundTrip<T>(
    name: CallName,
    opts: CallOptions,
    exec: (() => T) | null,
    answers: boolean,
  ): Promise<RoundTrip<T>> {
    if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) {
      throw new RangeError(`venue ${name}: timeoutMs must be positive, got ${opts.timeoutMs}`);
    }
    this.stats.calls++;
    const requestMs = this.oneWay() + (this.faults?.extraLatencyMs?.(name) ?? 0);
    const responseMs = this.oneWay();
    return new Promise((resolve) => {
      let done = false;
      const timeout = this.clock.setTimer(opts.timeoutMs, () => {
        done = true;
        this.stats.timeouts++;
        resolve({ kind: "timeout" });
      });
      this.clock.setTimer(requestMs, () => {
        const value = exec === null ? NOT_RUN : exec();
        if (!answers || done) return;
        this.clock.setTimer(responseMs, () => {
          if (done) return;
          done = true;
          this.clock.clearTimer(timeout);
          resolve({ kind: "answer", value });
        });
      });
    });
  }

  private oneWay(): number {
    return this.latency.fixedMs + this.rng.int(0, this.latency.jitterMs);
  }
}

function ran<T>(value: T | typeof NOT_RUN): T {
  if (value === NOT_RUN) throw new Error("Invariant: the venue answered without running the call");
  return value;
}
