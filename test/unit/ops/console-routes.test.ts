/**
 * Every console route's guard and validation, route by route: 401 without the token (or with a
 * wrong one) on each, 403 for the view token on each change, 400 with the exact problem for each
 * bad query, and the request body size limit. console-api.test.ts covers what the routes answer.
 */
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { VirtualClock } from "../../../bus/clock.ts";
import { consoleEventKind } from "../../../contracts/console.ts";
import { ConsoleHub } from "../../../infra/app/console/hub.ts";
import { buildApi, startApi, type RunningApi } from "../../../infra/app/http.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import { fakeOperator, T0, TOKEN, VIEW } from "../../../dashboard/test/fake-server.ts";

const op = { authorization: `Bearer ${TOKEN}` };
const viewer = { authorization: `Bearer ${VIEW}` };

const READS = [
  "/api/whoami",
  "/api/status",
  "/api/snapshot",
  "/api/activity",
  "/api/decisions",
  "/api/trades",
  "/api/trades.csv",
  "/api/positions",
  "/api/audit",
  "/api/alerts",
  "/api/controls",
] as const;
const CHANGES = [
  ["/api/halt", { level: "pause", reason: "x" }],
  ["/api/resume", { reason: "x" }],
  ["/api/controls", { key: "kill_switch", value: "on", reason: "x" }],
] as const;

function app() {
  const clock = new VirtualClock(T0);
  const hub = new ConsoleHub({ clock, stream: "s1", mode: "PAPER", store: "embedded" });
  const operator = fakeOperator();
  const fastify = buildApi({
    token: TOKEN,
    viewToken: VIEW,
    operator,
    status: () => Promise.resolve({ cro: null, agents: [], unhealthy: [], healthy: false }),
    metrics: { text: () => Promise.resolve(""), contentType: "text/plain" },
    console: { hub, store: new MemoryStore(), clock, staticDir: null },
  });
  return { fastify, hub, sent: operator.sent };
}

describe("console routes: who may call them", () => {
  it("answers 401 on every route without the token, with a wrong one or another scheme", async () => {
    const { fastify, sent } = app();
    const refused = [
      {},
      { authorization: "Bearer wrong-token-0123456789" },
      { authorization: `Basic ${TOKEN}` },
    ];
    for (const headers of refused) {
      for (const url of READS) {
        const r = await fastify.inject({ url, headers });
        expect(r.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.json()).toEqual({ error: "missing or wrong bearer token" });
        expect(r.headers["www-authenticate"]).toBe("Bearer");
      }
      for (const [url, payload] of CHANGES) {
        const r = await fastify.inject({ method: "POST", url, headers, payload });
        expect(r.statusCode, url).toBe(401);
      }
    }
    expect(sent).toEqual([]);
  });

  it("lets both tokens read every route, and only the operator token change anything (403)", async () => {
    const { fastify, sent } = app();
    for (const url of READS) {
      // /api/status is 503 until the CRO answers: still past the token check.
      const expected = url === "/api/status" ? 503 : 200;
      expect((await fastify.inject({ url, headers: viewer })).statusCode, url).toBe(expected);
      expect((await fastify.inject({ url, headers: op })).statusCode, url).toBe(expected);
    }
    for (const [url, payload] of CHANGES) {
      const r = await fastify.inject({ method: "POST", url, headers: viewer, payload });
      expect(r.statusCode, url).toBe(403);
      expect(r.json()).toEqual({
        error: "this token may only read: halt, resume and controls need the operator token",
      });
    }
    expect(sent).toEqual([]);
    for (const [url, payload] of CHANGES) {
      const r = await fastify.inject({ method: "POST", url, headers: op, payload });
      expect(r.statusCode, url).toBe(200);
    }
    expect(sent).toHaveLength(3);
  });
});

describe("console routes: body size", () => {
  it("refuses a body over 16 KiB with 413 before parsing it, and sends nothing", async () => {
    const { fastify, sent } = app();
    for (const [url] of CHANGES) {
      const r = await fastify.inject({
        method: "POST",
        url,
        headers: { ...op, "content-type": "application/json" },
        payload: JSON.stringify({ reason: "x".repeat(16 * 1024) }),
      });
      expect(r.statusCode, url).toBe(413);
      expect(r.json<{ message: string }>().message).toBe("Request body is too large");
    }
    // Just under the limit is parsed (and then refused for what it says, not for its size).
    const under = await fastify.inject({
      method: "POST",
      url: "/api/resume",
      headers: { ...op, "content-type": "application/json" },
      payload: JSON.stringify({ reason: "x".repeat(16 * 1024 - 20) }),
    });
    expect(under.statusCode).toBe(400);
    expect(under.json()).toEqual({ error: "reason: at most 500 characters" });
    expect(sent).toEqual([]);
  });
});

describe("console routes: queries", () => {
  async function bad(url: string): Promise<string> {
    const { fastify } = app();
    const r = await fastify.inject({ url, headers: op });
    expect(r.statusCode, url).toBe(400);
    return r.json<{ error: string }>().error;
  }

  it("/api/activity filters by kind and limit, and says what is wrong with a bad query", async () => {
    const { fastify, hub } = app();
    for (let i = 1; i <= 6; i++) hub.push(i % 2 === 0 ? "fill" : "alert", T0 + i, `e${i}`, {});
    const get = async (q: string) =>
      (await fastify.inject({ url: `/api/activity?${q}`, headers: op })).json<{
        rows: { id: number; kind: string }[];
        lastId: number;
        stream: string;
      }>();
    const all = await get("");
    expect(all.rows.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(all).toMatchObject({ lastId: 6, stream: "s1" });
    expect((await get("kind=fill")).rows.map((e) => e.id)).toEqual([2, 4, 6]);
    expect((await get("kind=alert&limit=2")).rows.map((e) => e.id)).toEqual([3, 5]);
    expect(await bad("/api/activity?kind=trade")).toBe(
      `kind: expected one of ${consoleEventKind.options.join(", ")}`,
    );
    expect(await bad("/api/activity?limit=0")).toBe("limit: at least 1");
    expect(await bad("/api/activity?limit=501")).toBe("limit: at most 500");
    expect(await bad("/api/activity?limit=2.5")).toBe("limit: expected a whole number");
    expect(await bad("/api/activity?cursor=abc")).toBe("unknown parameter(s): cursor");
  });

  it("/api/decisions pages newest first by cursor, and refuses a bad or stale cursor", async () => {
    const { fastify, hub } = app();
    for (let i = 1; i <= 5; i++) hub.push("decision", T0 + i, `d${i}`, {});
    hub.push("fill", T0, "not a decision", {});
    const page = async (q: string) =>
      (await fastify.inject({ url: `/api/decisions?${q}`, headers: op })).json<{
        rows: { id: number }[];
        next: string | null;
      }>();
    const first = await page("limit=2");
    expect(first.rows.map((e) => e.id)).toEqual([5, 4]);
    const second = await page(`limit=2&cursor=${first.next ?? ""}`);
    expect(second.rows.map((e) => e.id)).toEqual([3, 2]);
    const last = await page(`limit=2&cursor=${second.next ?? ""}`);
    expect(last).toEqual({ rows: [expect.objectContaining({ id: 1 })], next: null });
    expect(await bad("/api/decisions?cursor=***")).toBe(
      "cursor: not a cursor this server gave out",
    );
    const gone = Buffer.from("999").toString("base64url");
    expect(await bad(`/api/decisions?cursor=${gone}`)).toBe(
      "cursor: that row is no longer in this list; start again",
    );
    expect(await bad("/api/decisions?limit=x")).toBe("limit: expected a number");
    expect(await bad("/api/decisions?kind=fill")).toBe("unknown parameter(s): kind");
  });

  it("/api/positions, /api/audit and /api/alerts refuse a bad query with the exact problem", async () => {
    for (const route of ["/api/positions", "/api/audit", "/api/alerts"]) {
      expect(await bad(`${route}?limit=0`)).toBe("limit: at least 1");
      expect(await bad(`${route}?limit=1000`)).toBe("limit: at most 500");
      expect(await bad(`${route}?cursor=%25%25`)).toBe("cursor: not a cursor this server gave out");
      expect(await bad(`${route}?cursor=${"a".repeat(401)}`)).toMatch(/^cursor: /);
      expect(await bad(`${route}?sort=asc`)).toBe("unknown parameter(s): sort");
    }
    expect(await bad("/api/positions?open=yes")).toBe("open: expected true or false");
    expect(await bad("/api/audit?open=true")).toBe("unknown parameter(s): open");
  });

  it("/api/trades.csv takes the filter but not paging, and refuses a bad filter", async () => {
    expect(await bad("/api/trades.csv?limit=10")).toBe("unknown parameter(s): limit");
    expect(await bad("/api/trades.csv?cursor=abc")).toBe("unknown parameter(s): cursor");
    expect(await bad("/api/trades.csv?outcome=draw")).toBe(
      "outcome: expected win, loss, open or none",
    );
    expect(await bad("/api/trades.csv?to=soon")).toBe(
      "to: expected epoch milliseconds or an ISO date",
    );
    expect(await bad(`/api/trades.csv?strategy=${"s".repeat(65)}`)).toMatch(/^strategy: /);
    expect(await bad("/api/trades?instrument=")).toMatch(/^instrument: /);
  });
});

describe("console routes: the event socket's bounds", () => {
  let running: RunningApi | null = null;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.terminate();
    await running?.close();
    running = null;
  });

  async function serve() {
    const clock = new VirtualClock(T0);
    const hub = new ConsoleHub({ clock, stream: "s1", mode: "PAPER", store: "embedded" });
    running = await startApi(
      {
        token: TOKEN,
        operator: { send: () => Promise.reject(new Error("not used")) },
        status: () => Promise.resolve({ cro: null, agents: [], unhealthy: [], healthy: false }),
        metrics: { text: () => Promise.resolve(""), contentType: "text/plain" },
        console: { hub, store: new MemoryStore(), clock, staticDir: null },
      },
      { host: "127.0.0.1", port: 0 },
    );
    return { clock, base: `ws://127.0.0.1:${running.port}` };
  }

  /** Opens a socket; resolves with how it ended: close code and reason, or the upgrade's error. */
  function open(url: string) {
    const ws = new WebSocket(url);
    sockets.push(ws);
    const opened = new Promise<void>((resolve) =>
      ws.once("open", () => {
        resolve();
      }),
    );
    const ended = new Promise<string>((resolve) => {
      ws.once("close", (code, reason) => {
        resolve(`${code} ${reason.toString()}`);
      });
      ws.once("error", (e) => {
        resolve(e.message);
      });
    });
    return { ws, opened, ended };
  }

  it("answers 404 on any other upgrade path", async () => {
    const { base } = await serve();
    expect(await open(`${base}/api/other`).ended).toMatch(/Unexpected server response: 404/);
  });

  it("closes a socket whose hello is malformed, too big, late, or followed by more frames", async () => {
    const { clock, base } = await serve();
    const shape = open(`${base}/api/events`);
    const big = open(`${base}/api/events`);
    const late = open(`${base}/api/events`);
    const chatty = open(`${base}/api/events`);
    await Promise.all([shape.opened, big.opened, late.opened, chatty.opened]);
    shape.ws.send(JSON.stringify({ type: "hello", token: TOKEN, stream: null }));
    expect(await shape.ended).toMatch(/^4400 bad hello: after /);
    big.ws.send(JSON.stringify({ type: "hello", token: "x".repeat(5000), stream: null, after: 0 }));
    expect(await big.ended).toBe("1009 ");
    chatty.ws.send(JSON.stringify({ type: "hello", token: TOKEN, stream: null, after: 0 }));
    chatty.ws.send(JSON.stringify({ type: "hello", token: TOKEN, stream: null, after: 0 }));
    expect(await chatty.ended).toBe("4400 unexpected frame after hello");
    // Nothing from `late`: after 5 s (on the console's clock) it is closed.
    await clock.advance(4_999);
    expect(late.ws.readyState).toBe(WebSocket.OPEN);
    await clock.advance(1);
    expect(await late.ended).toBe("4400 no hello");
  });

  it("refuses a 65th socket at once (503)", async () => {
    const { base } = await serve();
    const first = Array.from({ length: 64 }, () => open(`${base}/api/events`));
    await Promise.all(first.map((s) => s.opened));
    expect(await open(`${base}/api/events`).ended).toMatch(/Unexpected server response: 503/);
  });
});
