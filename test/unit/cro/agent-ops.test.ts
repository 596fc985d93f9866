import { afterEach, describe, expect, it } from "vitest";
import type { DeadLetter } from "../../../contracts/ops.ts";
import { CroHarness, activeCro } from "./harness.ts";

let h: CroHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

async function croEvents(harness: CroHarness) {
  return harness.store.listCroEvents({ limit: 10_000 });
}

/** Operator audit rows carry the command's correlation id. */
async function operatorAudit(harness: CroHarness, kind: string) {
  const rows = [];
  for (const id of harness.opsCorrelations) rows.push(...(await harness.store.auditFor(id)));
  return rows.filter((r) => r.kind === kind);
}

describe("ops.command", () => {
  it("controls.set validates, writes with the operator's name, audits who and why", async () => {
    h = await activeCro();
    const reply = await h.ask(
      { kind: "controls.set", key: "order_rate_per_min", value: "12" },
      "gina",
      "slow down",
    );
    expect(reply).toMatchObject({ ok: true, error: null, state: "ACTIVE" });
    const row = (await h.store.getControls()).find((c) => c.key === "order_rate_per_min");
    expect(row).toMatchObject({ value: "12", updatedBy: "gina" });
    const audit = await operatorAudit(h, "operator.controls.set");
    expect(audit).toHaveLength(1);
    expect(audit[0]?.detail).toMatchObject({ actor: "gina", reason: "slow down" });
  });

  it("status answers with the state, blockers and agents, and changes nothing", async () => {
    h = await activeCro();
    const events = (await croEvents(h)).length;
    const reply = await h.ask({ kind: "status" });
    expect(reply.ok).toBe(true);
    const status = JSON.parse(reply.detail) as Record<string, unknown>;
    expect(status).toMatchObject({
      state: "ACTIVE",
      operatorHold: false,
      leader: true,
      blockers: [],
    });
    expect((await croEvents(h)).length).toBe(events);
  });

  const refused: [string, Parameters<CroHarness["ask"]>[0], RegExp][] = [
    [
      "an unknown control",
      { kind: "controls.set", key: "yolo", value: "1" },
      /unknown control "yolo"/,
    ],
    [
      "a bad value",
      { kind: "controls.set", key: "position_cap_usd", value: "-3" },
      /position_cap_usd: expected dollars/,
    ],
    [
      "a bad kill switch value",
      { kind: "controls.set", key: "kill_switch", value: "maybe" },
      /kill_switch: expected "on" or "off"/,
    ],
    ["a resume with nothing to resume", { kind: "resume" }, /nothing to resume/],
  ];
  for (const [what, command, error] of refused) {
    it(`refuses ${what} with a specific error and changes nothing`, async () => {
      h = await activeCro();
      const events = (await croEvents(h)).length;
      const controls = await h.store.getControls();
      const reply = await h.ask(command);
      expect(reply.ok).toBe(false);
      expect(reply.error).toMatch(error);
      expect(reply.state).toBe("ACTIVE");
      expect(await h.store.getControls()).toEqual(controls);
      await h.clock.advance(2_000);
      expect(h.state().state).toBe("ACTIVE");
      expect((await croEvents(h)).length).toBe(events);
    });
  }

  it("refuses a resume while the kill switch is on; the halt and its hold stay", async () => {
    h = await activeCro();
    await h.ask({ kind: "controls.set", key: "kill_switch", value: "on" }, "hank", "drill");
    expect(h.state()).toMatchObject({ state: "HALTED", operatorHold: true });
    const reply = await h.ask({ kind: "resume" }, "hank", "drill over");
    expect(reply).toMatchObject({ ok: false, state: "HALTED" });
    expect(reply.error).toMatch(/kill_switch is on/);
    await h.clock.advance(2_000);
    expect(h.state()).toMatchObject({ state: "HALTED", operatorHold: true });
    const audit = await operatorAudit(h, "operator.resume");
    expect(audit[0]?.detail).toMatchObject({ actor: "hank", outcome: { ok: false } });
  });

  it("a command that fails the schema is dead-lettered and changes nothing", async () => {
    h = await activeCro();
    const letters: DeadLetter[] = [];
    h.bus.onDeadLetter((l) => letters.push(l));
    const bad = h.factory("ops").make("ops.command", {
      command: { kind: "halt", level: "pause" },
      actor: "ivan",
      reason: "typo",
    });
    await h.bus.publishRaw(
      "ops.command",
      JSON.stringify({ ...bad, command: { kind: "halt", level: "nuke" } }),
    );
    await h.clock.advance(1_000);
    expect(letters.map((l) => l.reason).join()).toMatch(/invalid ops.command/);
    expect(h.state().state).toBe("ACTIVE");
  });
});
