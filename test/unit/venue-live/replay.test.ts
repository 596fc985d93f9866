/**
 * Replays every recorded market-channel fixture (and streams made of them) through the parser and
 * book code and checks the final books against values worked out by hand. Prices and sizes are
 * micro-units: 0.51 → 510_000, 150 shares → 150_000_000.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { replayRecording, type ReplayReport } from "../../../infra/venue-live/replay.ts";
import type { BookView } from "../../../infra/venue-live/book.ts";

const DIR = join(import.meta.dirname, "fixtures", "market-channel");
const fixture = (name: string): string => readFileSync(join(DIR, name), "utf8");
const M = 1_000_000;

/** The fixtures' assets, by the first digits of their ids. */
const A7132 = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
const A5211 = "52114319501245915516055106046884209969926127482827954674443846427813813222426";
const A4833 = "48331043336612883890938759509493159234755048973500640148014422747788308965732";

function bookOf(report: ReplayReport, assetId: string): BookView {
  const b = report.books.find((x) => x.assetId === assetId);
  if (b === undefined) throw new Error(`no book for ${assetId}`);
  return b;
}

function only(report: ReplayReport): BookView {
  expect(report.books).toHaveLength(1);
  return report.books[0] as BookView;
}

describe("replay of each recorded market-channel fixture", () => {
  it("resources book.json (captured 2024-10-13): 76 bids / 86 asks, best last on the wire", () => {
    const r = replayRecording(fixture("resources_book.json"));
    const b = only(r);
    expect(b.assetId).toBe(A4833);
    expect(b.status).toBe("LIVE");
    // bids ascend 0.001 … 0.509, 0.51, 0.511 → the LAST is best: 0.511.
    // asks descend 0.999 … 0.516, 0.515, 0.514 → the LAST is best: 0.514.
    expect(b.bestBid).toBe(511_000);
    expect(b.bestAsk).toBe(514_000);
    // Sum of the 76 bid sizes (9000023.58 + 1000000 + … + 12848.17 + 1304.72) = 19,320,404.92;
    // sum of the 86 ask sizes (10500100 + 1000000 + … + 43551.96 + 20230.87) = 13,940,479.91.
    expect(b.depth).toEqual({
      bidLevels: 76,
      askLevels: 86,
      bidSize: 19_320_404_920_000,
      askSize: 13_940_479_910_000,
    });
    expect(b.bids[0]).toEqual({ price: 511_000, size: 1_304_720_000 }); // 1304.72 shares
    expect(b.asks[0]).toEqual({ price: 514_000, size: 20_230_870_000 }); // 20230.87 shares
    expect(b.tickSize).toBeNull(); // the 2024 capture carries no tick_size
    expect(r.stats).toMatchObject({ applied: 1, gaps: 0, resyncs: 0 });
  });

  it("ws_market_book_msg.json: bids 0.50/200, 0.49/350; asks 0.51/150, 0.52/250", () => {
    const b = only(replayRecording(fixture("ws_market_book_msg.json")));
    // This synthetic vector lists best FIRST; the book sorts, so order on the wire does not matter.
    expect([b.bestBid, b.bestAsk]).toEqual([500_000, 510_000]);
    // 200 + 350 = 550 bid shares; 150 + 250 = 400 ask shares.
    expect(b.depth).toEqual({ bidLevels: 2, askLevels: 2, bidSize: 550 * M, askSize: 400 * M });
  });

  it("ws_book_snapshot.json (stored without event_type): inferred as a book", () => {
    const b = only(replayRecording(fixture("ws_book_snapshot.json")));
    // bids 0.48/500, 0.49/350, 0.50/200 → best 0.50, 1050 shares; asks 0.53/400, 0.52/250,
    // 0.51/150 → best 0.51, 800 shares.
    expect([b.bestBid, b.bestAsk]).toEqual([500_000, 510_000]);
    expect(b.depth).toEqual({ bidLevels: 3, askLevels: 3, bidSize: 1050 * M, askSize: 800 * M });
  });

  it.each([
    [
      "resources_last_trade_price.json",
      "21742633143463906290569050155826241533067272736897614950488156847949938836455",
      { price: 491_000, size: 85_360_000, side: "SELL", ts: 1724564136087 },
    ],
    ["ws_last_trade.json", A7132, { price: 510_000, size: 25 * M, side: "BUY", ts: 1703875202000 }],
    [
      "ws_market_last_trade_msg.json",
      A7132,
      { price: 510_000, size: 25 * M, side: "BUY", ts: 1703875202000 },
    ],
  ])("%s: a last trade, and no book without a snapshot", (file, assetId, trade) => {
    const b = only(replayRecording(fixture(file)));
    expect(b.assetId).toBe(assetId);
    expect(b.lastTrade).toEqual(trade);
    expect(b.status).toBe("AWAITING_SNAPSHOT");
    expect([b.bestBid, b.bestAsk, b.depth.bidLevels, b.depth.askLevels]).toEqual([
      null,
      null,
      0,
      0,
    ]);
  });

  it.each([
    // Nautilus' flat legacy shape (price/side/size + hash, no event_type needed).
    ["resources_price_change.json", [A4833]],
    // Current price_changes[]: three changes for one asset → one gap, not three.
    ["resources_price_change_v2.json", [A5211]],
    ["ws_market_price_change_msg.json", [A7132]],
    // Stored without event_type; two assets → one gap each.
    ["ws_quotes.json", [A7132, A5211]],
  ])("%s alone: a delta with no snapshot under it is a gap, never a book", (file, assets) => {
    const r = replayRecording(fixture(file));
    expect(r.resyncs.map((g) => [g.assetId, g.reason])).toEqual(
      assets.map((a) => [a, "DELTA_BEFORE_SNAPSHOT"]),
    );
    expect(r.stats.gaps).toBe(assets.length);
    for (const a of assets) {
      const b = bookOf(r, a);
      expect(b.status).toBe("AWAITING_SNAPSHOT");
      expect(b.depth.bidLevels + b.depth.askLevels).toBe(0);
    }
  });

  it.each([
    [
      "resources_tick_size_change.json",
      1_000,
      "115474063863764126958837769719736461272619491980773624567012766320777398670353",
    ],
    ["ws_market_tick_size_msg.json", 10_000, A7132],
    ["ws_tick_size_change.json", 10_000, A7132], // stored without event_type
  ])(
    "%s: the new tick is kept and a fresh snapshot is required (not a gap)",
    (file, tick, assetId) => {
      const r = replayRecording(fixture(file));
      const b = only(r);
      expect(b.assetId).toBe(assetId);
      expect(b.tickSize).toBe(tick); // 0.001 → 1_000; 0.01 → 10_000
      expect(b.status).toBe("AWAITING_SNAPSHOT");
      expect(r.resyncs).toEqual([{ index: 0, assetId, reason: "TICK_SIZE_CHANGE" }]);
      expect(r.stats.gaps).toBe(0);
    },
  );

  it("ws_market_resolved_msg.json: the winning asset is marked", () => {
    const r = replayRecording(fixture("ws_market_resolved_msg.json"));
    const winner = "76043073756653678226373981964075571318267289248134717369284518995922789326425";
    const loser = "31690934263385727664202099278545688007799199447969475608906331829650099442770";
    expect(bookOf(r, winner).winner).toBe(true);
    expect(bookOf(r, loser).winner).toBe(false);
  });

  it.each(["ws_market_best_bid_ask_msg.json", "ws_market_new_market_msg.json"])(
    "%s: understood and not needed by the book",
    (file) => {
      const r = replayRecording(fixture(file));
      expect(r.books).toEqual([]);
      expect(r.stats).toMatchObject({ ignored: 1, malformed: 0 });
    },
  );
});

/** One synthetic stream on asset 7132 (tick 0.01 until message 6), in JSON lines. */
function stream(): object[] {
  const base = { market: "0xdd22", asset_id: A7132 };
  const pc = (ts: number, changes: object[]): object => ({
    event_type: "price_change",
    market: "0xdd22",
    timestamp: String(ts),
    price_changes: changes.map((c) => ({ asset_id: A7132, hash: "h", ...c })),
  });
  const lv = (price: string, size: string) => ({ price, size });
  const delta2 = pc(1001, [
    { price: "0.50", size: "0", side: "BUY", best_bid: "0.49", best_ask: "0.51" },
    { price: "0.54", size: "700", side: "SELL", best_bid: "0.49", best_ask: "0.51" },
  ]);
  return [
    // 0: snapshot, best last: bids .48/100 .49/200 .50/300; asks .53/400 .52/500 .51/600.
    {
      event_type: "book",
      ...base,
      timestamp: "1000",
      bids: [lv("0.48", "100"), lv("0.49", "200"), lv("0.50", "300")],
      asks: [lv("0.53", "400"), lv("0.52", "500"), lv("0.51", "600")],
    },
    // 1: remove bid .50, add ask .54/700 → bids .49/200 .48/100; asks .51 .52 .53 .54.
    delta2,
    // 2: the same message again (re-delivery) → DUPLICATE, nothing changes.
    delta2,
    // 3: older than the book (ts 999 < 1001) → STALE, bid .47 is NOT added.
    pc(999, [{ price: "0.47", size: "50", side: "BUY" }]),
    // 4: a new snapshot REPLACES: only .45/10 and .55/20 remain (no ghost .48/.49/.51–.54).
    {
      event_type: "book",
      ...base,
      timestamp: "1002",
      bids: [lv("0.45", "10")],
      asks: [lv("0.55", "20")],
    },
    // 5: tick 0.01 → 0.001: the book is dropped until a fresh snapshot.
    {
      event_type: "tick_size_change",
      ...base,
      timestamp: "1003",
      old_tick_size: "0.01",
      new_tick_size: "0.001",
    },
    // 6: a delta before that snapshot → gap.
    pc(1004, [{ price: "0.451", size: "5", side: "BUY" }]),
    // 7: the fresh snapshot: bids .450/10 .451/5; asks .552/7 .551/3.
    {
      event_type: "book",
      ...base,
      timestamp: "1005",
      tick_size: "0.001",
      bids: [lv("0.450", "10"), lv("0.451", "5")],
      asks: [lv("0.552", "7"), lv("0.551", "3")],
    },
    // 8: ask .551 now 2 shares; the venue's top (.451/.551) agrees with ours.
    pc(1006, [{ price: "0.551", size: "2", side: "SELL", best_bid: "0.451", best_ask: "0.551" }]),
  ];
}

describe("replay of a stream", () => {
  it("applies deltas, skips duplicates and stale messages, replaces on snapshot, resyncs on tick change", () => {
    const r = replayRecording(
      stream()
        .map((m) => JSON.stringify(m))
        .join("\n"),
    );
    const b = only(r);
    expect(b.status).toBe("LIVE");
    expect(b.tickSize).toBe(1_000);
    // After message 8: bids .451/5, .450/10 (15 shares); asks .551/2, .552/7 (9 shares).
    expect(b.bids).toEqual([
      { price: 451_000, size: 5 * M },
      { price: 450_000, size: 10 * M },
    ]);
    expect(b.asks).toEqual([
      { price: 551_000, size: 2 * M },
      { price: 552_000, size: 7 * M },
    ]);
    expect(b.depth).toEqual({ bidLevels: 2, askLevels: 2, bidSize: 15 * M, askSize: 9 * M });
    expect(r.resyncs.map((g) => [g.index, g.reason])).toEqual([
      [5, "TICK_SIZE_CHANGE"],
      [6, "DELTA_BEFORE_SNAPSHOT"],
    ]);
    expect(r.stats).toMatchObject({ duplicates: 1, stale: 1, gaps: 1, resyncs: 2 });
  });

  it("the state after message 4 has no ghost levels from the first snapshot", () => {
    const r = replayRecording(JSON.stringify(stream().slice(0, 5))); // a JSON array this time
    const b = only(r);
    // Before 4: bids .49/200 .48/100, asks .51/600 .52/500 .53/400 .54/700 (the delta applied).
    // Snapshot 4 leaves exactly one level a side.
    expect(b.bids).toEqual([{ price: 450_000, size: 10 * M }]);
    expect(b.asks).toEqual([{ price: 550_000, size: 20 * M }]);
  });

  it("after message 1 the delta is applied level by level", () => {
    const b = only(replayRecording(JSON.stringify(stream().slice(0, 4))));
    // bids: .50 removed → .49/200, .48/100 (300); asks + .54/700 → 600+500+400+700 = 2200.
    expect(b.bids.map((l) => l.price)).toEqual([490_000, 480_000]);
    expect(b.depth).toEqual({ bidLevels: 2, askLevels: 4, bidSize: 300 * M, askSize: 2200 * M });
  });

  it("a top of book that disagrees with the venue's best_bid drops the book as a gap", () => {
    const lines = stream();
    lines.push({
      event_type: "price_change",
      market: "0xdd22",
      timestamp: "1007",
      // Ours would become .46 but the venue says .451: an update was lost.
      price_changes: [
        {
          asset_id: A7132,
          price: "0.46",
          size: "1",
          side: "BUY",
          hash: "h",
          best_bid: "0.451",
          best_ask: "0.551",
        },
      ],
    });
    const r = replayRecording(lines.map((m) => JSON.stringify(m)).join("\n"));
    expect(only(r).status).toBe("AWAITING_SNAPSHOT");
    expect(r.resyncs.at(-1)).toEqual({ index: 9, assetId: A7132, reason: "TOP_OF_BOOK_MISMATCH" });
  });

  it("recorded book.json then a recorded-shape delta removing its best ask", () => {
    const big = JSON.parse(fixture("resources_book.json")) as { market: string };
    const delta = {
      event_type: "price_change",
      market: big.market,
      timestamp: "1728799418261",
      price_changes: [
        {
          asset_id: A4833,
          price: "0.514",
          size: "0",
          side: "SELL",
          hash: "x",
          best_bid: "0.511",
          best_ask: "0.515",
        },
      ],
    };
    const b = only(replayRecording(JSON.stringify([big, delta])));
    // Best ask .514 (20230.87) removed → next best .515 (43551.96); 85 ask levels left with
    // 13,940,479.91 − 20,230.87 = 13,920,249.04 shares. Bids unchanged.
    expect([b.bestBid, b.bestAsk, b.status]).toEqual([511_000, 515_000, "LIVE"]);
    expect(b.depth).toEqual({
      bidLevels: 76,
      askLevels: 85,
      bidSize: 19_320_404_920_000,
      askSize: 13_920_249_040_000,
    });
  });

  it("recorded ws_market_* messages in time order: the delta crosses the book, so it is dropped", () => {
    const files = [
      "ws_market_book_msg.json", // t 200000: bids .50/200 .49/350, asks .51/150 .52/250
      "ws_market_price_change_msg.json", // t 201000: bid .51/150 → bid .51 ≥ ask .51: CROSSED
      "ws_market_last_trade_msg.json", // t 202000: trade .51 x 25 BUY
      "ws_market_tick_size_msg.json", // t 210000: tick 0.1 → 0.01
    ];
    const r = replayRecording(files.map((f) => JSON.stringify(JSON.parse(fixture(f)))).join("\n"));
    const b = only(r);
    expect(b.status).toBe("AWAITING_SNAPSHOT");
    expect(b.tickSize).toBe(10_000);
    expect(b.lastTrade).toEqual({ price: 510_000, size: 25 * M, side: "BUY", ts: 1703875202000 });
    expect(r.resyncs.map((g) => g.reason)).toEqual(["CROSSED", "TICK_SIZE_CHANGE"]);
  });

  it("bad JSON lines are counted, not fatal", () => {
    const r = replayRecording(`${fixture("ws_book_snapshot.json").replace(/\n/g, "")}\n{oops\n`);
    expect(r.badLines).toBe(1);
    expect(only(r).status).toBe("LIVE");
  });
});
