/**
 * A restarted agent rebuilds its state from the store and the streams (issue 4, Recovery), on the
 * embedded fleet: the Strategy is killed in the middle of a window, after it had acked the
 * md.window of the open and the next window. It replays the windows stream at start, so at once
 * it knows the same windows as a never-killed Strategy, and it trades that window the same way.
 */
import { describe, expect, it } from "vitest";
import { agentDefinition } from "../../agents/catalog.ts";
import type { Actor } from "../../agents/runtime/actor.ts";
import type { OrderRecord } from "../../agents/runtime/store.ts";
import {
  startEmbeddedPipeline,
  stopOnVirtualClock,
  type EmbeddedPipeline,
} from "../support/embedded-pipeline.ts";

const SEED = 11;
/** The pipeline starts at 12:03 UTC and announces the 12:00 and 12:15 windows then. */
const KILL_AT = Date.UTC(2026, 0, 5, 12, 5, 0);
const RESTART_AT = KILL_AT + 20_000;
/** Before MarketData next announces anything about a window (12:07:39, a tick change). */
const COMPARE_AT = RESTART_AT + 30_000;
const CHECK_AT = Date.UTC(2026, 0, 5, 12, 15, 30);
const WINDOW_START_S = Date.UTC(2026, 0, 5, 12, 0, 0) / 1_000;

/** What the running Strategy knows (its `describe()`), read through a fresh start's actor. */
function strategyView(p: EmbeddedPipeline): { windows: unknown } {
  const host = p.fleet.host("strategy", "1");
  if (host === undefined) throw new Error("no strategy host");
  const actor = (host as unknown as { actor: Actor | null }).actor;
  return { windows: actor?.describe().windows };
}

/** The strategy's entries in the 12:00 window, as comparable rows. */
async function entries(p: EmbeddedPipeline): Promise<string[]> {
  const orders: OrderRecord[] = await p.store.listOrders();
  return orders
    .filter((o) => o.kind === "ENTRY" && o.windowId.endsWith(`-${WINDOW_START_S}`))
    .map((o) => `${o.strategy} ${o.windowId} ${o.tokenId} ${o.side} ${o.size}@${o.price}`)
    .sort();
}

describe("restart recovery on the embedded fleet", () => {
  it("a Strategy killed mid-window and restarted knows and trades it as a never-killed one", async () => {
    const reference = await startEmbeddedPipeline(SEED);
    await reference.clock.runUntil(COMPARE_AT);
    const referenceView = strategyView(reference);
    await reference.clock.runUntil(CHECK_AT);
    const expected = await entries(reference);
    await stopOnVirtualClock(reference);
    expect(referenceView.windows).toBe(2);

    const p = await startEmbeddedPipeline(SEED);
    await p.clock.runUntil(KILL_AT);
    await p.fleet.kill("strategy", "1");
    await p.clock.runUntil(RESTART_AT);
    const deps = { venue: () => p.venue, connectionEvents: p.fleet.connectionEvents };
    const definition = agentDefinition("strategy", deps);
    let restarted: Actor | null = null;
    await p.fleet.start(
      { ...definition, create: (ctx) => (restarted = definition.create(ctx)) },
      "1",
    );
    await p.clock.runUntil(COMPARE_AT);
    expect((restarted as Actor | null)?.describe().windows).toBe(referenceView.windows);
    await p.clock.runUntil(CHECK_AT);
    expect(p.fleet.host("strategy", "1")?.state()).toBe("running");
    expect(await entries(p)).toEqual(expected);
    // Nothing counted twice: every venue trade is one stored fill.
    const fills = await p.store.listFills();
    expect(new Set(fills.map((f) => f.tradeId)).size).toBe(fills.length);
    for (const [name, host] of p.fleet.hosts) expect(host.crashError(), name).toBeNull();
    await stopOnVirtualClock(p);
  }, 120_000);
});
