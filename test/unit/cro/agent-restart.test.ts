import { afterEach, describe, expect, it } from "vitest";
import { DUPLICATE_WINDOW_MS } from "../../../bus/memory.ts";
import { CroHarness, activeCro } from "./harness.ts";
import { entryIntent } from "./fixtures.ts";

let h: CroHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

/** Kills the CRO like kill -9 and starts a replacement on the same store; returns its first state. */
async function restart(harness: CroHarness) {
  await harness.fleet.kill("cro", "1");
  const before = harness.states.length;
  // The replacement is a standby until the dead leader's lease expires (3 s TTL).
  await harness.startCro("2");
  await harness.until(
    () => harness.states.slice(before).some((s) => s.source.instance === "2"),
    10_000,
  );
  const first = harness.states.slice(before).find((s) => s.source.instance === "2");
  if (first === undefined) throw new Error("no state from the new CRO");
  return first;
}

describe("CRO restart (invariant 9)", () => {
  it("restores an operator halt and its hold, under a higher epoch", async () => {
    h = await activeCro();
    await h.ask({ kind: "halt", level: "emergency" }, "judy", "incident 42");
    const old = h.state();
    expect(old).toMatchObject({ state: "HALTED", operatorHold: true });
    const first = await restart(h);
    expect(first).toMatchObject({ state: "HALTED", operatorHold: true });
    expect(first.reason).toMatch(
      /^starting: restored HALTED \(operator halt emergency: incident 42/,
    );
    expect(first.epoch).toBeGreaterThan(old.epoch);
    const last = await h.store.lastCroEvent();
    expect(last).toMatchObject({ state: "HALTED", operatorHold: true, epoch: first.epoch });
    // Everything is healthy, yet the hold keeps it halted until an operator resumes.
    await h.holds("HALTED", 5_000);
    expect((await h.ask({ kind: "resume" }, "judy", "resolved")).ok).toBe(true);
    await h.untilState("ACTIVE", 3_000);
  });

  it("comes back fail-closed after dying ACTIVE, and trades again only after a clean reconciliation", async () => {
    h = await activeCro();
    const old = h.state();
    h.signals.recon = null;
    const first = await restart(h);
    expect(first.state).toBe("PAUSED");
    expect(first.reason).toMatch(/^starting: was ACTIVE/);
    await h.holds("PAUSED", 4_000);
    expect(h.state().blockers).toEqual(["waiting for a clean reconciliation"]);
    h.signals.recon = "CLEAN";
    await h.untilState("ACTIVE", 2_500);
    // The dead CRO had acked the window; the new one replays md.window at start and knows it.
    const d = await h.decide(entryIntent());
    expect(d).toMatchObject({ approved: true });
    expect(d.epoch).toBe(first.epoch);
    expect(d.epoch).toBeGreaterThan(old.epoch);
  });

  it("a restarted CRO will not approve an intent its predecessor already decided", async () => {
    h = await activeCro();
    expect((await h.decide(entryIntent())).approved).toBe(true);
    await restart(h);
    await h.untilState("ACTIVE", 5_000);
    await h.clock.advance(DUPLICATE_WINDOW_MS);
    const again = await h.decide(entryIntent());
    expect(again.approved).toBe(false);
    expect(again.reasons).toContain("DUPLICATE_INTENT");
  });

  it("answers a redelivered intent with the same decision, even after a restart", async () => {
    h = await activeCro();
    const msg = h.factory("strategy").make("strategy.intent", entryIntent());
    await h.bus.publish(msg);
    await h.until(() => h?.decisions.length === 1, 1_000);
    const first = h.decisions[0];
    await restart(h);
    await h.untilState("ACTIVE", 5_000);
    // Past the duplicate window, so the stream lets the republished decision through to be seen.
    await h.clock.advance(DUPLICATE_WINDOW_MS);
    // The same message again, as JetStream would redeliver it (a raw publish skips the dedupe).
    await h.bus.publishRaw("strategy.intent", JSON.stringify(msg));
    await h.until(() => h?.decisions.length === 2, 1_000);
    const second = h.decisions[1];
    expect(second?.decisionId).toBe(first?.decisionId);
    expect(second).toMatchObject({
      approved: true,
      epoch: first?.epoch,
      intentHash: first?.intentHash,
    });
    expect(second?.source.instance).toBe("2");
    expect(
      (await h.store.auditFor(msg.intentId)).filter((a) => a.kind === "cro.decision"),
    ).toHaveLength(1);
  });
});
