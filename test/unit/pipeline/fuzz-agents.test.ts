/**
 * Invariant 8 with the real agents: thousands of malformed messages on every registered subject
 * while the whole fleet runs. No agent crashes, every bad message is dead-lettered and counted, and
 * trading carries on.
 */
import { describe, expect, it } from "vitest";
import { SeededRng, type Rng } from "../../../bus/rng.ts";
import { parseMessage, specOf } from "../../../contracts/registry.ts";
import { startEmbeddedPipeline, stopOnVirtualClock } from "../../support/embedded-pipeline.ts";
import { Messages } from "../../integration/bus-harness.ts";
import { sampleOf, sampledTypes } from "../../integration/bus-samples.ts";

const MESSAGES = 3_000;

function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[rng.int(0, items.length - 1)];
  if (item === undefined) throw new Error("empty");
  return item;
}

/** A malformed variant of a valid message: never one that would pass validation. */
function malformed(rng: Rng, sample: Record<string, unknown>): string {
  const keys = Object.keys(sample).filter((k) => k !== "type");
  const copy: Record<string, unknown> = { ...sample };
  const key = pick(rng, keys);
  switch (rng.int(0, 5)) {
    case 0:
      return JSON.stringify(Object.fromEntries(Object.entries(copy).filter(([k]) => k !== key)));
    case 1:
      copy[key] = typeof copy[key] === "string" ? -42 : "not-a-" + key;
      return JSON.stringify(copy);
    case 2:
      copy[key] = "x".repeat(rng.int(600, 20_000));
      return JSON.stringify(copy);
    case 3:
      return JSON.stringify(copy).slice(0, rng.int(1, 40));
    case 4:
      copy.source = { agent: "Not Valid!", instance: "" };
      return JSON.stringify(copy);
    default:
      return pick(rng, ["null", "[]", "42", '"text"', "{}", "\u0000\u0001binary"]);
  }
}

describe("malformed messages while the whole fleet trades", () => {
  it("are dead-lettered and counted, crash no agent, and do not stop trading", async () => {
    const p = await startEmbeddedPipeline(21);
    await p.clock.advance(2 * 60_000);
    const rng = new SeededRng(99);
    const messages = new Messages(7);
    const attacker = p.fleet.connect("fuzzer.1");
    let deadLetters = 0;
    attacker.onDeadLetter(() => {
      deadLetters++;
    });
    let sent = 0;
    while (sent < MESSAGES) {
      const type = pick(rng, sampledTypes);
      const sample = sampleOf(messages, type, sent) as unknown as Record<string, unknown>;
      const subject = specOf(type).subject(sample as never);
      const data = malformed(rng, sample);
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        json = undefined;
      }
      if (parseMessage(subject, json).ok) continue;
      await attacker.publishRaw(subject, data);
      sent++;
      if (sent % 100 === 0) await p.clock.advance(200);
    }
    await p.clock.advance(40 * 60_000);

    for (const [name, host] of p.fleet.hosts) {
      expect(host.crashError(), name).toBeNull();
      expect(host.state(), name).toBe("running");
    }
    // Each subscriber of a subject dead-letters its own copy, so at least one per message.
    expect(deadLetters).toBeGreaterThanOrEqual(MESSAGES);
    const fills = await p.store.listFills();
    const lastFill = Math.max(...fills.map((f) => f.ts));
    expect(fills.length).toBeGreaterThan(0);
    expect(lastFill).toBeGreaterThan(p.clock.now() - 35 * 60_000);
    await stopOnVirtualClock(p);
  });
});
