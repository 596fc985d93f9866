/**
 * A Venue that lives in another process, reached over the bus. A request that times out is a
 * VenueTimeoutError — and for placeOrder an `unknown` outcome, never a rejection: the remote venue
 * may have accepted the order. Replies are validated against the method's result schema; a
 * malformed reply is a VenueError("VENUE_BAD_REPLY") and changes nothing.
 */
import type { Bus } from "../../bus/port.ts";
import type { MessageFactory } from "../../bus/messages.ts";
import { RequestTimeoutError, NoRespondersError } from "../../bus/errors.ts";
import { venueMethods, type VenueMethod } from "../../contracts/venue.ts";
import type { z } from "zod";
import {
  VenueError,
  VenueTimeoutError,
  type CallOptions,
  type MarketEvent,
  type PlaceOrderRequest,
  type PlaceResult,
  type UserEvent,
  type Venue,
} from "../../agents/runtime/venue.ts";

type Result<M extends VenueMethod> = z.output<(typeof venueMethods)[M]["result"]>;

export interface RemoteVenueOptions {
  /** Durable consumer name for our order/trade events (one per consuming agent). */
  userDurable: string;
  ackWaitMs: number;
}

export class RemoteVenue implements Venue {
  constructor(
    private readonly bus: Bus,
    private readonly messages: MessageFactory,
    private readonly options: RemoteVenueOptions,
  ) {}

  async placeOrder(req: PlaceOrderRequest, opts: CallOptions): Promise<PlaceResult> {
    try {
      return (await this.call("placeOrder", { ...req }, opts)) as PlaceResult;
    } catch (error) {
      if (error instanceof VenueTimeoutError) return { outcome: "unknown", reason: error.message };
      throw error;
    }
  }
  cancelOrder(venueOrderId: string, opts: CallOptions) {
    return this.call("cancelOrder", { venueOrderId }, opts);
  }
  cancelAll(opts: CallOptions) {
    return this.call("cancelAll", {}, opts);
  }
  getOrder(query: { venueOrderId?: string; clientOrderId?: string }, opts: CallOptions) {
    return this.call("getOrder", { ...query }, opts);
  }
  openOrders(opts: CallOptions) {
    return this.call("openOrders", {}, opts);
  }
  trades(query: { sinceTs?: number }, opts: CallOptions) {
    return this.call("trades", { ...query }, opts);
  }
  positions(opts: CallOptions) {
    return this.call("positions", {}, opts);
  }
  balance(opts: CallOptions) {
    return this.call("balance", {}, opts);
  }
  heartbeat(opts: CallOptions) {
    return this.call("heartbeat", {}, opts);
  }
  markets(opts: CallOptions) {
    return this.call("markets", {}, opts);
  }

  subscribeMarket(listener: (e: MarketEvent) => void): () => void {
    const sub = this.bus.subscribe("venue.market", (m) => {
      listener(m.event);
    });
    return () => void sub.unsubscribe();
  }

  subscribeUser(listener: (e: UserEvent) => void): () => void {
    const pending = this.bus.consume(
      "venue.user",
      {
        durable: this.options.userDurable,
        ackWaitMs: this.options.ackWaitMs,
        maxDeliver: 10,
        deliverPolicy: "new",
      },
      async (d) => {
        listener(d.message.event);
        await d.ack();
      },
    );
    return () => void pending.then((s) => s.unsubscribe());
  }

  private async call<M extends VenueMethod>(
    method: M,
    args: Record<string, unknown>,
    opts: CallOptions,
  ): Promise<Result<M>> {
    let reply;
    try {
      reply = await this.bus.request(
        this.messages.make("venue.call", { method, args, timeoutMs: opts.timeoutMs }),
        "venue.result",
        { timeoutMs: opts.timeoutMs },
      );
    } catch (error) {
      if (error instanceof RequestTimeoutError)
        throw new VenueTimeoutError(method, opts.timeoutMs, { cause: error });
      if (error instanceof NoRespondersError)
        throw new VenueError("VENUE_UNAVAILABLE", `no venue answering ${method}`, { cause: error });
      throw new VenueError("VENUE_TRANSPORT", `venue ${method}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (!reply.ok) {
      throw new VenueError(
        reply.error?.code ?? "VENUE_ERROR",
        reply.error?.message ?? `venue ${method} failed`,
      );
    }
    const parsed = venueMethods[method].result.safeParse(reply.result);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new VenueError(
        "VENUE_BAD_REPLY",
        `venue ${method} reply invalid at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? ""}`,
      );
    }
    return parsed.data as Result<M>;
  }
}
