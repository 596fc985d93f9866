// @vitest-environment happy-dom
/**
 * The console's components on their own: the status bar, the positions table, the controls
 * editor (a refusal shown next to its field) and Trade History (server-side filter, CSV export of
 * exactly the filtered rows). Server answers come from the real routes (fake-server.ts).
 */
import "./setup.ts";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Position } from "../../contracts/positions.ts";
import { Positions, StatusBar, Strategies } from "../src/views/CommandCenter.tsx";
import { HealthStrip } from "../src/components/HealthStrip.tsx";
import { ControlsEditor } from "../src/views/Risk.tsx";
import { TradeHistory } from "../src/views/TradeHistory.tsx";
import { MemoryStore } from "../../infra/store/memory.ts";
import { fakeServer, fill, position, snapshotOf, T0, TOKEN } from "./fake-server.ts";

const cro = (state: "ACTIVE" | "PAUSED" | "HALTED", reason: string) => ({
  state,
  reason,
  since: T0,
  epoch: 3,
  operatorHold: state !== "ACTIVE",
  blockers: [],
  heardAt: T0,
});

describe("StatusBar", () => {
  it("shows the trading state, its reason and the mode where the eye lands", () => {
    render(
      <StatusBar
        snapshot={snapshotOf({
          mode: "PAPER",
          cro: cro("PAUSED", "operator halt pause: feed looks wrong"),
          pnl: { gross: 1_500_000, fees: 500_000, net: 1_000_000 },
        })}
      />,
    );
    const state = screen.getByRole("status", { name: "Trading state" });
    expect(within(state).getByText("PAUSED")).toBeTruthy();
    expect(within(state).getByText("operator halt pause: feed looks wrong")).toBeTruthy();
    const bar = screen.getByRole("region", { name: "Trading status" });
    expect(within(bar).getByText("Mode").nextElementSibling?.textContent).toBe("PAPER");
    expect(within(bar).getByText("Session PnL net of fees").nextElementSibling?.textContent).toBe(
      "$1.00",
    );
  });

  it("says UNKNOWN and that the CRO has not been heard before its first state", () => {
    render(<StatusBar snapshot={snapshotOf({ mode: "STOPPED", cro: null })} />);
    const state = screen.getByRole("status", { name: "Trading state" });
    expect(state.textContent).toBe("UNKNOWNthe CRO has not been heard");
  });
});

describe("Positions", () => {
  it("draws one row per position with outcome side, prices, PnL and stop / take levels", () => {
    const snapshot = snapshotOf({
      windows: [
        {
          windowId: "btc-updown-15m-1",
          slug: "btc-updown-15m-1",
          startTs: T0,
          endTs: T0 + 900_000,
          upTokenId: "tok-up",
          downTokenId: "tok-down",
          status: "OPEN",
          outcome: null,
        },
      ],
    });
    const positions: Position[] = [
      position("pA", "MONITORING", 10_000),
      { ...position("pB", "ENTRY", 0), tokenId: "tok-down" },
    ];
    render(
      <Positions
        title="Open positions"
        snapshot={snapshot}
        positions={positions}
        stopLossPct={10}
        takeProfitPct={20}
      />,
    );
    const table = within(screen.getByRole("region", { name: "Open positions" })).getByRole("table");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(2);
    const cells = (row: HTMLElement) =>
      within(row)
        .getAllByRole("cell")
        .map((c) => c.textContent);
    // size 2 sh, entry 0.500, mark 0.520, PnL realized 0.01 + unrealized 0.04, stop 10% / take 20%.
    expect(cells(rows[0] as HTMLElement)).toEqual([
      "btc-updown-15m-1",
      "Up",
      "2.00",
      "0.500",
      "0.520",
      "$0.05",
      "0.450 / 0.600",
      "MONITORING",
    ]);
    expect(cells(rows[1] as HTMLElement)[1]).toBe("Down");
    expect(cells(rows[1] as HTMLElement)[7]).toBe("ENTRY");
  });

  it("says None. with no positions", () => {
    render(
      <Positions
        title="Open positions"
        snapshot={snapshotOf()}
        positions={[]}
        stopLossPct={10}
        takeProfitPct={20}
      />,
    );
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.getByText("None.")).toBeTruthy();
  });
});

describe("Strategies", () => {
  it("marks a strategy the CRO halted, with who halted it and why, beside one still trading", () => {
    const row = (name: string, halt: { reason: string; since: number; actor: string } | null) => ({
      name,
      allowed: true,
      intents: 4,
      approved: 3,
      vetoed: 1,
      realizedPnl: -810_000,
      lastIntent: null,
      halt,
    });
    render(
      <Strategies
        snapshot={snapshotOf({
          strategies: [
            row("cheap-side", { reason: "win rate 0% below 90%", since: T0, actor: "cro" }),
            row("canary", null),
          ],
        })}
      />,
    );
    const table = screen.getByRole("table");
    const rows = within(table).getAllByRole("row").slice(1);
    const status = (r: HTMLElement) => within(r).getAllByRole("cell")[1]?.textContent;
    expect(status(rows[0] as HTMLElement)).toBe("HALTED by cro: win rate 0% below 90%");
    expect(status(rows[1] as HTMLElement)).toBe("trading");
    // A viewer (no onResume) gets no button.
    expect(screen.queryByRole("button", { name: /Resume strategy/ })).toBeNull();
  });

  it("gives an operator a RESUME button on each halted strategy only, naming it", async () => {
    const resumed: string[] = [];
    const halted = {
      name: "cheap-side",
      allowed: true,
      intents: 4,
      approved: 3,
      vetoed: 1,
      realizedPnl: 0,
      lastIntent: null,
      halt: { reason: "win rate 0% below 90%", since: T0, actor: "cro" },
    };
    render(
      <Strategies
        snapshot={snapshotOf({ strategies: [halted, { ...halted, name: "canary", halt: null }] })}
        onResume={(name) => resumed.push(name)}
      />,
    );
    const buttons = screen.getAllByRole("button", { name: /Resume strategy/ });
    expect(buttons.map((b) => b.getAttribute("aria-label"))).toEqual([
      "Resume strategy cheap-side",
    ]);
    await userEvent.click(buttons[0] as HTMLElement);
    expect(resumed).toEqual(["cheap-side"]);
  });
});

describe("ControlsEditor", () => {
  it("shows the CRO's refusal next to the field it is about, as the field's description", async () => {
    const server = await fakeServer({ refusal: "position cap above the risk limit" });
    const user = userEvent.setup();
    render(<ControlsEditor token={TOKEN} canEdit />);
    const field = await screen.findByRole("textbox", { name: "position_cap_usd" });
    await user.type(screen.getByRole("textbox", { name: "Reason for changes (required)" }), "test");
    await user.clear(field);
    await user.type(field, "50");
    await user.click(screen.getByRole("button", { name: "Save position_cap_usd" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("refused: position cap above the risk limit");
    // Next to the field: in its cell, and named by its aria-describedby.
    expect(field.getAttribute("aria-invalid")).toBe("true");
    expect(field.getAttribute("aria-describedby")).toBe(alert.id);
    expect(field.closest("td")?.contains(alert)).toBe(true);
    expect(server.operator.sent).toEqual([
      {
        command: { kind: "controls.set", key: "position_cap_usd", value: "50" },
        reason: "test",
      },
    ]);
  });

  it("refuses a malformed value or a missing reason before sending anything", async () => {
    const server = await fakeServer();
    const user = userEvent.setup();
    render(<ControlsEditor token={TOKEN} canEdit />);
    const field = await screen.findByRole("textbox", { name: "kill_switch" });
    await user.clear(field);
    await user.type(field, "maybe");
    await user.click(screen.getByRole("button", { name: "Save kill_switch" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/kill_switch: expected/);
    await user.clear(field);
    await user.type(field, "on");
    await user.click(screen.getByRole("button", { name: "Save kill_switch" }));
    await waitFor(() => {
      expect(screen.getByRole("alert").textContent).toBe("a reason is required (above the table)");
    });
    expect(server.operator.sent).toEqual([]);
  });

  it("shows values only, no inputs, to a viewer", async () => {
    await fakeServer();
    render(<ControlsEditor token={TOKEN} canEdit={false} />);
    expect(await screen.findByText("position_cap_usd")).toBeTruthy();
    expect(screen.queryAllByRole("textbox")).toEqual([]);
  });
});

describe("HealthStrip", () => {
  it("shows each feed's data completeness for the current and the last window", () => {
    const windowStart = T0 - (T0 % 900_000);
    render(
      <HealthStrip
        snapshot={snapshotOf({
          feeds: [
            {
              feed: "polymarket-clob",
              status: "OK",
              lastMessageAgeMs: 300,
              gapsTotal: 0,
              completeness: [
                { windowStart, buckets: 200, filled: 155, pct: 77.5 },
                { windowStart: windowStart - 900_000, buckets: 900, filled: 900, pct: 100 },
              ],
              heardAt: Date.now(),
            },
            {
              feed: "older",
              status: "STALE",
              lastMessageAgeMs: null,
              gapsTotal: 0,
              completeness: [],
              heardAt: Date.now(),
            },
          ],
        })}
        receivedAt={T0}
      />,
    );
    const strip = screen.getByRole("region", { name: "System health" });
    expect(within(strip).getByText(/feed polymarket-clob/).textContent).toMatch(
      /^feed polymarket-clob OK, last tick [\d.]+ s, complete 77\.5% this window, 100% last$/,
    );
    // A feed whose md.health carries no completeness (an older publisher) shows none.
    expect(within(strip).getByText(/feed older/).textContent).not.toMatch(/complete/);
  });
});

describe("TradeHistory", () => {
  /** The trade ids the table shows, top to bottom. */
  const shown = () =>
    within(screen.getByRole("table", { name: "Trades" }))
      .queryAllByRole("row")
      .map((r) => r.getAttribute("data-trade-id"));

  it("filters on the server and exports exactly the filtered rows as CSV", async () => {
    const server = await fakeServer();
    let blob: Blob | null = null;
    const created = vi.spyOn(URL, "createObjectURL").mockImplementation((b) => {
      blob = b as Blob;
      return "blob:trades";
    });
    const revoked = vi.spyOn(URL, "revokeObjectURL").mockImplementation(() => undefined);
    const user = userEvent.setup();
    render(<TradeHistory token={TOKEN} />);
    await waitFor(() => {
      expect(screen.getByRole("status", { name: "Trade count" }).textContent).toBe(
        "30 trades match",
      );
    });
    await user.type(screen.getByRole("textbox", { name: "Strategy" }), "canary");
    await user.selectOptions(screen.getByRole("combobox", { name: "Outcome" }), "loss");
    await user.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() => {
      expect(screen.getByRole("status", { name: "Trade count" }).textContent).toBe(
        "10 trades match",
      );
    });
    const ids = shown();
    expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => `t0${20 - i}`));

    // A filter typed but not applied is not what the table shows: the export ignores it.
    await user.type(screen.getByRole("textbox", { name: "Strategy" }), "-draft");
    await user.click(screen.getByRole("button", { name: "Export CSV" }));
    await waitFor(() => {
      expect(blob).not.toBeNull();
    });
    expect(server.requests.at(-1)).toBe("/api/trades.csv?strategy=canary&outcome=loss");
    const csv = await (blob as unknown as Blob).text();
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toMatch(/^tradeId,ts,strategy,/);
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(ids);
    expect(lines.slice(1).every((l) => l.split(",")[2] === "canary")).toBe(true);
    created.mockRestore();
    revoked.mockRestore();
  });

  it("shows each fill's intended and actual price, its slippage, and the PnL gross and net of fees", async () => {
    const store = new MemoryStore();
    await store.savePosition({ ...position("pX", "CLOSED", 300_000), fees: 50_000 });
    await store.recordFill({ ...fill(1, "momentum", "btc-updown-15m-9", "pX") });
    await store.recordFill({
      ...fill(2, "momentum", "btc-updown-15m-9", "pX"),
      kind: "EXIT",
      side: "SELL",
      price: 640_000,
      intendedPrice: 650_000,
    });
    await fakeServer({ store });
    render(<TradeHistory token={TOKEN} />);
    const cells = (id: string) =>
      within(screen.getByRole("table", { name: "Trades" }))
        .getAllByRole("row")
        .find((r) => r.getAttribute("data-trade-id") === id)
        ?.querySelectorAll("[role=cell]");
    await waitFor(() => {
      expect(cells("t002")).toBeDefined();
    });
    const text = (id: string) => Array.from(cells(id) ?? []).map((c) => c.textContent);
    // time, strategy, instrument, fill, price, intended, slippage, size, fee, gross, net, outcome
    expect(text("t001").slice(3)).toEqual([
      "ENTRY BUY",
      "0.510",
      "0.500",
      "0.010",
      "2.00",
      "$0.00",
      "$0.35",
      "$0.30",
      "win",
    ]);
    expect(text("t002").slice(3, 7)).toEqual(["EXIT SELL", "0.640", "0.650", "0.010"]);
  });

  it("shows the server's exact problem for a bad filter", async () => {
    await fakeServer();
    const user = userEvent.setup();
    render(<TradeHistory token={TOKEN} />);
    await user.type(screen.getByRole("textbox", { name: "Strategy" }), "x".repeat(65));
    await user.click(screen.getByRole("button", { name: "Apply filters" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/^strategy: /);
  });
});
