/**
 * The console's routes and event stream without processes: a MemoryStore with known trades, a
 * ConsoleHub fed by hand, a fake CRO behind the Operator port. Roles, validation, filters,
 * cursors, CSV, the WebSocket's resume, bad frames and slow clients.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { SystemClock, VirtualClock } from "../../../bus/clock.ts";
import type { ServerFrame } from "../../../contracts/console.ts";
import type { OpsReply } from "../../../contracts/ops.ts";
import { buildApi, startApi, viewToken, type RunningApi } from "../../../infra/app/http.ts";
import { ConsoleHub } from "../../../infra/app/console/hub.ts";
import { tradesCsv } from "../../../infra/app/console/history.ts";
import { consoleTokens } from "../../../infra/app/console/serve.ts";
import type { Operator, OperatorCommand } from "../../../infra/app/operator.ts";
import type { PositionRecord } from "../../../agents/runtime/store.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import { fill } from "../../../dashboard/test/fake-server.ts";
import { MemoryBroker } from "../../../bus/memory.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import { SeededRng } from "../../../bus/rng.ts";

const TOKEN = "operator-token-0123456789";
const VIEW = "viewer-token-0123456789ab";
const op = { authorization: `Bearer ${TOKEN}` };
const viewer = { authorization: `Bearer ${VIEW}` };
const T0 = 1_767_225_600_000;

function fakeOperator(error: string | null = null): Operator & { sent: OperatorCommand[] } {
  const sent: OperatorCommand[] = [];
  return {
    sent,
    send(command) {
      sent.push(command);
      const reply: OpsReply = {
        id: "r",
        type: "ops.reply",
        v: 1,
        ts: 1,
        source: { agent: "cro", instance: "1" },
        correlationId: "c",
        causationId: null,
        ok: error === null,
        error,
        state: "PAUSED",
        detail: error === null ? "PAUSED, operator hold on" : "",
      };
      return Promise.resolve(reply);
    },
  };
}

function position(id: string, closed: boolean, pnl: number): PositionRecord {
  return {
    positionId: id,
    strategy: "momentum",
    windowId: "btc-updown-15m-1",
    tokenId: "tok0",
    mode: "PAPER",
    state: closed ? "CLOSED" : "MONITORING",
    size: 2_000_000,
    provisionalSize: 0,
    avgEntryPrice: 510_000,
    costBasis: 1_020_000,
    fees: 1_000,
    realizedPnl: pnl,
    unrealizedPnl: 0,
    markPrice: 520_000,
    exitReason: null,
    openedAt: T0,
    closedAt: closed ? T0 + 5000 : null,
    machineVersion: 1,
    snapshot: {},
    updatedAt: T0,
  };
}

/** 30 trades: momentum on window A (won), canary on window B (lost), momentum on C (open). */
async function seededStore(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.savePosition(position("pA", true, 300_000));
  await store.savePosition(position("pB", true, -200_000));
  await store.savePosition(position("pC", false, 0));
  for (let n = 1; n <= 30; n++) {
    const [strategy, windowId, pos] =
      n <= 10
        ? ["momentum", "btc-updown-15m-100", "pA"]
        : n <= 20
          ? ["canary", "eth-updown-15m-200", "pB"]
          : ["momentum", "btc-updown-15m-300", "pC"];
    await store.recordFill(fill(n, strategy, windowId, pos));
  }
  return store;
}

async function app(
  options: { staticDir?: string; operator?: ReturnType<typeof fakeOperator> } = {},
) {
  const clock = new VirtualClock(T0);
  const hub = new ConsoleHub({ clock, stream: "s1", mode: "PAPER", store: "embedded" });
  const store = await seededStore();
  const operator = options.operator ?? fakeOperator();
  const fastify = buildApi({
    token: TOKEN,
    viewToken: VIEW,
    operator,
    status: () => Promise.resolve({ cro: null, agents: [], unhealthy: [], healthy: false }),
    metrics: { text: () => Promise.resolve(""), contentType: "text/plain" },
    console: { hub, store, clock, staticDir: options.staticDir ?? null },
  });
  return { fastify, hub, store, operator };
}

describe("console API roles", () => {
  it("lets the view token read everything and change nothing (403), and refuses others (401)", async () => {
    const { fastify, operator } = await app();
    expect((await fastify.inject({ url: "/api/whoami", headers: viewer })).json()).toEqual({
      role: "viewer",
    });
    expect((await fastify.inject({ url: "/api/whoami", headers: op })).json()).toEqual({
      role: "operator",
    });
    for (const url of ["/api/snapshot", "/api/trades", "/api/controls", "/api/audit"])
      expect((await fastify.inject({ url, headers: viewer })).statusCode).toBe(200);
    for (const url of ["/api/halt", "/api/resume", "/api/controls"]) {
      const r = await fastify.inject({
        method: "POST",
        url,
        headers: viewer,
        payload: { level: "pause", reason: "x", key: "kill_switch", value: "on" },
      });
      expect(r.statusCode).toBe(403);
      expect(r.json<{ error: string }>().error).toMatch(/may only read/);
    }
    expect(operator.sent).toEqual([]);
    const wrong = await fastify.inject({
      url: "/api/snapshot",
      headers: { authorization: "Bearer nope" },
    });
    expect(wrong.statusCode).toBe(401);
  });

  it("refuses a short view token, or one equal to the operator token", () => {
    expect(viewToken(undefined, TOKEN)).toBeNull();
    expect(() => viewToken("short", TOKEN)).toThrow(/at least 16/);
    expect(() => viewToken(TOKEN, TOKEN)).toThrow(/must differ/);
  });

  it("takes PREDATOR_API_TOKEN (checked) or makes a fresh one per run (npm start and up)", () => {
    expect(consoleTokens({ PREDATOR_API_TOKEN: TOKEN, PREDATOR_VIEW_TOKEN: VIEW })).toEqual({
      token: TOKEN,
      viewToken: VIEW,
    });
    const a = consoleTokens({ PREDATOR_API_TOKEN: "" });
    const b = consoleTokens({});
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.viewToken).toBeNull();
    expect(() => consoleTokens({ PREDATOR_API_TOKEN: "short" })).toThrow(
      /PREDATOR_API_TOKEN: at least 16/,
    );
    expect(() => consoleTokens({ PREDATOR_API_TOKEN: TOKEN, PREDATOR_VIEW_TOKEN: TOKEN })).toThrow(
      /must differ/,
    );
  });

  it("records each operator command in the activity feed with the http actor and the outcome", async () => {
    const { fastify, hub } = await app({ operator: fakeOperator("nothing to resume") });
    const r = await fastify.inject({
      method: "POST",
      url: "/api/resume",
      headers: op,
      payload: { reason: "all clear now" },
    });
    expect(r.statusCode).toBe(409);
    const [event] = hub.recent(10, "operator");
    expect(event?.text).toMatch(
      /^http:token-[0-9a-f]{8}@127\.0\.0\.1: resume — all clear now \(refused: nothing to resume\)$/,
    );
  });
});

describe("console API trades", () => {
  it("filters by strategy, instrument, date range and outcome on the server", async () => {
    const { fastify } = await app();
    const get = async (q: string) =>
      (await fastify.inject({ url: `/api/trades?${q}`, headers: op })).json<{
        rows: { tradeId: string; outcome: string; slippage: number }[];
        total: number;
      }>();
    expect((await get("")).total).toBe(30);
    expect((await get("strategy=canary")).total).toBe(10);
    expect((await get("instrument=btc-updown")).total).toBe(20);
    expect((await get("outcome=win")).rows.every((r) => r.outcome === "win")).toBe(true);
    expect((await get("outcome=loss")).total).toBe(10);
    expect((await get("outcome=open")).total).toBe(10);
    expect((await get(`from=${T0 + 5000}&to=${T0 + 7000}`)).rows.map((r) => r.tradeId)).toEqual([
      "t007",
      "t006",
      "t005",
    ]);
    // Paid 0.51 for an intended 0.50: 0.01 worse.
    expect((await get("limit=1")).rows[0]?.slippage).toBe(10_000);
  });

  it("pages with a cursor: no row twice, none missed", async () => {
    const { fastify } = await app();
    const seen: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const q: string = cursor === "" ? "" : `&cursor=${cursor}`;
      const page = (await fastify.inject({ url: `/api/trades?limit=7${q}`, headers: op })).json<{
        rows: { tradeId: string }[];
        next: string | null;
      }>();
      seen.push(...page.rows.map((r) => r.tradeId));
      cursor = page.next;
    }
    expect(seen).toHaveLength(30);
    expect(new Set(seen).size).toBe(30);
    expect(seen[0]).toBe("t030");
  });

  it("answers 400 with the exact problem for a bad query", async () => {
    const { fastify } = await app();
    const cases: [string, RegExp][] = [
      ["limit=0", /limit: at least 1/],
      ["limit=501", /limit: at most 500/],
      ["limit=abc", /limit: expected a number/],
      ["outcome=maybe", /outcome: expected win, loss, open or none/],
      ["from=yesterday", /from: expected epoch milliseconds or an ISO date/],
      ["colour=red", /unknown parameter\(s\): colour/],
      ["cursor=!!", /cursor: not a cursor this server gave out/],
    ];
    for (const [q, error] of cases) {
      const r = await fastify.inject({ url: `/api/trades?${q}`, headers: op });
      expect(r.statusCode, q).toBe(400);
      expect(r.json<{ error: string }>().error, q).toMatch(error);
    }
  });

  it("exports exactly the filtered rows as CSV", async () => {
    const { fastify } = await app();
    const r = await fastify.inject({ url: "/api/trades.csv?strategy=canary", headers: op });
    expect(r.headers["content-type"]).toMatch(/^text\/csv/);
    const lines = r.body.trim().split("\r\n");
    expect(lines[0]).toMatch(/^tradeId,ts,strategy,/);
    expect(lines).toHaveLength(11);
    expect(lines.slice(1).every((l) => l.split(",")[2] === "canary")).toBe(true);
    expect(tradesCsv([])).toBe(`${lines[0] ?? ""}\r\n`);
    // PnL net of fees (the position's realized), its fees, and gross = net + fees.
    expect(lines[0]).toMatch(/,outcome,realizedPnl,positionFees,grossPnl$/);
    for (const l of lines.slice(1)) {
      const [net, fees, gross] = l.split(",").slice(-3).map(Number);
      expect(gross, l).toBe((net ?? NaN) + (fees ?? NaN));
      expect(fees, l).toBe(1_000);
    }
  });
});

describe("console API other history", () => {
  it("lists positions (open filter), controls with defaults, audit and alerts", async () => {
    const { fastify, store } = await app();
    const open = (await fastify.inject({ url: "/api/positions?open=true", headers: op })).json<{
      rows: { positionId: string; snapshot?: unknown }[];
    }>();
    expect(open.rows.map((p) => p.positionId)).toEqual(["pC"]);
    expect(open.rows[0]?.snapshot).toBeUndefined();
    await store.setControl("position_cap_usd", "7", "http:token-x@1", T0);
    const controls = (await fastify.inject({ url: "/api/controls", headers: op })).json<{
      rows: { key: string; value: string; default: string; updatedBy: string | null }[];
    }>();
    expect(controls.rows.find((c) => c.key === "position_cap_usd")).toMatchObject({
      value: "7",
      default: "5",
      updatedBy: "http:token-x@1",
    });
    await store.appendCroEvent({
      ts: T0,
      epoch: 1,
      state: "PAUSED",
      reason: "operator halt pause: x (by http:token-x@1)",
      actor: "http:token-x@1",
      operatorHold: true,
      detail: null,
    });
    const audit = (await fastify.inject({ url: "/api/audit", headers: op })).json<{
      rows: { actor: string }[];
    }>();
    expect(audit.rows[0]?.actor).toBe("http:token-x@1");
    expect((await fastify.inject({ url: "/api/alerts?limit=5", headers: op })).statusCode).toBe(
      200,
    );
    expect(
      (await fastify.inject({ url: "/api/positions?open=maybe", headers: op })).json(),
    ).toEqual({
      error: "open: expected true or false",
    });
  });

  it("serves the built app at / without a token, and nothing outside its directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "console-static-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>c</title>");
    writeFileSync(join(dir, "assets", "app.js"), "export {}");
    const { fastify } = await app({ staticDir: dir });
    const index = await fastify.inject({ url: "/" });
    expect(index.statusCode).toBe(200);
    expect(index.headers["content-type"]).toMatch(/^text\/html/);
    const js = await fastify.inject({ url: "/assets/app.js" });
    expect(js.headers["content-type"]).toMatch(/^text\/javascript/);
    expect((await fastify.inject({ url: "/assets/..%2F..%2Fetc%2Fpasswd" })).statusCode).toBe(404);
    expect((await fastify.inject({ url: "/assets/missing.js" })).statusCode).toBe(404);
  });
});

describe("console event hub", () => {
  it("replays exactly the events after an id, and says when it cannot", () => {
    const hub = new ConsoleHub({
      clock: new VirtualClock(T0),
      stream: "s",
      mode: "SIM",
      store: "embedded",
      limits: { eventsMax: 5 },
    });
    for (let i = 1; i <= 8; i++) hub.push("alert", T0, `a${i}`, {});
    expect(hub.since(8)).toEqual([]);
    expect(hub.since(5)?.map((e) => e.id)).toEqual([6, 7, 8]);
    expect(hub.since(3)?.map((e) => e.id)).toEqual([4, 5, 6, 7, 8]);
    expect(hub.since(2)).toBeNull(); // 3 was dropped from the ring
    expect(hub.since(9)).toBeNull(); // from another stream's future
  });
});

describe("console hub: strategy halts", () => {
  it("marks a strategy the CRO halted and clears it on resume, each change an event", async () => {
    const clock = new VirtualClock(T0);
    const broker = new MemoryBroker({ clock, rng: new SeededRng(1) });
    const hub = new ConsoleHub({ clock, stream: "s", mode: "SIM", store: "embedded" });
    hub.follow(broker.connect("ops.console"));
    const cro = broker.connect("cro.1");
    const factory = new MessageFactory(clock, new SeededRng(2), { agent: "cro", instance: "1" });
    const halt = {
      strategy: "cheap-side",
      reason: "win rate 0% below 90% after 4 trades",
      since: T0,
      actor: "cro",
      manifestVersion: "1",
    };
    const state = (strategyHalts: (typeof halt)[]) =>
      cro.publish(
        factory.make("cro.state", {
          state: "ACTIVE",
          reason: "all clear",
          since: T0,
          epoch: 1,
          blockers: [],
          operatorHold: false,
          agents: [],
          strategyHalts,
        }),
      );
    await state([halt]);
    await state([halt]); // republished: no second event
    await clock.runUntilIdle();
    expect(hub.snapshot().strategies).toEqual([
      expect.objectContaining({
        name: "cheap-side",
        halt: { reason: halt.reason, since: T0, actor: "cro" },
      }),
    ]);
    await state([]);
    await clock.runUntilIdle();
    expect(hub.snapshot().strategies[0]?.halt).toBeNull();
    expect(hub.recent(10, "strategy").map((e) => e.text)).toEqual([
      `cheap-side HALTED by cro: ${halt.reason}`,
      "cheap-side resumed",
    ]);
  });
});

describe("console event stream (WebSocket)", () => {
  let running: RunningApi | null = null;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.terminate();
    await running?.close();
    running = null;
  });

  async function serve(sendBufferBytesMax?: number) {
    const clock = new SystemClock();
    const hub = new ConsoleHub({ clock, stream: "live", mode: "PAPER", store: "embedded" });
    running = await startApi(
      {
        token: TOKEN,
        viewToken: VIEW,
        operator: fakeOperator(),
        status: () => Promise.resolve({ cro: null, agents: [], unhealthy: [], healthy: false }),
        metrics: { text: () => Promise.resolve(""), contentType: "text/plain" },
        console: { hub, store: new MemoryStore(), clock, staticDir: null },
      },
      { host: "127.0.0.1", port: 0 },
      sendBufferBytesMax === undefined ? {} : { sendBufferBytesMax },
    );
    return { hub, url: `ws://127.0.0.1:${running.port}/api/events` };
  }

  /** Opens a socket and collects its frames; `closed` resolves with the close code. */
  function open(url: string) {
    const ws = new WebSocket(url);
    sockets.push(ws);
    const frames: ServerFrame[] = [];
    const opened = new Promise<void>((resolve) =>
      ws.once("open", () => {
        resolve();
      }),
    );
    const closed = new Promise<number>((resolve) =>
      ws.once("close", (code) => {
        resolve(code);
      }),
    );
    ws.on("message", (d: Buffer) => frames.push(JSON.parse(d.toString()) as ServerFrame));
    return { ws, frames, opened, closed };
  }

  async function until(check: () => boolean, what: string): Promise<void> {
    const deadline = performance.now() + 5_000;
    while (!check()) {
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setImmediate(r));
    }
  }

  const ids = (frames: ServerFrame[]) =>
    frames.flatMap((f) => (f.type === "events" ? f.events.map((e) => e.id) : []));

  it("resumes after the last id seen: no gap, no duplicate", async () => {
    const { hub, url } = await serve();
    for (let i = 1; i <= 3; i++) hub.push("alert", T0, `a${i}`, {});
    const first = open(url);
    await first.opened;
    first.ws.send(JSON.stringify({ type: "hello", token: VIEW, stream: null, after: 0 }));
    await until(() => first.frames.some((f) => f.type === "reset"), "reset");
    expect(first.frames[0]).toEqual({ type: "welcome", role: "viewer", stream: "live", lastId: 3 });
    hub.push("alert", T0, "a4", {});
    await until(() => ids(first.frames).includes(4), "event 4");
    first.ws.close();
    await first.closed;
    hub.push("alert", T0, "a5", {});
    hub.push("alert", T0, "a6", {});
    const again = open(url);
    await again.opened;
    again.ws.send(JSON.stringify({ type: "hello", token: TOKEN, stream: "live", after: 4 }));
    hub.push("alert", T0, "a7", {});
    await until(() => ids(again.frames).includes(7), "event 7");
    expect(ids(again.frames)).toEqual([5, 6, 7]);
  });

  it("sends a burst of events in one frame, in id order", async () => {
    const { hub, url } = await serve();
    const client = open(url);
    await client.opened;
    client.ws.send(JSON.stringify({ type: "hello", token: TOKEN, stream: "live", after: 0 }));
    await until(() => client.frames.some((f) => f.type === "welcome"), "welcome");
    for (let i = 1; i <= 50; i++) hub.push("alert", T0, `burst ${i}`, {});
    await until(() => ids(client.frames).includes(50), "event 50");
    const batches = client.frames.filter((f) => f.type === "events");
    expect(batches).toHaveLength(1);
    expect(ids(client.frames)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it("closes only the socket that sent a malformed frame or a wrong token", async () => {
    const { hub, url } = await serve();
    const good = open(url);
    const bad = open(url);
    const wrong = open(url);
    await Promise.all([good.opened, bad.opened, wrong.opened]);
    good.ws.send(JSON.stringify({ type: "hello", token: TOKEN, stream: null, after: 0 }));
    bad.ws.send("{not json");
    wrong.ws.send(
      JSON.stringify({ type: "hello", token: "wrong-token-000000", stream: null, after: 0 }),
    );
    expect(await bad.closed).toBe(4400);
    expect(await wrong.closed).toBe(4401);
    hub.push("alert", T0, "still here", {});
    await until(() => ids(good.frames).length === 1, "event on the good socket");
    expect(good.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("drops a client whose send buffer passes the bound, without slowing the hub", async () => {
    const { hub, url } = await serve(1);
    const slow = open(url);
    await slow.opened;
    slow.ws.send(JSON.stringify({ type: "hello", token: TOKEN, stream: null, after: 0 }));
    await until(() => slow.frames.some((f) => f.type === "reset"), "reset");
    slow.ws.pause(); // stops reading: the server's buffer fills
    const big = "x".repeat(900);
    for (let i = 0; i < 20_000; i++) hub.push("alert", T0, big, {});
    slow.ws.resume();
    expect(await slow.closed).not.toBe(1000);
    expect(ids(slow.frames).length).toBeLessThan(20_000);
  });
});
