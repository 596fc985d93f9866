import { describe, expect, it } from "vitest";
import { applyEvent, newBookState } from "../../../agents/market-data/book-state.ts";
import { computeHealth } from "../../../agents/market-data/health.ts";
import { bookEvent, market, T0, windowEvent } from "./helpers.ts";

const bounds = { staleAfterMs: 5_000, downAfterMs: 15_000 };
const m = market();

describe("feed health", () => {
  it("is STALE before the feed has said anything, and DOWN once silent past downAfterMs", () => {
    const state = newBookState();
    expect(computeHealth(state, T0 + 1_000, T0, bounds)).toMatchObject({
      status: "STALE",
      lastMessageAgeMs: null,
    });
    expect(computeHealth(state, T0 + 15_001, T0, bounds).status).toBe("DOWN");
  });

  it("is OK while every OPEN window's token is fresh", () => {
    const state = newBookState();
    applyEvent(state, windowEvent(m, "opened"), T0);
    applyEvent(state, bookEvent(m, "up", 1, T0), T0 + 1_000);
    applyEvent(state, bookEvent(m, "down", 1, T0), T0 + 2_000);
    expect(computeHealth(state, T0 + 5_000, T0, bounds)).toEqual({
      status: "OK",
      staleTokens: [],
      gapTokens: [],
      lastMessageAgeMs: 3_000,
      gapsTotal: 0,
    });
  });

  it("names an OPEN window's token silent past staleAfterMs, counting from when it opened", () => {
    const state = newBookState();
    applyEvent(state, windowEvent(m, "opened"), T0);
    applyEvent(state, bookEvent(m, "down", 1, T0), T0 + 5_500);
    const h = computeHealth(state, T0 + 5_500, T0, bounds);
    expect(h).toMatchObject({ status: "STALE", staleTokens: [m.upTokenId] });
  });

  it("does not count LISTED windows' tokens as stale", () => {
    const state = newBookState();
    applyEvent(state, windowEvent(m, "listed"), T0);
    applyEvent(state, windowEvent(market({ startTs: T0 + 900_000 }), "listed"), T0 + 4_000);
    expect(computeHealth(state, T0 + 9_000, T0, bounds).status).toBe("OK");
  });

  it("is GAP while a token has an unhealed gap, then OK again", () => {
    const state = newBookState();
    applyEvent(state, windowEvent(m, "opened"), T0);
    applyEvent(state, bookEvent(m, "up", 1, T0), T0);
    applyEvent(state, bookEvent(m, "down", 1, T0), T0);
    applyEvent(state, bookEvent(m, "up", 3, T0), T0 + 100);
    expect(computeHealth(state, T0 + 200, T0, bounds)).toMatchObject({
      status: "GAP",
      gapTokens: [m.upTokenId],
      gapsTotal: 1,
    });
    applyEvent(state, bookEvent(m, "up", 4, T0), T0 + 300);
    expect(computeHealth(state, T0 + 400, T0, bounds).status).toBe("OK");
  });

  it("reports DOWN over GAP when the whole feed is silent", () => {
    const state = newBookState();
    applyEvent(state, windowEvent(m, "opened"), T0);
    applyEvent(state, bookEvent(m, "up", 1, T0), T0);
    applyEvent(state, bookEvent(m, "up", 3, T0), T0);
    expect(computeHealth(state, T0 + 15_001, T0, bounds).status).toBe("DOWN");
  });
});
