/**
 * Paper vs venue parity, trade by trade: one seeded session — the same market path (a fixed ladder
 * of provider orders, the generator's own liquidity off) and the same scripted strategy (taker
 * FOK/FAK buys and sells, a mint on the complementary token, a resting order a provider then
 * hits) — run once on the paper venue (the SimVenue port, as `npm start` in PAPER) and once
 * through the live adapter (infra/venue-live) over HTTP against `predator venue`. Every fill
 * (outcome, side, price, size, liquidity), every fee, each trade's cash flow and the final
 * collateral and positions must be identical: with the path fixed, latency can only delay a fill,
 * not move it. The tolerances when the generator's liquidity moves in real time are in
 * docs/polymarket-differences.md ("Paper vs venue parity").
 */
import { afterAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { notional, takerFee } from "../../contracts/money.ts";
import type { OrderType, Side } from "../../contracts/common.ts";
import type { PlaceOrderRequest, Venue, VenueTrade } from "../../agents/runtime/venue.ts";
import { startPolyVenue } from "../../infra/venue-poly/index.ts";
import { loadLiveVenue } from "../../infra/venue-live/index.ts";
import { waitFor } from "../integration/venue-poly-helpers.ts";

const KEY = "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97";
const M = 1_000_000;
const CALL = { timeoutMs: 10_000 };

interface Fill {
  outcome: "Up" | "Down";
  side: Side;
  price: number;
  size: number;
  fee: number;
  liquidity: string;
  /** Collateral the trade moved: −(notional + fee) for a BUY, notional − fee for a SELL. */
  cash: number;
}

interface Session {
  fills: Fill[];
  collateral: number;
  positions: Record<string, number>;
  feeRateBps: number;
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function session(path: "paper" | "venue"): Promise<Session> {
  const clock = new SystemClock();
  const poly = await startPolyVenue({
    clock,
    rng: new SeededRng(81),
    sim: { liquidity: { enabled: false }, tickSizeChange: { enabled: false } },
    startingCollateral: 100 * M,
  });
  let venue: Venue = poly.venue;
  let close = (): void => undefined;
  if (path === "venue") {
    const live = await loadLiveVenue(
      {
        host: poly.url,
        wsUrl: poly.wsUrl,
        chainId: 137,
        privateKey: KEY,
        creds: null,
        signatureType: 0,
        userPollMs: 200,
      },
      { clock, rng: new SeededRng(82) },
    );
    venue = live;
    close = () => {
      live.close();
    };
  }
  cleanups.push(async () => {
    close();
    await poly.stop();
  });
  // The listed (next) window: it stays tradable for a whole window length.
  const w = poly.windows().find((x) => x.status === "LISTED");
  if (w === undefined) throw new Error("no listed window");
  const outcomeOf = (tokenId: string): "Up" | "Down" => (tokenId === w.upTokenId ? "Up" : "Down");
  const feeRateBps = poly.venue.listMarkets().find((m) => m.windowId === w.windowId)?.feeRateBps;
  if (feeRateBps === undefined) throw new Error("no fee rate");

  // The market path: one binary book (Down's depth is the mirror of Up's orders).
  for (const [side, price, size] of [
    ["SELL", 520_000, 20],
    ["SELL", 550_000, 20],
    ["SELL", 600_000, 50],
    ["BUY", 450_000, 20],
    ["BUY", 400_000, 50],
  ] as const) {
    poly.addLiquidity(w.upTokenId, side, price, size * M);
  }

  // The strategy.
  let n = 0;
  const order = (
    tokenId: string,
    side: Side,
    orderType: OrderType,
    price: number,
    size: number,
  ): PlaceOrderRequest => ({
    clientOrderId: `parity-${path}-${++n}`,
    tokenId,
    side,
    orderType,
    price,
    size: size * M,
    expiresAt: null,
  });
  const script: PlaceOrderRequest[] = [
    order(w.upTokenId, "BUY", "FOK", 550_000, 10), // 10 @ 0.52
    order(w.upTokenId, "BUY", "FAK", 550_000, 30), // 10 @ 0.52, 20 @ 0.55
    order(w.upTokenId, "SELL", "FOK", 450_000, 15), // 15 @ 0.45
    order(w.downTokenId, "BUY", "FAK", 600_000, 10), // mint: 5 @ 0.55, 5 @ 0.60
  ];
  for (const req of script) {
    const r = await venue.placeOrder(req, CALL);
    expect(r.outcome, `${path} ${req.clientOrderId}`).toBe("accepted");
  }
  // A resting BUY a provider then sells into: our maker fill, no fee.
  const resting = order(w.upTokenId, "BUY", "GTC", 500_000, 10);
  expect((await venue.placeOrder(resting, CALL)).outcome).toBe("accepted");
  await waitFor(`${path}: the resting order`, async () => {
    const open = await venue.openOrders(CALL);
    return open.items.length === 1;
  });
  poly.addLiquidity(w.upTokenId, "SELL", 500_000, 10 * M);

  const EXPECTED = 7;
  const trades = await waitFor(
    `${path}: ${EXPECTED} trades`,
    async () => {
      const t = (await venue.trades({}, CALL)).items;
      return t.length >= EXPECTED ? t : undefined;
    },
    10_000,
  );
  const fills = [...trades]
    .sort((a, b) => a.matchedAt - b.matchedAt || a.tradeId.localeCompare(b.tradeId))
    .map((t: VenueTrade) => ({
      outcome: outcomeOf(t.tokenId),
      side: t.side,
      price: t.price,
      size: t.size,
      fee: t.fee,
      liquidity: t.liquidity,
      cash:
        t.side === "BUY" ? -(notional(t.size, t.price) + t.fee) : notional(t.size, t.price) - t.fee,
    }));
  const collateral = (await venue.balance(CALL)).value.collateral;
  const positions: Record<string, number> = {};
  for (const p of (await venue.positions(CALL)).items) positions[outcomeOf(p.tokenId)] = p.shares;
  return { fills, collateral, positions, feeRateBps };
}

/** Trades of one match time in a canonical order (the venue path may list them differently). */
function canonical(fills: Fill[]): Fill[] {
  return [...fills].sort(
    (a, b) =>
      a.outcome.localeCompare(b.outcome) ||
      a.side.localeCompare(b.side) ||
      a.price - b.price ||
      a.size - b.size ||
      a.liquidity.localeCompare(b.liquidity),
  );
}

describe("paper vs venue parity (the same seeded session on both paths)", () => {
  it("gives the same fills, fees, per-trade cash and final account", async () => {
    const paper = await session("paper");
    const venue = await session("venue");

    // The paper path against the expected session, to the micro-unit.
    const fee = (size: number, price: number) => takerFee(size * M, price, paper.feeRateBps);
    const expected: Omit<Fill, "cash">[] = [
      {
        outcome: "Up",
        side: "BUY",
        price: 520_000,
        size: 10 * M,
        fee: fee(10, 520_000),
        liquidity: "TAKER",
      },
      {
        outcome: "Up",
        side: "BUY",
        price: 520_000,
        size: 10 * M,
        fee: fee(10, 520_000),
        liquidity: "TAKER",
      },
      {
        outcome: "Up",
        side: "BUY",
        price: 550_000,
        size: 20 * M,
        fee: fee(20, 550_000),
        liquidity: "TAKER",
      },
      {
        outcome: "Up",
        side: "SELL",
        price: 450_000,
        size: 15 * M,
        fee: fee(15, 450_000),
        liquidity: "TAKER",
      },
      {
        outcome: "Down",
        side: "BUY",
        price: 550_000,
        size: 5 * M,
        fee: fee(5, 550_000),
        liquidity: "TAKER",
      },
      {
        outcome: "Down",
        side: "BUY",
        price: 600_000,
        size: 5 * M,
        fee: fee(5, 600_000),
        liquidity: "TAKER",
      },
      { outcome: "Up", side: "BUY", price: 500_000, size: 10 * M, fee: 0, liquidity: "MAKER" },
    ];
    expect(canonical(paper.fills).map(({ cash: _, ...f }) => f)).toEqual(
      canonical(expected as Fill[]),
    );

    // The venue path: identical fills, fees, cash per trade, collateral and positions.
    expect(venue.fills).toHaveLength(paper.fills.length);
    expect(canonical(venue.fills)).toEqual(canonical(paper.fills));
    expect(venue.collateral).toBe(paper.collateral);
    expect(venue.positions).toEqual(paper.positions);
    const spent = paper.fills.reduce((s, f) => s + f.cash, 0);
    expect(paper.collateral).toBe(100 * M + spent);
    expect(paper.positions).toEqual({ Up: 35 * M, Down: 10 * M });
  });
});
