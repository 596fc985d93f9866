/**
 * The operator's HTTP API without processes: a fake CRO behind the Operator port and a fixed
 * fleet status. Bearer token on /api/*, body validation, who the CRO is told is asking, health.
 */
import { describe, expect, it } from "vitest";
import type { OpsReply } from "../../../contracts/ops.ts";
import type { FleetStatus } from "../../../infra/app/fleet-status.ts";
import { apiToken, buildApi, startApi } from "../../../infra/app/http.ts";
import {
  CroSilentError,
  type CroStatus,
  type Operator,
  type OperatorCommand,
} from "../../../infra/app/operator.ts";

const TOKEN = "t0ken-for-tests-0123456789";
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface Sent {
  command: OperatorCommand;
  actor: string;
  reason: string;
}

function fakeOperator(answer: "ok" | "refuse" | "silent" = "ok"): Operator & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    send(command, actor, reason) {
      sent.push({ command, actor, reason });
      if (answer === "silent") return Promise.reject(new CroSilentError(command.kind));
      const reply: OpsReply = {
        id: "r1",
        type: "ops.reply",
        v: 1,
        ts: 1,
        source: { agent: "cro", instance: "1" },
        correlationId: "c1",
        causationId: null,
        ok: answer === "ok",
        error: answer === "ok" ? null : "nothing to resume",
        state: "PAUSED",
        detail: answer === "ok" ? "PAUSED, operator hold on" : "",
      };
      return Promise.resolve(reply);
    },
  };
}

const cro: CroStatus = {
  state: "ACTIVE",
  reason: "all clear",
  since: 1,
  epoch: 3,
  blockers: [],
  operatorHold: false,
  leader: true,
  agents: [],
};

function status(healthy: boolean): FleetStatus {
  return {
    cro: healthy ? cro : null,
    agents: [],
    unhealthy: healthy ? [] : ["portfolio"],
    healthy,
  };
}

function api(operator: Operator = fakeOperator(), healthy = true) {
  return buildApi({
    token: TOKEN,
    operator,
    status: () => Promise.resolve(status(healthy)),
    metrics: {
      text: () => Promise.resolve("predator_trading_state 1\n"),
      contentType: "text/plain",
    },
  });
}

describe("HTTP API authentication", () => {
  it("refuses /api/* without a token, with a wrong one, or with another scheme (401)", async () => {
    const operator = fakeOperator();
    const app = api(operator);
    const cases = [
      {},
      { authorization: "Bearer wrong-token-0123456789" },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Basic ${TOKEN}` },
    ];
    for (const headers of cases) {
      const r = await app.inject({
        method: "POST",
        url: "/api/halt",
        headers,
        payload: { level: "pause", reason: "x" },
      });
      expect(r.statusCode).toBe(401);
      expect(r.headers["www-authenticate"]).toBe("Bearer");
    }
    expect((await app.inject({ method: "GET", url: "/api/status" })).statusCode).toBe(401);
    expect(operator.sent).toEqual([]);
  });

  it("refuses to start without a token or with a short one", () => {
    expect(() => apiToken(undefined)).toThrow(/PREDATOR_API_TOKEN: required/);
    expect(() => apiToken("short")).toThrow(/at least 16 characters/);
    expect(apiToken(TOKEN)).toBe(TOKEN);
  });
});

describe("HTTP API operator actions", () => {
  it("halts through the CRO with the level, the reason and an http actor naming the token", async () => {
    const operator = fakeOperator();
    const r = await api(operator).inject({
      method: "POST",
      url: "/api/halt",
      headers: AUTH,
      payload: { level: "flatten", reason: "feed looks wrong" },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ ok: true, state: "PAUSED" });
    expect(operator.sent).toHaveLength(1);
    const [sent] = operator.sent;
    expect(sent?.command).toEqual({ kind: "halt", level: "flatten" });
    expect(sent?.reason).toBe("feed looks wrong");
    expect(sent?.actor).toMatch(/^http:token-[0-9a-f]{8}@127\.0\.0\.1$/);
    expect(sent?.actor).not.toContain(TOKEN);
  });

  it("sets a control and resumes through the CRO", async () => {
    const operator = fakeOperator();
    const app = api(operator);
    const set = await app.inject({
      method: "POST",
      url: "/api/controls",
      headers: AUTH,
      payload: { key: "order_rate_per_min", value: "20", reason: "slow down" },
    });
    expect(set.statusCode).toBe(200);
    const resume = await app.inject({
      method: "POST",
      url: "/api/resume",
      headers: AUTH,
      payload: { reason: "checked" },
    });
    expect(resume.statusCode).toBe(200);
    const strategy = await app.inject({
      method: "POST",
      url: "/api/strategy/resume",
      headers: AUTH,
      payload: { strategy: "cheap-side", reason: "kill criterion reviewed" },
    });
    expect(strategy.statusCode).toBe(200);
    expect(operator.sent.map((s) => s.command)).toEqual([
      { kind: "controls.set", key: "order_rate_per_min", value: "20" },
      { kind: "resume" },
      { kind: "strategy.resume", strategy: "cheap-side" },
    ]);
  });

  it("rejects bad bodies with a specific 400 and sends nothing", async () => {
    const operator = fakeOperator();
    const app = api(operator);
    const cases: Array<[string, unknown, RegExp]> = [
      ["/api/halt", { level: "panic", reason: "x" }, /level: expected pause, flatten or emergency/],
      ["/api/halt", { level: "pause" }, /reason: required/],
      ["/api/halt", { level: "pause", reason: "   " }, /reason: required/],
      ["/api/halt", { level: "pause", reason: "x", extra: 1 }, /unknown field\(s\): extra/],
      ["/api/resume", { reason: "x".repeat(501) }, /reason: at most 500/],
      ["/api/strategy/halt", { reason: "x" }, /strategy: required \(a strategy name\)/],
      ["/api/strategy/resume", { strategy: "Cheap Side", reason: "x" }, /strategy: expected/],
      [
        "/api/controls",
        { key: "kill_switch", value: "maybe", reason: "x" },
        /kill_switch: expected "on" or "off"/,
      ],
      ["/api/controls", { key: "nope", value: "1", reason: "x" }, /unknown control "nope"/],
      [
        "/api/controls",
        { key: "kill_switch", value: 1, reason: "x" },
        /value: required \(a string\)/,
      ],
    ];
    for (const [url, payload, error] of cases) {
      const r = await app.inject({
        method: "POST",
        url,
        headers: AUTH,
        payload: payload as object,
      });
      expect(r.statusCode, `${url} ${JSON.stringify(payload)}`).toBe(400);
      expect(r.json<{ error: string }>().error).toMatch(error);
    }
    const notJson = await app.inject({
      method: "POST",
      url: "/api/resume",
      headers: { ...AUTH, "content-type": "application/json" },
      payload: "{not json",
    });
    expect(notJson.statusCode).toBe(400);
    expect(operator.sent).toEqual([]);
  });

  it("says 409 when the CRO refuses and 503 when it does not answer", async () => {
    const refused = await api(fakeOperator("refuse")).inject({
      method: "POST",
      url: "/api/resume",
      headers: AUTH,
      payload: { reason: "go" },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ ok: false, error: "nothing to resume" });
    const silent = await api(fakeOperator("silent")).inject({
      method: "POST",
      url: "/api/resume",
      headers: AUTH,
      payload: { reason: "go" },
    });
    expect(silent.statusCode).toBe(503);
    expect(silent.json<{ error: string }>().error).toMatch(/did not answer/);
  });
});

describe("HTTP API health, status and metrics", () => {
  it("GET /health is 200 when healthy and 503 otherwise, without a token", async () => {
    const ok = await api(fakeOperator(), true).inject({ method: "GET", url: "/health" });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ healthy: true, cro: { answered: true, state: "ACTIVE" } });
    const down = await api(fakeOperator(), false).inject({ method: "GET", url: "/health" });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      healthy: false,
      unhealthy: ["portfolio"],
      cro: { answered: false },
    });
  });

  it("GET /api/status needs the token and returns the fleet status", async () => {
    const r = await api().inject({ method: "GET", url: "/api/status", headers: AUTH });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ cro: { state: "ACTIVE" }, healthy: true });
  });

  it("GET /metrics serves the Prometheus text without a token", async () => {
    const r = await api().inject({ method: "GET", url: "/metrics" });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain("predator_trading_state");
  });
});

describe("HTTP API listening", () => {
  it("a port already in use is a one-line error naming --api-port, not a stack trace", async () => {
    const deps = {
      token: TOKEN,
      operator: fakeOperator(),
      status: () => Promise.resolve(status(true)),
      metrics: { text: () => Promise.resolve(""), contentType: "text/plain" },
    };
    const first = await startApi(deps, { host: "127.0.0.1", port: 0 });
    try {
      await expect(startApi(deps, { host: "127.0.0.1", port: first.port })).rejects.toThrow(
        /^--api-port: 127\.0\.0\.1:\d+ is already in use; choose another port/,
      );
    } finally {
      await first.close();
    }
  });
});
