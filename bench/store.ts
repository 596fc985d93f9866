/**
 * The embedded store's hot reads (the ones agents make every few hundred milliseconds: working
 * orders, open positions, fills still MATCHED, what changed since the Reconciler's last run) with a short history and with a year-like one. With
 * the secondary indexes (infra/store/memory-index.ts) they cost what they return, so the ratio of
 * the two medians stays near 1; without them it grows with the history.
 */
import { performance } from "node:perf_hooks";
import type { OrderRecord, PositionRecord, FillRecord } from "../agents/runtime/store.ts";
import { MemoryStore } from "../infra/store/memory.ts";
import { median } from "./tick-stats.ts";
import type { Bench, BenchResult } from "./types.ts";

const SHORT = 100;
const LONG = 100_000;
const CALLS = 2_000;
const ROUNDS = 7;

function order(i: number, status: OrderRecord["status"]): OrderRecord {
  return {
    orderId: `o-${i}`,
    venueOrderId: `v-${i}`,
    intentId: `i-${i}`,
    decisionId: `d-${i}`,
    positionId: `p-${i}`,
    strategy: "canary",
    windowId: `btc-updown-15m-${1_767_225_600 + 900 * Math.floor(i / 10)}`,
    tokenId: `tok-${Math.floor(i / 5)}`,
    kind: "ENTRY",
    side: "BUY",
    orderType: "FAK",
    price: 500_000,
    size: 5_000_000,
    filledSize: status === "FILLED" ? 5_000_000 : 0,
    status,
    reason: null,
    mode: "SIM",
    createdAt: i,
    updatedAt: i,
    epoch: 1,
  };
}

function position(i: number, open: boolean): PositionRecord {
  const { positionId, strategy, windowId, tokenId, mode } = {
    ...order(i, "FILLED"),
    positionId: `p-${i}`,
  };
  return {
    ...{ positionId, strategy, windowId, tokenId, mode },
    state: open ? "MONITORING" : "CLOSED",
    ...{ size: open ? 5_000_000 : 0, provisionalSize: 0, avgEntryPrice: null, costBasis: 0 },
    ...{ fees: 0, realizedPnl: 0, unrealizedPnl: 0, markPrice: null, exitReason: null },
    ...{ openedAt: i, closedAt: open ? null : i + 1, machineVersion: 1, snapshot: { i } },
    updatedAt: i + 1,
  };
}

function fill(i: number, status: FillRecord["status"]): FillRecord {
  const o = order(i, "FILLED");
  return {
    ...{ tradeId: `t-${i}`, orderId: o.orderId, venueOrderId: o.venueOrderId },
    ...{ intentId: o.intentId, positionId: o.positionId, strategy: o.strategy },
    ...{ windowId: o.windowId, tokenId: o.tokenId, kind: o.kind, side: o.side },
    ...{ price: o.price, size: o.size, fee: 0, liquidity: "TAKER", status },
    ...{ intendedPrice: o.price, mode: o.mode, ts: i, updatedAt: i },
  };
}

/** A store with `n` finished trades and five of each kind still live. */
async function storeWith(n: number): Promise<MemoryStore> {
  const store = new MemoryStore();
  for (let i = 0; i < n + 5; i++) {
    const live = i >= n;
    await store.upsertOrder(order(i, live ? "OPEN" : "FILLED"));
    await store.savePosition(position(i, live));
    await store.recordFill(fill(i, live ? "MATCHED" : "CONFIRMED"));
  }
  return store;
}

async function hotReadsUs(store: MemoryStore, recent: number): Promise<number> {
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let c = 0; c < CALLS; c++) {
      await store.listOrders({ statuses: ["PENDING", "SUBMITTED", "OPEN", "PARTIALLY_FILLED"] });
      await store.listPositions({ open: true });
      await store.listFills({ statuses: ["MATCHED"] });
      await store.listFills({ updatedSince: recent });
    }
    samples.push(((performance.now() - t0) * 1000) / CALLS);
  }
  return median(samples);
}

export const benches: Bench[] = [
  {
    name: "store",
    async run(): Promise<BenchResult[]> {
      const short = await hotReadsUs(await storeWith(SHORT), SHORT);
      const long = await hotReadsUs(await storeWith(LONG), LONG);
      const ratio = long / short;
      const note = `median of ${ROUNDS} rounds × ${CALLS} (working orders, open positions, MATCHED fills, fills written since the last run)`;
      return [
        { metric: `hot reads, ${SHORT} finished trades`, value: short, unit: "µs", note },
        {
          metric: `hot reads, ${LONG.toLocaleString("en-US")} finished trades`,
          value: long,
          unit: "µs",
          note,
        },
        {
          metric: "long history / short history",
          value: ratio,
          unit: "x",
          target: "< 2",
          pass: ratio < 2,
        },
      ];
    },
  },
];
