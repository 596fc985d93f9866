/**
 * Model-based tests of the position machine (xstate/graph): every simple path through a finite
 * alphabet of events is enumerated, and on every step we check the lifecycle the issue specifies
 * (allowed edges only), the sum-of-fills invariant, and that EXIT_PENDING moves only on the exit's
 * own fills, its failure, or settlement. A second pass drives a system under test that persists
 * and restores the position (JSON round trip through the store record) before every event.
 */
import { describe, expect, it } from "vitest";
import { createActor, transition, type SnapshotFrom } from "xstate";
import { createTestModel, getShortestPaths, getSimplePaths } from "xstate/graph";
import { positionState, type PositionState } from "../../../contracts/positions.ts";
import {
  positionMachine,
  stateOf,
  type PositionEvent,
  type PositionMachine,
} from "../../../agents/portfolio/machine.ts";
import { hasProvisional } from "../../../agents/portfolio/ledger.ts";
import { sellableSize } from "../../../agents/portfolio/exits.ts";
import { positionViolations } from "../../../agents/portfolio/invariants.ts";
import { fromRecord, toPosition, toRecord } from "../../../agents/portfolio/record.ts";
import { buy, INPUT, sell } from "./helpers.ts";

type Snap = SnapshotFrom<PositionMachine>;

const entry = buy("e1");
const partial = sell("x1", { size: 4_000_000, fee: 58_800 });
const rest = sell("x2", { size: 6_000_000, fee: 88_200 });
const whole = sell("x3");

/** Every simple path (no state twice) over this alphabet is enumerated. */
const PATH_EVENTS: PositionEvent[] = [
  { type: "FILL_MATCHED", fill: entry, at: 1 },
  { type: "FILL_CONFIRMED", fill: entry, at: 2 },
  { type: "FILL_FAILED", fill: entry, at: 2 },
  { type: "ENTRY_ENDED", at: 3 },
  { type: "STOP", reason: "STOP_LOSS", at: 4 },
  { type: "STOP", reason: "FLATTEN", at: 4 },
  { type: "TAKE_PROFIT", at: 4 },
  { type: "EXPIRE", at: 5 },
  { type: "EXIT_SENT", intentId: "exit-1", deadlineAt: 100, at: 5 },
  { type: "EXIT_FAILED", intentId: "exit-1", reason: "vetoed", retryAt: 10, at: 6 },
  { type: "FILL_MATCHED", fill: partial, at: 7 },
  { type: "FILL_CONFIRMED", fill: partial, at: 8 },
  { type: "FILL_FAILED", fill: partial, at: 8 },
  { type: "FILL_CONFIRMED", fill: rest, at: 8 },
  { type: "SETTLED", payoutPerShare: 1_000_000, at: 9 },
  { type: "SETTLED", payoutPerShare: 0, at: 9 },
];

/** Wider alphabet (marks, a whole exit in one fill): shortest paths to every distinct state. */
const EVENTS: PositionEvent[] = [
  ...PATH_EVENTS,
  { type: "MARK", bid: 600_000, at: 3 },
  { type: "FILL_MATCHED", fill: whole, at: 7 },
  { type: "FILL_CONFIRMED", fill: whole, at: 8 },
  { type: "FILL_FAILED", fill: whole, at: 8 },
];
const DECISIONS = EVENTS.filter((e) => ["MARK", "STOP", "TAKE_PROFIT", "EXPIRE"].includes(e.type));
const EXIT_OWN = new Set([
  "FILL_MATCHED",
  "FILL_CONFIRMED",
  "FILL_FAILED",
  "EXIT_FAILED",
  "SETTLED",
]);

/** The lifecycle of issue 3, as edges (a macrostep may pass through EXPIRY to CLOSED). */
const ALLOWED: Record<PositionState, PositionState[]> = {
  ENTRY: ["MONITORING", "EXPIRY", "CLOSED"],
  MONITORING: ["STOP_TRIGGERED", "TP_TRIGGERED", "EXPIRY", "CLOSED"],
  STOP_TRIGGERED: ["EXIT_PENDING", "EXPIRY", "CLOSED"],
  TP_TRIGGERED: ["EXIT_PENDING", "EXPIRY", "CLOSED"],
  EXIT_PENDING: ["MONITORING", "EXPIRY", "CLOSED"],
  EXPIRY: ["CLOSED"],
  CLOSED: [],
};

function key(s: Snap): string {
  const c = s.context;
  const fills = Object.values(c.fills)
    .map((f) => `${f.tradeId}:${f.status}`)
    .sort();
  return JSON.stringify([
    s.value,
    c.holdings.size,
    fills,
    c.exitIntentId,
    c.holdings.settlementPrice,
    c.highWaterMark,
  ]);
}

const traversal = (events: PositionEvent[]) => ({
  events,
  input: INPUT,
  serializeState: (s: Snap) => key(s),
  // Only events a live actor takes (the rest are self-loops, checked separately below), and only
  // sells the actor could have sent: after an exit, never more than the sellable shares.
  filterEvents: (s: Snap, e: PositionEvent) => s.status === "active" && s.can(e) && possible(s, e),
});

function possible(s: Snap, e: PositionEvent): boolean {
  if (!("fill" in e) || e.fill.side === "BUY") return true;
  const known = s.context.fills[e.fill.tradeId] !== undefined;
  if (e.type === "FILL_FAILED") return known;
  return s.context.exitAttempts > 0 && (known || sellableSize(s.context) >= e.fill.size);
}

const simplePaths = getSimplePaths(positionMachine, traversal(PATH_EVENTS));
const model = createTestModel(positionMachine, traversal(EVENTS));
const shortestPaths = model.getShortestPaths();
const reachable = getShortestPaths(positionMachine, traversal(EVENTS)).map((p) => p.state);

describe("position machine, path by path (xstate/graph)", () => {
  it("enumerates a non-trivial set of paths that reaches every state of the lifecycle", () => {
    expect(simplePaths.length).toBeGreaterThan(500);
    const seen = new Set(reachable.map((s) => stateOf(s.value)));
    expect([...seen].sort()).toEqual([...positionState.options].sort());
  });

  it("every step follows an allowed edge, and every allowed edge is taken by some path", () => {
    const taken = new Set<string>();
    const illegal: string[] = [];
    for (const path of simplePaths) {
      let prev: PositionState = "ENTRY";
      for (const step of path.steps.slice(1)) {
        const next = stateOf(step.state.value);
        if (next !== prev) {
          if (!ALLOWED[prev].includes(next))
            illegal.push(`${prev} → ${next} on ${step.event.type}`);
          taken.add(`${prev}→${next}`);
        }
        prev = next;
      }
    }
    expect(illegal).toEqual([]);
    const allowed = Object.entries(ALLOWED).flatMap(([from, tos]) =>
      tos.map((to) => `${from}→${to}`),
    );
    expect([...taken].sort()).toEqual(allowed.sort());
  });

  it("every reachable snapshot equals the sum of its confirmed fills", () => {
    const broken = new Set<string>();
    for (const path of simplePaths) {
      for (const { state } of path.steps) {
        const v = positionViolations(state.context.fills, state.context.holdings);
        if (v.length > 0) broken.add(`${key(state)}: ${v.join("; ")}`);
      }
    }
    expect([...broken]).toEqual([]);
  });

  it("CLOSED is reached only flat, with nothing provisional, and a close time", () => {
    const closed = reachable.filter((s) => s.value === "CLOSED");
    expect(closed.length).toBeGreaterThan(3);
    for (const s of closed) {
      expect(s.context.holdings.size).toBe(0);
      expect(hasProvisional(s.context.fills)).toBe(false);
      expect(s.context.closedAt).not.toBeNull();
      expect(s.status).toBe("done");
    }
  });

  it("outside ENTRY and MONITORING, no decision (stop, take-profit, expire, mark) changes anything", () => {
    let checked = 0;
    for (const s of reachable) {
      if (s.value === "ENTRY" || s.value === "MONITORING" || s.status === "done") continue;
      for (const e of DECISIONS) {
        const [next] = transition(positionMachine, s, e);
        expect(key(next), `${stateOf(s.value)} + ${e.type}`).toBe(key(s));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("EXIT_PENDING moves only on the exit's own fills, its failure, or settlement", () => {
    const movers = new Set<string>();
    for (const path of simplePaths) {
      path.steps.forEach((step, i) => {
        const before = path.steps[i - 1]?.state;
        if (before?.value === "EXIT_PENDING" && key(step.state) !== key(before)) {
          movers.add(step.event.type);
        }
      });
    }
    expect([...movers].every((type) => EXIT_OWN.has(type))).toBe(true);
    expect(movers).toContain("EXIT_FAILED");
    expect(movers).toContain("SETTLED");
  });

  it("a position persisted and restored before every event follows the model (TestModel)", async () => {
    expect(shortestPaths.length).toBeGreaterThan(200);
    for (const path of shortestPaths) {
      const sut = new RestoringPosition();
      const events = Object.fromEntries(
        [...new Set(EVENTS.map((e) => e.type))].map((type) => [
          type,
          ({ event }: { event: PositionEvent }) => {
            sut.send(event);
          },
        ]),
      );
      await path.test({
        events,
        states: {
          "*": (model: Snap) => {
            expect(key(sut.snapshot())).toBe(key(model));
            expect(
              positionViolations(sut.snapshot().context.fills, sut.snapshot().context.holdings),
            ).toEqual([]);
          },
        },
      });
    }
  });
});

/** The system under test: a position that lives only in its stored record between events. */
class RestoringPosition {
  private record: unknown = null;

  snapshot(): Snap {
    return this.actor().getSnapshot();
  }

  send(event: PositionEvent): void {
    const actor = this.actor();
    actor.send(event);
    const s = actor.getSnapshot();
    const state = stateOf(s.value);
    const position = toPosition(s.context, state, null, 700);
    this.record = JSON.parse(
      JSON.stringify(toRecord(position, s.context, actor.getPersistedSnapshot(), 0)),
    );
  }

  private actor() {
    if (this.record === null) return createActor(positionMachine, { input: INPUT }).start();
    const { snapshot, input } = fromRecord(this.record as Parameters<typeof fromRecord>[0]);
    return createActor(positionMachine, { snapshot, input }).start();
  }
}
