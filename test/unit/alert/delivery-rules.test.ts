/** The pure delivery rules: backoff, dedupe, rate limit, the outbox's retry and dead-letter cycle. */
import { describe, expect, it } from "vitest";
import { Deduper, RateLimiter, backoffMs } from "../../../agents/alert/limits.ts";
import { Outbox, rowId } from "../../../agents/alert/outbox.ts";
import { resolveAlertConfig, channelsOf } from "../../../agents/alert/config.ts";
import type { AlertRecord } from "../../../agents/runtime/store.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";

const config = resolveAlertConfig({
  webhooks: [
    { format: "json", url: "http://127.0.0.1:9/a" },
    { format: "slack", url: "http://127.0.0.1:9/b" },
  ],
  maxAttempts: 3,
  retryInitialMs: 1_000,
  retryMaxMs: 8_000,
  deadRetryMs: 60_000,
  rateLimitPerMinute: 2,
});
const channels = channelsOf(config);

function row(alert: string, channel: string, createdAt = 0): AlertRecord {
  return {
    alertId: rowId(alert, channel),
    incidentKey: `k-${alert}`,
    severity: "CRITICAL",
    title: "t",
    body: "b",
    format: channel.startsWith("json") ? "json" : "slack",
    status: "PENDING",
    attempts: 0,
    lastError: null,
    createdAt,
    updatedAt: createdAt,
    nextAttemptAt: createdAt,
  };
}

const fail = { ok: false as const, permanent: false, error: "HTTP 503" };

describe("limits", () => {
  it("backs off exponentially up to the bound", () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, 1_000, 8_000))).toEqual([
      1_000, 2_000, 4_000, 8_000, 8_000, 8_000,
    ]);
  });

  it("admits an incident key once per window", () => {
    const d = new Deduper(1_000, 100);
    expect(d.admit("k", 0)).toBe(true);
    expect(d.admit("k", 999)).toBe(false);
    expect(d.admit("other", 999)).toBe(true);
    expect(d.admit("k", 1_000)).toBe(true);
    expect(d.suppressed).toBe(1);
  });

  it("rate limits over a sliding minute", () => {
    const r = new RateLimiter(2);
    expect(r.nextSlot(0)).toBe(0);
    r.record(0);
    r.record(10);
    expect(r.nextSlot(20)).toBe(60_000);
    expect(r.nextSlot(60_000)).toBe(60_000);
  });

  it("names the telegram chat id from the URL, and refuses a telegram hook without one", () => {
    const ok = resolveAlertConfig({
      webhooks: [
        { format: "telegram", url: "https://api.telegram.org/botX/sendMessage?chat_id=-100" },
      ],
    });
    expect(channelsOf(ok)[0]).toMatchObject({ name: "telegram-0", chatId: "-100" });
    const bad = resolveAlertConfig({
      webhooks: [{ format: "telegram", url: "https://api.telegram.org/botX/sendMessage" }],
    });
    expect(() => channelsOf(bad)).toThrow(ConfigError);
    expect(() => resolveAlertConfig({ webhooks: [{ format: "json", url: "ftp://x" }] })).toThrow(
      ConfigError,
    );
  });
});

describe("Outbox", () => {
  it("retries with backoff, dead-letters after maxAttempts, and keeps probing the dead row", () => {
    const box = new Outbox(channels, config);
    box.add(row("a1", "json-0"));
    let r = box.next(0);
    expect(r?.alertId).toBe("a1.json-0");
    if (r === null) throw new Error("no row");
    r = box.settle(r, fail, 0);
    expect(r).toMatchObject({
      status: "PENDING",
      attempts: 1,
      nextAttemptAt: 1_000,
      lastError: "HTTP 503",
    });
    expect(box.next(999)).toBeNull();
    expect(box.nextWakeAt(999)).toBe(1_000);
    r = box.settle(box.next(1_000) ?? r, fail, 1_000);
    expect(r).toMatchObject({ status: "PENDING", attempts: 2, nextAttemptAt: 3_000 });
    r = box.settle(box.next(3_000) ?? r, fail, 3_000);
    expect(r).toMatchObject({ status: "DEAD", attempts: 3, nextAttemptAt: 63_000 });
    expect(box.next(62_999)).toBeNull();
    r = box.settle(box.next(63_000) ?? r, fail, 63_000);
    expect(r).toMatchObject({ status: "DEAD", attempts: 4, nextAttemptAt: 123_000 });
    expect(box.size).toBe(1);
  });

  it("on the first success after an outage makes every dead row of that destination due", () => {
    const box = new Outbox(channels, { ...config, rateLimitPerMinute: 100 });
    for (const id of ["a1", "a2", "a3"]) {
      box.add({ ...row(id, "json-0"), status: "DEAD", attempts: 3, nextAttemptAt: 60_000 });
    }
    box.add(row("a4", "json-0", 10));
    const fresh = box.next(10);
    expect(fresh?.alertId).toBe("a4.json-0"); // pending rows first
    if (fresh === null) throw new Error("no row");
    expect(box.settle(fresh, { ok: true }, 10)).toMatchObject({ status: "DELIVERED", attempts: 1 });
    const drained: string[] = [];
    for (let next = box.next(10); next !== null; next = box.next(10)) {
      drained.push(next.alertId);
      box.settle(next, { ok: true }, 10);
    }
    expect(drained).toEqual(["a1.json-0", "a2.json-0", "a3.json-0"]);
    expect(box.size).toBe(0);
  });

  it("a permanent refusal (4xx) dead-letters at once without blocking the destination", () => {
    const box = new Outbox(channels, config);
    box.add(row("a1", "json-0"));
    box.add(row("a2", "json-0", 1));
    const first = box.next(5);
    if (first === null) throw new Error("no row");
    expect(box.settle(first, { ok: false, permanent: true, error: "HTTP 400" }, 5)).toMatchObject({
      status: "DEAD",
      attempts: 1,
    });
    expect(box.next(5)?.alertId).toBe("a2.json-0");
  });

  it("serves destinations in turn and respects each one's rate limit", () => {
    const box = new Outbox(channels, config);
    for (const id of ["a1", "a2", "a3"]) {
      box.add(row(id, "json-0"));
      box.add(row(id, "slack-1"));
    }
    const order: string[] = [];
    for (let next = box.next(0); next !== null; next = box.next(0)) {
      order.push(next.alertId);
      box.settle(next, { ok: true }, 0);
    }
    expect(order).toEqual(["a1.json-0", "a1.slack-1", "a2.json-0", "a2.slack-1"]);
    expect(box.nextWakeAt(0)).toBe(60_000);
  });
});
