/**
 * Review mode over the ops HTTP API: GET /api/reviews lists the stored review list (any token,
 * validated query); POST /api/review/mark sends review.mark to the CRO with the reason as the
 * note (operator token only: the view token gets 403; a bad body 400).
 */
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../bus/clock.ts";
import type { OpsReply } from "../../../contracts/ops.ts";
import { buildApi } from "../../../infra/app/http.ts";
import { ConsoleHub } from "../../../infra/app/console/hub.ts";
import type { Operator, OperatorCommand } from "../../../infra/app/operator.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";

const TOKEN = "operator-token-0123456789";
const VIEW = "viewer-token-0123456789ab";
const op = { authorization: `Bearer ${TOKEN}` };
const viewer = { authorization: `Bearer ${VIEW}` };
const T0 = 1_767_225_600_000;

function fakeOperator(): Operator & { sent: Array<[OperatorCommand, string, string]> } {
  const sent: Array<[OperatorCommand, string, string]> = [];
  return {
    sent,
    send(command, actor, reason) {
      sent.push([command, actor, reason]);
      const reply: OpsReply = {
        id: "r",
        type: "ops.reply",
        v: 1,
        ts: 1,
        source: { agent: "cro", instance: "1" },
        correlationId: "c",
        causationId: null,
        ok: true,
        error: null,
        state: "ACTIVE",
        detail: "p-1 (cheap-side) reviewed; 0 pending, 1/1 windows",
      };
      return Promise.resolve(reply);
    },
  };
}

async function app() {
  const clock = new VirtualClock(T0);
  const hub = new ConsoleHub({ clock, stream: "s1", mode: "PAPER", store: "embedded" });
  const store = new MemoryStore();
  const row = (positionId: string, strategy: string) => ({
    positionId,
    strategy,
    windowId: "btc-updown-15m-1",
    createdAt: T0,
    reviewedAt: null,
    reviewedBy: null,
    note: null,
  });
  await store.addTradeReview(row("p-1", "cheap-side"));
  await store.addTradeReview(row("p-2", "momentum"));
  await store.markTradeReviewed("p-2", "alice", "fine", T0 + 1);
  const operator = fakeOperator();
  const fastify = buildApi({
    token: TOKEN,
    viewToken: VIEW,
    operator,
    status: () => Promise.resolve({ cro: null, agents: [], unhealthy: [], healthy: false }),
    metrics: { text: () => Promise.resolve(""), contentType: "text/plain" },
    console: { hub, store, clock, staticDir: null },
  });
  return { fastify, operator };
}

describe("review mode over HTTP", () => {
  it("lists pending reviews to any token, all with pending=false, and validates the query", async () => {
    const { fastify } = await app();
    const pending = await fastify.inject({ url: "/api/reviews", headers: viewer });
    expect(pending.statusCode).toBe(200);
    const ids = (r: typeof pending) =>
      r.json<{ reviews: Array<{ positionId: string }> }>().reviews.map((x) => x.positionId);
    expect(ids(pending)).toEqual(["p-1"]);
    const all = await fastify.inject({ url: "/api/reviews?pending=false", headers: op });
    expect(ids(all)).toEqual(["p-1", "p-2"]);
    const one = await fastify.inject({
      url: "/api/reviews?pending=false&strategy=momentum",
      headers: op,
    });
    expect(ids(one)).toEqual(["p-2"]);
    const bad = await fastify.inject({ url: "/api/reviews?strategy=BAD!", headers: op });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: string }>().error).toMatch(/strategy: expected a strategy name/);
  });

  it("marks through the CRO with the operator token; the view token gets 403, a bad body 400", async () => {
    const { fastify, operator } = await app();
    const denied = await fastify.inject({
      method: "POST",
      url: "/api/review/mark",
      headers: viewer,
      payload: { positionId: "p-1", reason: "looked at it" },
    });
    expect(denied.statusCode).toBe(403);
    const noReason = await fastify.inject({
      method: "POST",
      url: "/api/review/mark",
      headers: op,
      payload: { positionId: "p-1" },
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json<{ error: string }>().error).toMatch(/reason: required/);
    const badId = await fastify.inject({
      method: "POST",
      url: "/api/review/mark",
      headers: op,
      payload: { positionId: "../x", reason: "r" },
    });
    expect(badId.statusCode).toBe(400);
    expect(operator.sent).toEqual([]);
    const ok = await fastify.inject({
      method: "POST",
      url: "/api/review/mark",
      headers: op,
      payload: { positionId: "p-1", reason: "entry and exit as intended" },
    });
    expect(ok.statusCode).toBe(200);
    expect(operator.sent).toEqual([
      [
        { kind: "review.mark", positionId: "p-1" },
        expect.any(String),
        "entry and exit as intended",
      ],
    ]);
  });
});
