import { describe, expect, it } from "vitest";
import { createActor } from "xstate";
import { InvariantError } from "../../../agents/runtime/errors.ts";
import type { PositionRecord } from "../../../agents/runtime/store.ts";
import {
  positionMachine,
  stateOf,
  type PositionContext,
} from "../../../agents/portfolio/machine.ts";
import { positionViolations } from "../../../agents/portfolio/invariants.ts";
import { fromRecord, toPosition, toRecord } from "../../../agents/portfolio/record.ts";
import { buy, INPUT, sell } from "./helpers.ts";

/** A position with one confirmed entry and a confirmed partial exit, as a stored record. */
function storedRecord(): { record: PositionRecord; context: PositionContext } {
  const actor = createActor(positionMachine, { input: INPUT }).start();
  actor.send({ type: "FILL_CONFIRMED", fill: buy("e1"), at: 1 });
  actor.send({ type: "STOP", reason: "STOP_LOSS", at: 2 });
  actor.send({ type: "EXIT_SENT", intentId: "exit-1-pos-1", deadlineAt: 9, at: 2 });
  actor.send({ type: "FILL_CONFIRMED", fill: sell("x1", { size: 4_000_000, fee: 58_800 }), at: 3 });
  const s = actor.getSnapshot();
  const position = toPosition(s.context, stateOf(s.value), 600_000, 700);
  const record = toRecord(position, s.context, actor.getPersistedSnapshot(), 3);
  return { record: JSON.parse(JSON.stringify(record)) as PositionRecord, context: s.context };
}

function snapshotContext(rec: PositionRecord): PositionContext {
  return (rec.snapshot as { context: PositionContext }).context;
}

describe("a position equals the sum of its confirmed fills (checked on write and on read)", () => {
  it("a consistent position writes and reads back", () => {
    const { record } = storedRecord();
    expect(record.size).toBe(6_000_000);
    const back = fromRecord(record);
    expect(back.state).toBe("EXIT_PENDING");
    expect(back.context.holdings.size).toBe(6_000_000);
  });

  it("write: a size that is not the sum of the confirmed fills is refused", () => {
    const { context } = storedRecord();
    const bad = { ...context, holdings: { ...context.holdings, size: context.holdings.size + 1 } };
    const position = toPosition(bad, "MONITORING", null, 700);
    expect(() => toRecord(position, bad, {}, 0)).toThrow(InvariantError);
    expect(() => toRecord(position, bad, {}, 0)).toThrow(
      /pos-1 \(write\) is not the sum of its confirmed fills: size 6000001 ≠ confirmed bought 10000000 − sold 4000000/,
    );
  });

  it("write: fees or realized PnL that do not follow from the fills are refused", () => {
    const { context } = storedRecord();
    const fees = { ...context, holdings: { ...context.holdings, fees: 0 } };
    expect(positionViolations(fees.fills, fees.holdings)).toContain(
      "fees 0 ≠ Σ confirmed fees 233800",
    );
    const pnl = { ...context, holdings: { ...context.holdings, realizedPnl: 0 } };
    expect(positionViolations(pnl.fills, pnl.holdings).join()).toMatch(/^realized PnL 0 ≠ /);
  });

  it("read: a stored column that disagrees with the snapshot is refused", () => {
    const { record } = storedRecord();
    expect(() => fromRecord({ ...record, size: 10_000_000 })).toThrow(/disagree with its snapshot/);
  });

  it("read: a snapshot edited consistently with its columns but not with its fills is refused", () => {
    const { record } = storedRecord();
    const ctx = snapshotContext(record);
    ctx.holdings.size = 10_000_000;
    expect(() => fromRecord({ ...record, size: 10_000_000 })).toThrow(
      /pos-1 \(read\) is not the sum of its confirmed fills/,
    );
  });

  it("read: a dropped fill is caught", () => {
    const { record } = storedRecord();
    const ctx = snapshotContext(record);
    delete (ctx.fills as Record<string, unknown>)["x1"];
    expect(() => fromRecord(record)).toThrow(InvariantError);
  });

  it("read: another machine version or an unparseable snapshot is refused", () => {
    const { record } = storedRecord();
    expect(() => fromRecord({ ...record, machineVersion: 99 })).toThrow(/machine version 99/);
    expect(() => fromRecord({ ...record, snapshot: { value: "NOPE" } })).toThrow(/does not parse/);
  });
});
