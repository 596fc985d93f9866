import { describe, expect, it } from "vitest";
import {
  ASSERTION_NAMES,
  assertionMismatches,
  runAssertions,
  type AssertionInput,
  type AssertionName,
} from "../../../agents/reconciler/assertions.ts";
import { resolveControls } from "../../../contracts/controls.ts";
import { T0, WINDOW, fill, goodInput, order, position } from "./fixtures.ts";

function failures(input: AssertionInput): string[] {
  return runAssertions(input)
    .filter((r) => !r.passed)
    .map((r) => r.name);
}

function resultOf(input: AssertionInput, name: AssertionName) {
  const r = runAssertions(input).find((x) => x.name === name);
  if (r === undefined) throw new Error(`no result for ${name}`);
  return r;
}

const NOW = goodInput().now;
const closedAt = NOW - 1_000;
const sell = fill({ tradeId: "trade-2", side: "SELL", kind: "EXIT", price: 600_000, fee: 73_500 });

/** Each assertion, and a state crafted to break it (and nothing else). */
const broken: [AssertionName, string, Partial<AssertionInput>][] = [
  [
    "signal-order-mapping",
    "an order without a decision",
    { orders: [order({ decisionId: null })] },
  ],
  ["signal-order-mapping", "a decision missing from the audit log", { decisions: new Map() }],
  [
    "signal-order-mapping",
    "a vetoed decision",
    { decisions: new Map([["dec-1", { approved: false, intentId: "int-1" }]]) },
  ],
  [
    "signal-order-mapping",
    "an approval for another intent",
    { decisions: new Map([["dec-1", { approved: true, intentId: "int-9" }]]) },
  ],
  [
    "fill-confirmation",
    "a fill MATCHED past the bound",
    { fills: [fill({ status: "MATCHED", ts: NOW - 10_001 })] },
  ],
  [
    "position-count",
    "more open positions than allowed",
    {
      openPositions: ["a", "b", "c", "d"].map((id) => position({ positionId: id, size: 0 })),
    },
  ],
  [
    "pnl-match",
    "a closed position whose PnL differs from its fills",
    {
      openPositions: [],
      fills: [fill(), sell],
      closedPositions: [position({ state: "CLOSED", closedAt, size: 0, realizedPnl: 500_000 })],
    },
  ],
  [
    "no-null-order-ids",
    "a filled order without a venue id",
    { orders: [order({ venueOrderId: null })] },
  ],
  ["no-null-order-ids", "a fill without a venue id", { fills: [fill({ venueOrderId: null })] }],
  [
    "no-null-order-ids",
    "a venue open order with an empty id",
    { venueOrderIds: [{ venueOrderId: "", clientOrderId: "ord-x" }] },
  ],
  [
    "instrument-scope",
    "an entry outside allowed_instruments",
    { orders: [order({ windowId: `eth-updown-15m-${T0 / 1000}` })] },
  ],
  [
    "no-future-windows",
    "an order placed before its window started",
    { orders: [order({ windowId: `btc-updown-15m-${T0 / 1000 + 900}` })] },
  ],
  [
    "capital-cap",
    "an open position committing more than the cap",
    { orders: [order({ size: 20_000_000, filledSize: 0, status: "OPEN" })] },
  ],
  [
    "heartbeats",
    "a required agent silent past the timeout",
    {
      heartbeats: [
        { agent: "market-data", lastSeenAt: NOW - 100, lifecycle: "running", leader: null },
        { agent: "execution", lastSeenAt: NOW - 2_501, lifecycle: "running", leader: null },
      ],
    },
  ],
  [
    "heartbeats",
    "a singleton with only a hot standby alive",
    {
      heartbeats: [
        { agent: "market-data", lastSeenAt: NOW - 100, lifecycle: "running", leader: null },
        { agent: "execution", lastSeenAt: NOW - 100, lifecycle: "running", leader: false },
      ],
    },
  ],
  [
    "heartbeats",
    "a required agent never seen after the start-up grace",
    {
      heartbeats: [
        { agent: "market-data", lastSeenAt: NOW - 100, lifecycle: "running", leader: null },
      ],
    },
  ],
];

describe("runtime assertions", () => {
  it("all pass on a consistent state, one result per named assertion", () => {
    const results = runAssertions(goodInput());
    expect(results.map((r) => r.name)).toEqual([...ASSERTION_NAMES]);
    expect(results.filter((r) => !r.passed)).toEqual([]);
  });

  it.each(broken)("%s fails on %s (and only it)", (name, _what, over) => {
    const input = goodInput(over);
    expect(failures(input)).toEqual([name]);
    const mismatch = assertionMismatches(runAssertions(input));
    expect(mismatch).toEqual([expect.objectContaining({ kind: "ASSERTION", key: name })]);
    expect(resultOf(input, name).detail).toMatch(/violation/);
  });
});

describe("runtime assertions: what is not a violation", () => {
  it("signal-order-mapping ignores refused orders and orders younger than the grace", () => {
    const orders = [
      order({ orderId: "ord-refused", decisionId: null, status: "REFUSED" }),
      order({ orderId: "ord-young", decisionId: "dec-9", createdAt: NOW - 500 }),
    ];
    expect(
      resultOf(goodInput({ orders: [order(), ...orders] }), "signal-order-mapping").passed,
    ).toBe(true);
  });

  it("fill-confirmation tolerates a MATCHED fill younger than the bound", () => {
    const input = goodInput({ fills: [fill({ status: "MATCHED", ts: NOW - 9_000 })] });
    expect(resultOf(input, "fill-confirmation").passed).toBe(true);
  });

  it("pnl-match accepts an exit, a settlement at 1 and a settlement at 0", () => {
    const closed = (id: string, realizedPnl: number) =>
      position({ positionId: id, state: "CLOSED", closedAt, size: 0, realizedPnl });
    const buy = (id: string) => fill({ tradeId: `b-${id}`, positionId: id });
    const fills = [buy("exit"), { ...sell, positionId: "exit" }, buy("one"), buy("zero")];
    // exit: +3.00 − 0.0735 − 2.50 − 0.0875; settled: 5 shares × $1 − 2.5875, or − 2.5875.
    const positions = [
      closed("exit", 339_000),
      closed("one", 2_412_500),
      closed("zero", -2_587_500),
    ];
    const input = goodInput({ openPositions: [], fills, closedPositions: positions, orders: [] });
    expect(resultOf(input, "pnl-match")).toMatchObject({
      passed: true,
      detail: "3 closed position(s) match their fills",
    });
  });

  it("pnl-match waits for a closed position's provisional fills to become final", () => {
    const input = goodInput({
      fills: [fill({ status: "MATCHED", ts: NOW - 1_000 })],
      closedPositions: [position({ state: "CLOSED", closedAt, realizedPnl: 123 })],
    });
    expect(resultOf(input, "pnl-match").passed).toBe(true);
  });

  it("instrument-scope lets exits out and judges entries by the control they were placed under", () => {
    const eth = `eth-updown-15m-${T0 / 1000}`;
    const exit = order({ orderId: "ord-exit", kind: "EXIT", side: "SELL", windowId: eth });
    const before = order({ orderId: "ord-old", windowId: eth, createdAt: T0 + 1_000 });
    const input = goodInput({
      orders: [exit, before],
      controlsChangedAt: { allowedInstruments: T0 + 2_000, positionCap: 0 },
    });
    expect(resultOf(input, "instrument-scope").passed).toBe(true);
    const all = {
      ...input,
      controls: resolveControls([{ key: "allowed_instruments", value: "*" }]).controls,
    };
    expect(
      resultOf(
        { ...all, controlsChangedAt: { allowedInstruments: 0, positionCap: 0 } },
        "instrument-scope",
      ).passed,
    ).toBe(true);
  });

  it("capital-cap counts what held shares cost plus what live BUY orders may still cost", () => {
    // Filled below its 0.55 limit: $2.50 held; a second live entry of $2.50 makes exactly $5.
    const first = order({ price: 550_000, status: "FILLED" });
    const second = order({ orderId: "ord-2", price: 500_000, filledSize: 0, status: "OPEN" });
    const held = position({ costBasis: 2_500_000 });
    const input = goodInput({ orders: [first, second], openPositions: [held] });
    expect(resultOf(input, "capital-cap").passed).toBe(true);
    const over = goodInput({
      orders: [first, second],
      openPositions: [{ ...held, costBasis: 2_600_000 }],
    });
    expect(resultOf(over, "capital-cap").detail).toContain("pos-1: $5.10 committed, cap $5.00");
  });

  it("capital-cap ignores positions that are closed with nothing left to fill", () => {
    const input = goodInput({
      openPositions: [],
      orders: [
        order({
          size: 20_000_000,
          filledSize: 20_000_000,
          status: "FILLED",
          positionId: "pos-old",
        }),
      ],
    });
    expect(resultOf(input, "capital-cap").passed).toBe(true);
  });

  it("heartbeats gives agents not yet seen the start-up grace, and no more", () => {
    const input = goodInput({ now: T0 + 10_000, heartbeats: [], orders: [], fills: [] });
    expect(resultOf(input, "heartbeats").passed).toBe(true);
    expect(resultOf({ ...input, now: T0 + 10_001 }, "heartbeats").passed).toBe(false);
  });

  it("heartbeats: a bus outage of the reconciler's own is not an agent's silence (issue 19)", () => {
    const NOW = T0 + 120_000;
    const stale = (agent: string) => ({
      agent,
      lastSeenAt: NOW - 9_000,
      lifecycle: "running",
      leader: null,
    });
    const allSilent = goodInput({ heartbeats: [stale("market-data"), stale("execution")] });
    // Everyone silent at once and nothing heard: the reconciler's own receiving path, not judged.
    expect(resultOf(allSilent, "heartbeats")).toMatchObject({ passed: true });
    expect(resultOf(allSilent, "heartbeats").detail).toContain("not judged");
    // Disconnected now: nothing can be heard, nothing is judged.
    const down = goodInput({ bus: { down: true, backAt: null } });
    expect(resultOf({ ...down, heartbeats: [stale("execution")] }, "heartbeats").passed).toBe(true);
    // Back on the bus 1 s ago: silence counts from then; a fresh agent proves the bus is heard.
    const fresh = {
      agent: "market-data",
      lastSeenAt: NOW - 50,
      lifecycle: "running",
      leader: null,
    };
    const back = goodInput({
      heartbeats: [fresh, stale("execution")],
      bus: { down: false, backAt: NOW - 1_000 },
    });
    expect(resultOf(back, "heartbeats").passed).toBe(true);
    // ...until the agent stays silent a whole timeout after the bus came back: then it is a hang.
    const later = { ...back, bus: { down: false, backAt: NOW - 2_501 } };
    expect(resultOf(later, "heartbeats")).toMatchObject({ passed: false });
    expect(resultOf(later, "heartbeats").detail).toContain("execution: last heartbeat 9000 ms ago");
    // Without any outage, one silent agent beside a live one is a violation at once.
    const plain = goodInput({ heartbeats: [fresh, stale("execution")] });
    expect(resultOf(plain, "heartbeats").passed).toBe(false);
  });

  it("names the window in the future-window violation", () => {
    const input = goodInput({ orders: [order({ windowId: `btc-updown-15m-${T0 / 1000 + 900}` })] });
    expect(resultOf(input, "no-future-windows").detail).toContain("before btc-updown-15m-");
    expect(WINDOW).toBe(`btc-updown-15m-${T0 / 1000}`);
  });
});
