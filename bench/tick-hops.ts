/**
 * After a run: the intents and decisions stored in JetStream during it, matched to the ticks.
 * Each tick's order must come from an intent made on that very book (token and book seq), and
 * approved; anything else fails the bench. The stream timestamps split each tick into hops.
 */
import { orderIdFor } from "../agents/execution/orders.ts";
import type { Tick } from "./tick-ticker.ts";
import type { DecisionStored, IntentStored, PipelineWatch, Stored } from "./tick-watch.ts";

export interface Hops {
  /** Book published → order at the venue, ms. */
  total: number;
  /** Book published → intent stored (Strategy, and its publish). */
  toIntent: number;
  /** Intent stored → decision stored (delivery to the CRO, its checks, its publish). */
  toDecision: number;
  /** Decision stored → order at the venue (delivery to Execution, its work, the venue call). */
  toOrder: number;
}

export interface StreamMarks {
  intents: number;
  decisions: number;
}

export async function streamMarks(watch: PipelineWatch): Promise<StreamMarks> {
  return { intents: await watch.lastSeq("INTENTS"), decisions: await watch.lastSeq("DECISIONS") };
}

/** Hops of every tick; throws if a tick's order cannot be traced back to its book. */
export async function hopsOf(
  watch: PipelineWatch,
  ticks: readonly Tick[],
  since: StreamMarks,
): Promise<{ hops: Hops[]; duplicateIntents: number }> {
  const intents = await watch.storedSince<IntentStored>(
    "INTENTS",
    "strategy.intent",
    since.intents,
  );
  const decisions = await watch.storedSince<DecisionStored>(
    "DECISIONS",
    "cro.decision",
    since.decisions,
  );
  const intentByOrder = new Map<string, Stored<IntentStored>>();
  const books = new Set<string>();
  let duplicateIntents = 0;
  for (const i of intents) {
    intentByOrder.set(orderIdFor(i.message.intentId), i);
    const book = `${i.message.tokenId}#${String(i.message.bookSeq)}`;
    if (books.has(book)) duplicateIntents++;
    books.add(book);
  }
  const decisionOf = new Map(decisions.map((d) => [d.message.intent.intentId, d]));
  const hops = ticks.map((t) => {
    const intent = intentByOrder.get(t.orderId);
    if (intent?.message.tokenId !== t.tokenId || intent.message.bookSeq !== t.bookSeq) {
      const from =
        intent === undefined
          ? "no intent stored in this run"
          : `an intent on ${intent.message.tokenId}#${String(intent.message.bookSeq)}`;
      throw new Error(`order ${t.orderId} is not from book ${t.tokenId}#${t.bookSeq} (${from})`);
    }
    const decision = decisionOf.get(intent.message.intentId);
    if (decision?.message.approved !== true) {
      throw new Error(`order ${t.orderId} reached the venue without a stored approval`);
    }
    return {
      total: t.arrivedAt - t.publishedAt,
      toIntent: intent.storedAt - t.publishedAt,
      toDecision: decision.storedAt - intent.storedAt,
      toOrder: t.arrivedAt - decision.storedAt,
    };
  });
  return { hops, duplicateIntents };
}
