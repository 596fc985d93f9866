/**
 * `predator preflight`: everything a first live trade needs, checked and printed as a checklist:
 * credentials (L2 auth works), chain (RPC answers with the configured chain id), balance and
 * allowance (venue and on-chain agree there is enough), token ids (the venue has a book for each),
 * limits set, kill switch armed (off, and the CRO is there to flip it), every agent healthy.
 * Exit code 0 only when every check passes; nothing is changed anywhere.
 */
import type { Command } from "commander";
import { SystemClock } from "../../../bus/clock.ts";
import { SystemRng } from "../../../bus/rng.ts";
import { formatUsd } from "../../../contracts/money.ts";
import { resolveControls } from "../../../contracts/controls.ts";
import {
  liveSettingsFromEnv,
  loadChainReader,
  loadLiveVenue,
  type ChainReader,
  type LiveVenue,
} from "../../venue-live/index.ts";
import type { ControlRow } from "../../../agents/runtime/store.ts";
import { print } from "../output.ts";
import { PgStore } from "../../store/pg.ts";
import { connectOps } from "../connect.ts";
import { cliActor, croStatus } from "../../app/operator.ts";
import { storeRun } from "./evidence.ts";
import { preflightRun } from "./preflight-evidence.ts";

export type CheckName =
  | "credentials"
  | "chain"
  | "balance"
  | "allowance"
  | "token ids"
  | "limits"
  | "kill switch"
  | "agents";

export interface CheckLine {
  name: CheckName;
  ok: boolean;
  detail: string;
}

export interface PreflightInputs {
  /** Builds the live venue (derives the API key when none is set); a throw fails "credentials". */
  venue: () => Promise<LiveVenue>;
  chain: ChainReader | null;
  chainId: number;
  /** null: no store configured. */
  controls: (() => Promise<ControlRow[]>) | null;
  /** The CRO's view of the fleet, or null when it did not answer; the function null: no bus. */
  croState: (() => Promise<FleetView | null>) | null;
  /** Tokens to validate; empty: those of the venue's open windows. */
  tokenIds: string[];
  /** The smallest order the runbook places, micro-dollars (5 shares at up to $1). */
  minimumCollateral: number;
  timeoutMs: number;
}

/** What preflight needs of the CRO's state (cro.state and the ops status reply both fit). */
export interface FleetView {
  state: string;
  agents: ReadonlyArray<{ agent: string; instance: string; alive: boolean }>;
}

export const DEFAULT_MINIMUM_COLLATERAL = 5_000_000;

export async function runPreflight(i: PreflightInputs): Promise<CheckLine[]> {
  const out: CheckLine[] = [];
  const add = (name: CheckName, ok: boolean, detail: string): void => {
    out.push({ name, ok, detail });
  };
  const opts = { timeoutMs: i.timeoutMs };
  let venue: LiveVenue | null = null;
  try {
    venue = await i.venue();
    await venue.balance(opts); // an L2-authenticated call
    add("credentials", true, `L2 API key works for ${venue.address}`);
  } catch (error) {
    add("credentials", false, (error as Error).message);
  }
  await chainChecks(i, venue, add);
  await tokenCheck(i, venue, add);
  await controlChecks(i, add);
  venue?.close();
  return out;
}

type Add = (name: CheckName, ok: boolean, detail: string) => void;

async function chainChecks(i: PreflightInputs, venue: LiveVenue | null, add: Add): Promise<void> {
  let onChain: { balance: number; allowance: number } | null = null;
  if (i.chain === null)
    add("chain", false, "POLY_RPC_URL is not set: balance and allowance cannot be read on-chain");
  else {
    try {
      const id = await i.chain.chainId();
      add(
        "chain",
        id === i.chainId,
        id === i.chainId ? `chain id ${id}` : `RPC is on chain ${id}, expected ${i.chainId}`,
      );
      if (venue !== null) onChain = await i.chain.collateral(venue.address);
    } catch (error) {
      add("chain", false, `RPC: ${(error as Error).message}`);
    }
  }
  if (venue === null) {
    add("balance", false, "no venue (credentials failed)");
    add("allowance", false, "no venue (credentials failed)");
    return;
  }
  const b = (await venue.balance({ timeoutMs: i.timeoutMs })).value;
  const free = b.collateral - b.reserved;
  const chainNote = onChain === null ? "" : `; on-chain ${formatUsd(onChain.balance)}`;
  const balanceOk =
    free >= i.minimumCollateral && (onChain === null || onChain.balance >= i.minimumCollateral);
  add(
    "balance",
    balanceOk && onChain !== null,
    `venue ${formatUsd(b.collateral)} (free ${formatUsd(free)})${chainNote}; need ${formatUsd(i.minimumCollateral)}`,
  );
  const allowance = Math.min(b.allowance, onChain?.allowance ?? b.allowance);
  add(
    "allowance",
    allowance >= i.minimumCollateral && onChain !== null,
    `${formatUsd(allowance)} approved for the exchange${onChain === null ? " (venue only)" : ""}`,
  );
}

async function tokenCheck(i: PreflightInputs, venue: LiveVenue | null, add: Add): Promise<void> {
  if (venue === null) {
    add("token ids", false, "no venue (credentials failed)");
    return;
  }
  try {
    let tokens = i.tokenIds;
    if (tokens.length === 0) {
      const open = (await venue.markets({ timeoutMs: i.timeoutMs })).items.filter(
        (m) => m.status === "OPEN",
      );
      tokens = open.flatMap((m) => [m.upTokenId, m.downTokenId]).slice(0, 10);
    }
    const bad: string[] = [];
    for (const t of tokens) if (!(await venue.hasBook(t, { timeoutMs: i.timeoutMs }))) bad.push(t);
    add(
      "token ids",
      tokens.length > 0 && bad.length === 0,
      bad.length > 0 ? `no book for ${bad.join(", ")}` : `${tokens.length} token(s) have books`,
    );
  } catch (error) {
    add("token ids", false, (error as Error).message);
  }
}

async function controlChecks(i: PreflightInputs, add: Add): Promise<void> {
  if (i.controls === null) {
    add("limits", false, "DATABASE_URL is not set: runtime controls cannot be read");
    add("kill switch", false, "DATABASE_URL is not set");
  } else {
    const rows = await i.controls();
    const { controls, errors } = resolveControls(rows);
    const set = new Set(rows.map((r) => r.key));
    const limits = [
      "position_cap_usd",
      "daily_drawdown_usd",
      "session_loss_usd",
      "orders_per_window_max",
    ];
    const missing = limits.filter((k) => !set.has(k));
    add(
      "limits",
      errors.length === 0 && missing.length === 0 && controls.trading_mode === "live",
      errors.length > 0
        ? errors.join("; ")
        : missing.length > 0
          ? `not set explicitly (defaults would apply): ${missing.join(", ")}`
          : `cap ${formatUsd(controls.position_cap_usd)}, drawdown ${formatUsd(controls.daily_drawdown_usd)}, session loss ${formatUsd(controls.session_loss_usd)}, trading_mode ${controls.trading_mode}`,
    );
    add(
      "kill switch",
      controls.kill_switch === "off",
      controls.kill_switch === "off"
        ? "off (armed: the operator can throw it)"
        : "ON: trading is halted",
    );
  }
  if (i.croState === null) {
    add("agents", false, "NATS_URL is not set: agent health cannot be read");
    return;
  }
  const state = await i.croState();
  if (state === null) add("agents", false, "no cro.state received: the CRO is not running");
  else {
    const down = state.agents.filter((a) => !a.alive).map((a) => `${a.agent}.${a.instance}`);
    add(
      "agents",
      down.length === 0 && state.agents.length > 0,
      down.length > 0
        ? `not alive: ${down.join(", ")}`
        : `${state.agents.length} agents alive; CRO ${state.state}`,
    );
  }
}

export function preflightCommand(program: Command): void {
  program
    .command("preflight")
    .description(
      "check everything a first LIVE trade needs and print a checklist (changes nothing)",
    )
    .option("--token <id...>", "token ids to validate (default: the venue's open windows)")
    .option("--json", "print machine-readable output")
    .action(async (options: { token?: string[]; json?: boolean }) => {
      const settings = liveSettingsFromEnv(process.env);
      const clock = new SystemClock();
      const store =
        process.env.DATABASE_URL === undefined
          ? null
          : await PgStore.open(process.env.DATABASE_URL);
      const ops = process.env.NATS_URL === undefined ? null : await connectOps("preflight");
      const lines = await runPreflight({
        venue: () => loadLiveVenue(settings, { clock, rng: new SystemRng() }),
        chain:
          settings.rpcUrl === undefined
            ? null
            : await loadChainReader(settings.rpcUrl, settings.chainId),
        chainId: settings.chainId,
        controls: store === null ? null : () => store.getControls(),
        croState: ops === null ? null : () => croStatus(ops.operator, cliActor()),
        tokenIds: options.token ?? [],
        minimumCollateral: DEFAULT_MINIMUM_COLLATERAL,
        timeoutMs: 10_000,
      });
      await store?.close();
      await ops?.close();
      // Evidence for `predator readiness` (issue 20): every preflight is stored when it can be.
      if (process.env.DATABASE_URL !== undefined) {
        await storeRun(preflightRun(lines, clock.now(), "live"), process.env.DATABASE_URL);
      }
      if (options.json === true) print(JSON.stringify(lines));
      else
        for (const l of lines) print(`[${l.ok ? "ok" : "FAIL"}] ${l.name.padEnd(12)} ${l.detail}`);
      process.exitCode = lines.every((l) => l.ok) ? 0 : 1;
    });
}
