/**
 * The Alert agent end to end: real HTTP POSTs through the fetch adapter to a local receiver, in
 * all four formats, with the receiver answering 503 or refusing connections for a while.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Payload } from "../../../bus/messages.ts";
import { AlertBench, PATHS, T0 } from "./harness.ts";

const WINDOW = `btc-updown-15m-${T0 / 1000}`;

function unknownOrder(orderId: string): Payload<"exec.order.unknown"> {
  return {
    orderId,
    venueOrderId: null,
    intentId: `int-${orderId}`,
    decisionId: "dec-1",
    positionId: "pos-1",
    strategy: "canary",
    windowId: WINDOW,
    tokenId: "tok-up",
    kind: "ENTRY",
    side: "BUY",
    orderType: "FAK",
    price: 550_000,
    size: 5_000_000,
    filledSize: 0,
    status: "UNKNOWN",
    reason: "no answer within 3000 ms",
    mode: "PAPER",
  };
}

function croState(state: "ACTIVE" | "HALTED", since: number): Payload<"cro.state"> {
  return {
    state,
    reason: state === "HALTED" ? "reconciliation mismatch" : "all clear",
    since,
    epoch: 1,
    blockers: [],
    operatorHold: false,
    agents: [],
  };
}

const mismatch: Payload<"recon.mismatch"> = {
  runId: "recon-1",
  mismatches: [
    { kind: "POSITION", key: "tok-up", expected: "5.000000 shares", actual: "7.000000 shares" },
  ],
};

/** Every body received, keyed by path and alert id: a duplicate delivery would collide. */
function deliveries(bench: AlertBench): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of bench.receiver.received) {
    const text = JSON.stringify(r.body);
    const id = /alt-[0-9a-f-]{36}/.exec(text)?.[0] ?? "?";
    const key = `${r.path} ${id}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

let bench: AlertBench;
afterEach(async () => {
  await bench.stop();
});

describe("Alert agent over HTTP", () => {
  it("delivers exactly one alert per incident in each of the four formats, deduplicating repeats", async () => {
    bench = new AlertBench();
    await bench.start();
    await bench.publish("cro.state", croState("ACTIVE", T0), "cro"); // the first state, ACTIVE: not news
    await bench.publish("exec.order.unknown", unknownOrder("ord-1"));
    await bench.publish("recon.mismatch", mismatch, "reconciler");
    await bench.publish("cro.state", croState("HALTED", T0 + 100), "cro");
    await bench.drive(() => bench.receiver.received.length >= 12);
    // Repeats of the same incidents: the same order again, the same state republished.
    await bench.publish("exec.order.unknown", unknownOrder("ord-1"));
    await bench.publish("cro.state", croState("HALTED", T0 + 100), "cro");
    await bench.publish("recon.mismatch", { ...mismatch, runId: "recon-2" }, "reconciler");
    await bench.drive(() => false, 100, 30);

    for (const path of PATHS) expect(bench.receiver.at(path)).toHaveLength(3);
    expect([...deliveries(bench).values()].every((n) => n === 1)).toBe(true);
    const discord = bench.receiver.at("/discord").map((r) => r.body);
    // The bus interleaves different subjects in a seeded order, so compare as sets.
    expect(discord.map((b) => b.content).sort()).toEqual([
      "[CRITICAL] Order in UNKNOWN state: ord-1",
      "[CRITICAL] Reconciliation mismatch (1)",
      "[CRITICAL] Trading state HALTED",
    ]);
    type SlackBody = { text: string; blocks: { type: string }[] };
    const slack = bench.receiver.at("/slack").map((r) => r.body as SlackBody);
    expect(slack.map((b) => b.text)).toContain("[CRITICAL] Reconciliation mismatch (1)");
    for (const b of slack)
      expect(b.blocks.map((x) => x.type)).toEqual(["header", "section", "context"]);
    const telegram = bench.receiver.at("/telegram").map((r) => r.body);
    for (const b of telegram) expect(b).toMatchObject({ chat_id: "42", parse_mode: "HTML" });
    expect(telegram.map((b) => String(b.text))).toContainEqual(
      expect.stringContaining("<b>[CRITICAL] Trading state HALTED</b>"),
    );
    const json = bench.receiver.at("/json").map((r) => r.body);
    expect(json.map((b) => String(b.incidentKey)).sort()).toEqual([
      `cro:HALTED:1:${T0 + 100}`,
      "order-unknown:ord-1",
      "recon:POSITION:tok-up",
    ]);
    expect(bench.sent.map((s) => s.deliveries.map((d) => d.status))).toEqual([
      ["DELIVERED", "DELIVERED", "DELIVERED", "DELIVERED"],
      ["DELIVERED", "DELIVERED", "DELIVERED", "DELIVERED"],
      ["DELIVERED", "DELIVERED", "DELIVERED", "DELIVERED"],
    ]);
    const rows = await bench.store.listAlerts();
    expect(rows).toHaveLength(12);
    expect(rows.every((r) => r.status === "DELIVERED")).toBe(true);
  });

  it("loses nothing while the receiver answers 503 and then refuses connections for a while", async () => {
    bench = new AlertBench();
    await bench.start();
    bench.receiver.mode = "503";
    for (const id of ["ord-1", "ord-2", "ord-3"])
      await bench.publish("exec.order.unknown", unknownOrder(id));
    await bench.drive(() => false, 500, 20); // 10 s of 503s: every attempt used up
    const dead = await bench.store.listAlerts({ status: "DEAD" });
    expect(dead).toHaveLength(12);
    expect(dead.every((r) => r.attempts >= 3 && r.lastError === "HTTP 503")).toBe(true);
    expect(bench.receiver.requests).toBeGreaterThan(0);
    expect(bench.sent.map((s) => s.deliveries.map((d) => d.status))).toEqual(
      Array.from({ length: 3 }, () => ["DEAD", "DEAD", "DEAD", "DEAD"]),
    );

    await bench.receiver.close(); // now nothing listens at all
    await bench.publish("exec.order.unknown", unknownOrder("ord-4"));
    await bench.drive(() => false, 500, 20);
    const refused = await bench.store.listAlerts({ status: "DEAD" });
    expect(
      refused.filter((r) => r.incidentKey === "order-unknown:ord-4").map((r) => r.lastError),
    ).toEqual(Array.from({ length: 4 }, (): unknown => expect.stringMatching(/^HTTP_UNREACHABLE/)));
    expect(bench.receiver.received).toEqual([]);

    bench.receiver.mode = "up";
    await bench.receiver.open(); // back, on the same port
    await bench.drive(() => bench.receiver.received.length >= 16, 500, 60);
    await bench.drive(() => false, 500, 20); // and nothing more arrives later
    expect(bench.receiver.received).toHaveLength(16);
    expect(deliveries(bench).size).toBe(16);
    for (const path of PATHS) {
      const keys = bench.receiver
        .at(path)
        .map((r) => JSON.stringify(r.body).match(/order-unknown:ord-\d/)?.[0]);
      expect(keys.sort()).toEqual([
        "order-unknown:ord-1",
        "order-unknown:ord-2",
        "order-unknown:ord-3",
        "order-unknown:ord-4",
      ]);
    }
    expect((await bench.store.listAlerts()).map((r) => r.status)).toEqual(
      Array.from({ length: 16 }, () => "DELIVERED"),
    );
  });

  it("reloads PENDING deliveries after a restart and sends each once", async () => {
    bench = new AlertBench();
    await bench.start({ maxAttempts: 100 });
    bench.receiver.mode = "503";
    await bench.publish("exec.order.unknown", unknownOrder("ord-1"));
    await bench.drive(() => bench.receiver.requests >= 4, 100, 50);
    expect((await bench.store.listAlerts({ status: "PENDING" })).length).toBe(4);
    await bench.fleet.kill("alert", "1");
    bench.receiver.mode = "up";
    await bench.start({ maxAttempts: 100 }, "2");
    await bench.drive(() => bench.receiver.received.length >= 4, 100, 50);
    await bench.drive(() => false, 100, 20);
    expect(bench.receiver.received).toHaveLength(4);
    expect((await bench.store.listAlerts({ status: "DELIVERED" })).length).toBe(4);
  });
});
