/**
 * Serves a Venue (the simulated one) to other processes over the bus: answers `venue.call`
 * requests, republishes market events on `venue.market` and our order/trade events on the
 * `venue.user` stream. Arguments are validated per method; a bad call gets `ok: false` with the
 * reason and touches nothing.
 */
import type { Bus, Subscription } from "../../bus/port.ts";
import type { MessageFactory } from "../../bus/messages.ts";
import type { Logger } from "pino";
import { venueMethods, type VenueCall, type VenueMethod } from "../../contracts/venue.ts";
import type { CallOptions, UserEvent, Venue } from "../../agents/runtime/venue.ts";
import { VenueError } from "../../agents/runtime/venue.ts";

export class VenueServer {
  private readonly subscriptions: Subscription[] = [];
  private readonly unsubscribers: Array<() => void> = [];
  private userSeq = 0;

  constructor(
    private readonly venue: Venue,
    private readonly bus: Bus,
    private readonly messages: MessageFactory,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.subscriptions.push(
      this.bus.serve("venue.call", "venue.result", async (call) => {
        const answer = await this.answer(call);
        return this.messages.make("venue.result", answer, call);
      }),
    );
    this.unsubscribers.push(
      this.venue.subscribeMarket((event) => {
        void this.bus
          .publish(this.messages.make("venue.market", { event }))
          .catch((err: unknown) => {
            this.log.warn({ err }, "venue.market publish failed");
          });
      }),
      this.venue.subscribeUser((event) => {
        this.publishUser(event);
      }),
    );
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribers.splice(0)) u();
    await Promise.all(this.subscriptions.splice(0).map((s) => s.unsubscribe()));
  }

  private publishUser(event: UserEvent): void {
    const eventKey =
      event.type === "trade"
        ? `trade:${event.trade.tradeId}:${event.trade.status}`
        : `order:${event.order.venueOrderId}:${event.event}:${event.order.filledSize}:${++this.userSeq}`;
    void this.bus
      .publish(this.messages.make("venue.user", { event, eventKey }))
      .catch((err: unknown) => {
        this.log.error({ err, eventKey }, "venue.user publish failed");
      });
  }

  private async answer(call: VenueCall) {
    const spec = venueMethods[call.method];
    const args = spec.args.safeParse(call.args);
    if (!args.success) {
      const detail = args.error.issues[0];
      return failure(
        "INVALID_ARGS",
        `${call.method}: ${detail?.path.join(".") ?? ""} ${detail?.message ?? "invalid"}`,
      );
    }
    try {
      const result = await this.invoke(call.method, args.data, {
        timeoutMs: call.timeoutMs,
      });
      return { ok: true, result, error: null };
    } catch (error) {
      if (error instanceof VenueError) return failure(error.code, error.message);
      this.log.error({ err: error, method: call.method }, "venue call failed");
      return failure("VENUE_INTERNAL", (error as Error).message);
    }
  }

  private invoke(
    method: VenueMethod,
    args: Record<string, unknown>,
    opts: CallOptions,
  ): Promise<unknown> {
    const v = this.venue;
    switch (method) {
      case "placeOrder":
        return v.placeOrder(venueMethods.placeOrder.args.parse(args), opts);
      case "cancelOrder":
        return v.cancelOrder(String(args.venueOrderId), opts);
      case "cancelAll":
        return v.cancelAll(opts);
      case "getOrder":
        return v.getOrder(
          venueMethods.getOrder.args.parse(args) as {
            venueOrderId?: string;
            clientOrderId?: string;
          },
          opts,
        );
      case "openOrders":
        return v.openOrders(opts);
      case "trades":
        return v.trades(venueMethods.trades.args.parse(args) as { sinceTs?: number }, opts);
      case "positions":
        return v.positions(opts);
      case "balance":
        return v.balance(opts);
      case "heartbeat":
        return v.heartbeat(opts);
      case "markets":
        return v.markets(opts);
    }
  }
}

function failure(code: string, message: string) {
  return { ok: false, result: null, error: { code, message, status: null } };
}
