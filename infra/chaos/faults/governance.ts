/**
 * Governance faults: the CRO cut off from the bus (a partition of the CRO alone; see bus.ts) and a
 * runtime-controls change mid-run, sent as an operator would (`ops.command` controls.set) and set
 * back on heal. Only changes that keep the system able to trade and recover on its own are drawn:
 * a manual recovery policy or the kill switch would make "resumes after heal" untestable.
 */
import { MessageFactory } from "../../../bus/messages.ts";
import { CONTROL_DEFAULTS, type ControlKey } from "../../../contracts/controls.ts";
import type { BusChaos } from "./bus.ts";
import { partitionFault } from "./bus.ts";
import type { FaultContext, FaultKind, Injection } from "./types.ts";

const CHANGES: ReadonlyArray<readonly [ControlKey, readonly string[]]> = [
  ["position_cap_usd", ["1", "2", "3", "10"]],
  ["orders_per_window_max", ["0", "1", "4"]],
  ["order_rate_per_min", ["1", "5", "60"]],
  ["daily_drawdown_usd", ["2", "5", "50"]],
  ["price_max", ["0.5", "0.9"]],
  ["allowed_strategies", ["canary", "momentum", "none"]],
];

const FIRST_CHANGE: readonly [ControlKey, readonly string[]] = ["position_cap_usd", ["1"]];

const REPLY_TIMEOUT_MS = 5_000;

export interface ControlsLog {
  sent: number;
  accepted: number;
  refused: number;
  failed: number;
}

function sendControl(
  ctx: FaultContext,
  factory: MessageFactory,
  key: ControlKey,
  value: string,
  log: ControlsLog,
): void {
  const bus = ctx.world.fleet.connect(`chaos.operator-${log.sent}`);
  log.sent++;
  const message = factory.make("ops.command", {
    command: { kind: "controls.set", key, value },
    actor: "chaos",
    reason: "chaos: runtime-controls change mid-run",
  });
  bus
    .request(message, "ops.reply", { timeoutMs: REPLY_TIMEOUT_MS })
    .then((reply) => {
      if (reply.ok) log.accepted++;
      else log.refused++;
    })
    .catch(() => {
      log.failed++;
    })
    .finally(() => {
      void bus.close();
    });
}

export function governanceFaults(bus: () => BusChaos, log: ControlsLog): FaultKind[] {
  const controls: FaultKind = {
    kind: "governance.controls-change",
    family: "governance",
    perDay: 1,
    durationMs: [600_000, 6 * 3_600_000],
    inject(ctx: FaultContext): Injection {
      const factory = new MessageFactory(ctx.world.clock, ctx.rng, {
        agent: "ops",
        instance: "chaos",
      });
      const [key, values] = CHANGES[ctx.rng.int(0, CHANGES.length - 1)] ?? FIRST_CHANGE;
      const value = values[ctx.rng.int(0, values.length - 1)] ?? CONTROL_DEFAULTS[key];
      const before = { value: CONTROL_DEFAULTS[key] };
      // The in-memory store answers within the current step, before any heal can run.
      void ctx.world.store.getControls().then((rows) => {
        before.value = rows.find((r) => r.key === key)?.value ?? before.value;
        sendControl(ctx, factory, key, value, log);
      });
      return {
        target: "cro",
        detail: `controls.set ${key}=${value}, set back on heal`,
        heal: () => {
          sendControl(ctx, factory, key, before.value, log);
        },
      };
    },
  };
  return [
    {
      ...partitionFault("governance.cro-partition", "governance", "cro", [5_000, 60_000], bus),
      perDay: 1,
    },
    controls,
  ];
}
