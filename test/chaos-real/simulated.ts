/**
 * The simulated counterpart of the real faults (issue 19: "the simulator's model is checked against
 * reality"): the same fault kinds where the simulator models them, injected the way the simulator
 * injects them (infra/chaos/faults/process.ts: an embedded agent killed or paused on the
 * VirtualClock, the fleet on the in-memory bus and store of test/chaos/world.ts), measured the same
 * way as the real run: fault → trading not ACTIVE → ACTIVE again, on the virtual clock.
 *
 * Modelled: `agent.kill` (kill, then a restart after the real supervisor's first delay: the
 * simulator's restart costs no boot time), `agent.stop` (paused until the CRO names it, then
 * resumed), `cro.takeover` (a second CRO instance as the standby, the lease holder killed),
 * `operator.halt` (ops.command halt at a level, resume once it took effect). Not modelled by the
 * simulator: a bus-wide outage (`nats.restart`: its bus faults are per delivery or per agent), a
 * store outage (`postgres.restart`) and a venue process death (`venue.kill`).
 */
import { AGENT_NAMES, type AgentName } from "../../agents/catalog.ts";
import { MessageFactory } from "../../bus/messages.ts";
import { SeededRng, type Rng } from "../../bus/rng.ts";
import type { TradingState } from "../../contracts/common.ts";
import type { HaltLevel } from "../../contracts/ops.ts";
import { percentiles, type Percentiles } from "../../bench/tick-stats.ts";
import { chaosWorld } from "../chaos/world.ts";
import { faultSequence, type FaultKind, type RealChaosReport } from "./engine.ts";

export const SIMULATED_KINDS = [
  "agent.kill",
  "agent.stop",
  "cro.takeover",
  "operator.halt",
] as const;
type SimulatedKind = (typeof SIMULATED_KINDS)[number];

/** The real fleet's supervisor restarts a dead process after this long (fleet-processes.ts). */
const RESTART_DELAY_MS = 200;
const STEP_MS = 10;
const BOUND_MS = 120_000;
/** As in the real run: a fault that leaves trading ACTIVE this long was not noticed. */
const DETECT_MS = 15_000;
const TARGETS: readonly AgentName[] = AGENT_NAMES.filter((a) => a !== "cro");
const LEVELS: readonly HaltLevel[] = ["pause", "flatten", "emergency"];
const SETTLES: Record<HaltLevel, TradingState> = {
  pause: "PAUSED",
  flatten: "PAUSED",
  emergency: "HALTED",
};

export interface SimulatedSummary extends Percentiles {
  count: number;
  stuck: number;
  /** Never took trading out of ACTIVE within DETECT_MS (no recovery to time). */
  undetected: number;
  detectP50: number;
}

/** Virtual-time recovery per modelled kind: `perKind` faults each, in the seed's order. */
export async function simulatedRecovery(
  seed: number,
  perKind: number,
): Promise<Record<SimulatedKind, SimulatedSummary>> {
  const world = await chaosWorld(seed);
  const { clock, fleet } = world;
  await fleet.start(world.definition("cro"), "2");
  const states: Array<{ at: number; state: TradingState; reason: string }> = [];
  const observer = fleet.connect("test.observer");
  observer.subscribe("cro.state", (m) => {
    states.push({ at: clock.now(), state: m.state, reason: m.reason });
  });
  const messages = new MessageFactory(clock, new SeededRng(seed), {
    agent: "test-operator",
    instance: "1",
  });
  const until = async (what: string, test: () => boolean, boundMs = BOUND_MS): Promise<number> => {
    const deadline = clock.now() + boundMs;
    while (!test()) {
      if (clock.now() >= deadline) throw new Error(`simulated: no ${what} within ${boundMs} ms`);
      await clock.advance(STEP_MS);
    }
    return clock.now();
  };
  const seen = (since: number, test: (s: { state: TradingState; reason: string }) => boolean) =>
    states.find((s) => s.at >= since && test(s));
  const operator = async (command: { kind: "halt"; level: HaltLevel } | { kind: "resume" }) => {
    const done = { reply: null as { ok: boolean } | null };
    const asked = observer
      .request(
        messages.make("ops.command", { command, actor: "tester", reason: "simulated chaos" }),
        "ops.reply",
        { timeoutMs: 5_000 },
      )
      .then((reply) => {
        done.reply = reply;
      });
    await until("ops.reply", () => done.reply !== null);
    await asked;
    if (done.reply?.ok !== true) throw new Error(`simulated: ${command.kind} refused`);
  };
  const leader = async (): Promise<string> => {
    const lease = await world.store.getLease("cro");
    return lease?.holder?.split("#")[0]?.split(".")[1] ?? "1";
  };

  await until("the first ACTIVE", () => states.at(-1)?.state === "ACTIVE");
  const rng: Rng = new SeededRng(seed).fork("simulated");
  const samples = new Map<
    SimulatedKind,
    { detect: number[]; recover: number[]; stuck: number; undetected: number }
  >();
  for (const kind of faultSequence(rng, SIMULATED_KINDS, { perKind }) as SimulatedKind[]) {
    // As in the real run: each fault starts from ACTIVE.
    await until("ACTIVE before the fault", () => states.at(-1)?.state === "ACTIVE");
    const at = clock.now();
    let from = at;
    switch (kind) {
      case "agent.kill": {
        const agent = TARGETS[rng.int(0, TARGETS.length - 1)] ?? "market-data";
        await fleet.kill(agent);
        await clock.advance(RESTART_DELAY_MS);
        void fleet.start(world.definition(agent));
        break;
      }
      case "agent.stop": {
        const agent = TARGETS[rng.int(0, TARGETS.length - 1)] ?? "market-data";
        fleet.pause(agent);
        await until(
          `a state naming ${agent}`,
          () => seen(at, (s) => s.state !== "ACTIVE" && s.reason.includes(agent)) !== undefined,
        ).finally(() => {
          fleet.resume(agent);
        });
        from = clock.now();
        break;
      }
      case "cro.takeover": {
        const instance = await leader();
        await fleet.kill("cro", instance);
        await clock.advance(RESTART_DELAY_MS);
        void fleet.start(world.definition("cro"), instance);
        break;
      }
      case "operator.halt": {
        const level = LEVELS[rng.int(0, LEVELS.length - 1)] ?? "pause";
        await operator({ kind: "halt", level });
        await until(
          SETTLES[level],
          () => seen(at, (s) => s.state === SETTLES[level]) !== undefined,
        );
        await operator({ kind: "resume" });
        from = clock.now();
        break;
      }
    }
    const s = samples.get(kind) ?? { detect: [], recover: [], stuck: 0, undetected: 0 };
    samples.set(kind, s);
    const left = await until(
      "not ACTIVE",
      () => seen(at, (x) => x.state !== "ACTIVE") !== undefined,
      DETECT_MS,
    ).catch(() => null);
    if (left === null) {
      s.undetected++;
      continue;
    }
    try {
      s.detect.push((seen(at, (x) => x.state !== "ACTIVE")?.at ?? left) - at);
      const back = await until(
        "ACTIVE again",
        () => seen(Math.max(from, left), (x) => x.state === "ACTIVE") !== undefined,
      );
      s.recover.push(back - at);
    } catch {
      s.stuck++;
    }
  }
  // A graceful stop waits on the same virtual clock: keep time moving until it is done.
  const stop = { done: false };
  const stopping = fleet.stop().then(() => {
    stop.done = true;
  });
  await until("the fleet stopped", () => stop.done);
  await stopping;
  world.venue.stop();
  const out = {} as Record<SimulatedKind, SimulatedSummary>;
  for (const [kind, s] of samples)
    out[kind] = {
      count: s.recover.length + s.stuck + s.undetected,
      stuck: s.stuck,
      undetected: s.undetected,
      ...percentiles(s.recover),
      detectP50: percentiles(s.detect).p50,
    };
  return out;
}

export function isSimulated(kind: FaultKind): kind is SimulatedKind {
  return (SIMULATED_KINDS as readonly string[]).includes(kind);
}

/** Real against simulated recovery (fault → ACTIVE again), per kind, as text. */
export function formatComparison(
  real: RealChaosReport,
  simulated: Partial<Record<SimulatedKind, SimulatedSummary>>,
): string {
  const ms = (n: number | undefined) =>
    n === undefined || Number.isNaN(n) ? "-" : String(Math.round(n));
  const lines = [
    "kind               real p50/p99/max (detect p50)     simulated p50/p99/max (detect p50)",
  ];
  for (const [kind, r] of Object.entries(real.byKind)) {
    const sim = isSimulated(kind as FaultKind) ? simulated[kind as SimulatedKind] : undefined;
    const realText = `${ms(r.p50)}/${ms(r.p99)}/${ms(r.max)} (${ms(r.detectP50)})`;
    const simText =
      sim === undefined
        ? "not modelled by the simulator"
        : `${ms(sim.p50)}/${ms(sim.p99)}/${ms(sim.max)} (${ms(sim.detectP50)})` +
          (sim.stuck > 0 ? `, ${sim.stuck} stuck` : "") +
          (sim.undetected > 0 ? `, ${sim.undetected} unnoticed` : "");
    lines.push(`${kind.padEnd(18)} ${realText.padEnd(33)} ${simText}`);
  }
  return lines.join("\n");
}
