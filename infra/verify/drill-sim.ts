/**
 * `predator drill kill-switch` in simulation: the production fleet trades the canary; the operator
 * pulls each level of the kill switch in turn (PAUSE, FLATTEN with a position open, EMERGENCY),
 * each through `ops.command` as `predator halt` does, then resumes; every step is timed on the
 * virtual clock and judged against a bound. Stored as evidence of kind `drill`.
 */
import { performance } from "node:perf_hooks";
import { SeededRng } from "../../bus/rng.ts";
import { MessageFactory } from "../../bus/messages.ts";
import type { HaltLevel, OpsReply } from "../../contracts/ops.ts";
import type { TradingState } from "../../contracts/index.ts";
import type { Cadence } from "../chaos/sim/cadence.ts";
import { SimWorld } from "../chaos/sim/world.ts";
import { canaryControls, CANARY_ENTRY_REMAINING_MS } from "./canary-sim.ts";
import { BusObserver } from "./observer.ts";
import { runId } from "./run-id.ts";
import { item, type VerificationItem, type VerificationRun } from "./types.ts";

export const DRILL_LEVELS: readonly HaltLevel[] = ["pause", "flatten", "emergency"];
const EXPECTED: Record<HaltLevel, TradingState> = {
  pause: "PAUSED",
  flatten: "FLATTENING",
  emergency: "HALTED",
};
const ACTOR = "drill:kill-switch";
const REPLY_TIMEOUT_MS = 5_000;
/** Virtual-time step while waiting for a condition. */
const POLL_MS = 50;

export interface DrillBounds {
  /** Command → the trading state shows the level. */
  haltMs: number;
  /** FLATTEN → every position closed. */
  flattenMs: number;
  /** Resume → ACTIVE again. */
  resumeMs: number;
  /** A position must be open for FLATTEN within this long. */
  positionWaitMs: number;
}

export const DEFAULT_DRILL_BOUNDS: DrillBounds = {
  haltMs: 2_000,
  flattenMs: 30_000,
  resumeMs: 30_000,
  positionWaitMs: 300_000,
};

export interface DrillOptions {
  seed: number;
  cadence: Cadence;
  recordedAt: number;
  bounds: DrillBounds;
}

export async function runKillSwitchDrill(
  o: DrillOptions,
): Promise<{ run: VerificationRun; wallMs: number }> {
  const wallStart = performance.now();
  const windowMs = 120_000;
  const world = new SimWorld({
    seed: o.seed,
    cadence: o.cadence,
    venue: { windowMs },
    strategy: {
      enabled: ["canary"],
      params: { canary: { entryRemainingMs: CANARY_ENTRY_REMAINING_MS } },
    },
  });
  const seen = new BusObserver();
  world.broker.tap((e) => {
    seen.onBus(e);
  });
  const startedAt = world.clock.now();
  for (const [key, value] of Object.entries(canaryControls({ windowMs, collateralUsd: "100" }))) {
    await world.store.setControl(key, value, ACTOR, startedAt);
  }
  await world.start();
  const factory = new MessageFactory(world.clock, new SeededRng(`${o.seed}/drill`), {
    agent: "ops",
    instance: "kill-switch-drill",
  });
  const drill = new Drill(world, seen, factory, o.bounds);
  const items: VerificationItem[] = [];
  const active = await drill.until(() => drill.state() === "ACTIVE", 60_000);
  items.push(item("fleet", "active", active === null ? "FAIL" : "PASS", "ACTIVE before the drill"));
  for (const level of DRILL_LEVELS) items.push(...(await drill.exercise(level)));
  const finishedAt = world.clock.now();
  await world.stop().catch(() => undefined);
  const failed = items.filter((i) => i.outcome !== "PASS");
  const run: VerificationRun = {
    id: runId("drill", o.seed, o.recordedAt),
    kind: "drill",
    mode: "sim",
    inputs: { seed: o.seed, cadence: o.cadence, levels: DRILL_LEVELS, bounds: o.bounds },
    recordedAt: o.recordedAt,
    startedAt,
    finishedAt,
    passed: failed.length === 0,
    verdict:
      failed.length === 0
        ? "PASS: PAUSE, FLATTEN and EMERGENCY each exercised and resumed"
        : `FAIL: ${failed.map((i) => `${i.subject} ${i.point}`).join(", ")}`,
    summary: Object.fromEntries(
      items
        .filter((i) => typeof i.data.ms === "number")
        .map((i) => [`${i.subject}.${i.point}Ms`, i.data.ms]),
    ),
    items,
  };
  return { run, wallMs: Math.round(performance.now() - wallStart) };
}

class Drill {
  private connections = 0;

  constructor(
    private readonly world: SimWorld,
    private readonly seen: BusObserver,
    private readonly factory: MessageFactory,
    private readonly bounds: DrillBounds,
  ) {}

  state(): TradingState | null {
    return this.seen.latestState?.message.state ?? null;
  }

  /** Steps virtual time until `done()` holds; the time it took, or null past `boundMs`. */
  async until(done: () => boolean | Promise<boolean>, boundMs: number): Promise<number | null> {
    const start = this.world.clock.now();
    while (!(await done())) {
      if (this.world.clock.now() - start >= boundMs) return null;
      await this.world.clock.advance(POLL_MS);
    }
    return this.world.clock.now() - start;
  }

  async exercise(level: HaltLevel): Promise<VerificationItem[]> {
    const subject = level.toUpperCase();
    const items: VerificationItem[] = [];
    const timed = (point: string, ms: number | null, bound: number, what: string) =>
      items.push(
        item(
          subject,
          point,
          ms === null ? "FAIL" : "PASS",
          ms === null ? `${what}: not within ${bound} ms` : `${what} in ${ms} ms`,
          { ms, boundMs: bound },
        ),
      );
    if (level === "flatten") {
      const waited = await this.until(
        async () => (await this.openPositions()) > 0,
        this.bounds.positionWaitMs,
      );
      timed("position", waited, this.bounds.positionWaitMs, "a position open to flatten");
    }
    const haltAt = this.world.clock.now();
    const reply = await this.send({ kind: "halt", level });
    items.push(
      item(
        subject,
        "command",
        reply?.ok === true ? "PASS" : "FAIL",
        reply === null ? "no reply" : reply.ok ? "accepted" : `refused: ${reply.error ?? ""}`,
      ),
    );
    const want = EXPECTED[level];
    const reached = await this.until(
      () => this.changedTo(want, haltAt) !== null,
      this.bounds.haltMs,
    );
    const halted = this.changedTo(want, haltAt);
    timed(
      "halt",
      reached === null || halted === null ? null : halted - haltAt,
      this.bounds.haltMs,
      `trading state ${want}`,
    );
    if (level === "flatten") {
      const flat = await this.until(
        async () => (await this.openPositions()) === 0,
        this.bounds.flattenMs,
      );
      timed(
        "flatten",
        flat === null ? null : this.world.clock.now() - haltAt,
        this.bounds.flattenMs,
        "every position closed",
      );
    }
    const entries = this.seen.orders.filter(
      (o) => o.at >= haltAt && o.message.kind === "ENTRY" && o.message.venueOrderId !== null,
    );
    items.push(
      item(
        subject,
        "no-entries",
        entries.length === 0 ? "PASS" : "FAIL",
        `${entries.length} entry order(s) reached the venue while halted`,
      ),
    );
    const resumeAt = this.world.clock.now();
    const resumed = await this.send({ kind: "resume" });
    const back = await this.until(
      () => resumed?.ok === true && this.changedTo("ACTIVE", resumeAt) !== null,
      this.bounds.resumeMs,
    );
    const active = this.changedTo("ACTIVE", resumeAt);
    timed(
      "resume",
      back === null || active === null ? null : active - resumeAt,
      this.bounds.resumeMs,
      "ACTIVE again",
    );
    return items;
  }

  /** When the trading state first became `state` at or after `since`; null if it has not. */
  private changedTo(state: TradingState, since: number): number | null {
    return (
      this.seen.stateChanges.find((s) => s.at >= since && s.message.state === state)?.at ?? null
    );
  }

  private async openPositions(): Promise<number> {
    return (await this.world.store.listPositions({ open: true })).length;
  }

  private async send(
    command: { kind: "halt"; level: HaltLevel } | { kind: "resume" },
  ): Promise<OpsReply | null> {
    const bus = this.world.fleet.connect(`drill.operator-${this.connections++}`);
    const reason =
      command.kind === "halt" ? `kill-switch drill: ${command.level}` : "kill-switch drill: resume";
    const message = this.factory.make("ops.command", { command, actor: ACTOR, reason });
    try {
      return await this.world.withVirtualTime(
        bus.request(message, "ops.reply", { timeoutMs: REPLY_TIMEOUT_MS }),
        REPLY_TIMEOUT_MS * 2,
      );
    } catch {
      return null;
    } finally {
      void bus.close();
    }
  }
}
