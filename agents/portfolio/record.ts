/**
 * Between the machine and the store: a position's context becomes a `Position` (the wire and the
 * table columns) plus the persisted XState snapshot and the machine version; a stored record is
 * read back only after its snapshot parses and agrees with its columns and its own fills.
 */
import { z } from "zod";
import type { SnapshotFrom } from "xstate";
import { fillStatus, mode, side } from "../../contracts/common.ts";
import { exitReason, intentKind } from "../../contracts/intents.ts";
import { micro, priceMicro, qtyMicro } from "../../contracts/money.ts";
import { positionState, type Position, type PositionState } from "../../contracts/positions.ts";
import type { PositionRecord } from "../runtime/store.ts";
import { InvariantError } from "../runtime/errors.ts";
import { provisionalShares } from "./ledger.ts";
import { assertPositionSums } from "./invariants.ts";
import { averagePrice, unrealizedPnl } from "./pnl.ts";
import {
  POSITION_MACHINE_VERSION,
  type PositionContext,
  type PositionInput,
  type PositionMachine,
} from "./machine.ts";

const int = z.number().int();
const ledgerEntry = z.object({
  tradeId: z.string().min(1),
  kind: intentKind,
  side,
  price: priceMicro,
  size: qtyMicro,
  fee: micro,
  status: fillStatus,
});
const holdings = z.object({
  size: int,
  costBasis: int,
  fees: int,
  realizedPnl: int,
  entrySize: int,
  entryCost: int,
  exitSize: int,
  exitProceeds: int,
  settledSize: int,
  settlementPrice: int.nullable(),
  payout: int,
});
const context = z.object({
  positionId: z.string().min(1),
  strategy: z.string().min(1),
  windowId: z.string().min(1),
  tokenId: z.string().min(1),
  mode,
  openedAt: int,
  windowEndTs: int.nullable(),
  feeRateBps: int.nullable(),
  fills: z.record(z.string(), ledgerEntry),
  holdings,
  highWaterMark: int.nullable(),
  exitReason: exitReason.nullable(),
  exitAttempts: int.nonnegative(),
  exitIntentId: z.string().nullable(),
  exitDeadlineAt: int.nullable(),
  exitRetryAt: int.nullable(),
  lastExitFailure: z.string().nullable(),
  closedAt: int.nullable(),
});
/** The parts of XState's persisted snapshot we rely on; the rest passes through untouched. */
const persistedSnapshot = z.looseObject({
  status: z.enum(["active", "done"]),
  value: positionState,
  context,
});

/** The position as published and stored, given the latest mark (kept outside the machine). */
export function toPosition(
  ctx: PositionContext,
  state: PositionState,
  markPrice: number | null,
  feeRateBps: number,
): Position {
  const h = ctx.holdings;
  const open = state !== "CLOSED";
  return {
    positionId: ctx.positionId,
    strategy: ctx.strategy,
    windowId: ctx.windowId,
    tokenId: ctx.tokenId,
    mode: ctx.mode,
    state,
    size: h.size,
    provisionalSize: provisionalShares(ctx.fills, "BUY"),
    avgEntryPrice: averagePrice(h.entryCost, h.entrySize),
    costBasis: h.costBasis,
    fees: h.fees,
    realizedPnl: h.realizedPnl,
    unrealizedPnl: open ? unrealizedPnl(h, markPrice, feeRateBps) : 0,
    markPrice,
    exitReason: ctx.exitReason,
    openedAt: ctx.openedAt,
    closedAt: ctx.closedAt,
  };
}

/** The store row; checks the write side of the sum-of-fills invariant first. */
export function toRecord(
  position: Position,
  ctx: PositionContext,
  snapshot: unknown,
  updatedAt: number,
): PositionRecord {
  assertPositionSums(ctx.positionId, "write", ctx.fills, ctx.holdings);
  return { ...position, machineVersion: POSITION_MACHINE_VERSION, snapshot, updatedAt };
}

export interface Restorable {
  snapshot: SnapshotFrom<PositionMachine>;
  input: PositionInput;
  state: PositionState;
  context: PositionContext;
}

/**
 * Reads a stored record back: the machine version must be ours, the snapshot must parse, agree
 * with the record's columns, and equal the sum of its own confirmed fills (the read side of the
 * invariant). Anything else is an InvariantError: a position we cannot trust is not traded on.
 */
export function fromRecord(rec: PositionRecord): Restorable {
  const id = rec.positionId;
  if (rec.machineVersion !== POSITION_MACHINE_VERSION) {
    throw new InvariantError(
      `position ${id} was saved by machine version ${rec.machineVersion}; this build runs ` +
        `${POSITION_MACHINE_VERSION} and has no migration for it`,
    );
  }
  const parsed = persistedSnapshot.safeParse(rec.snapshot);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvariantError(
      `position ${id}: stored snapshot does not parse (${issue?.path.join(".") ?? ""}: ${issue?.message ?? "?"})`,
    );
  }
  const { value: state, context: ctx } = parsed.data;
  const h = ctx.holdings;
  const mismatch =
    ctx.positionId !== id ||
    state !== rec.state ||
    h.size !== rec.size ||
    h.realizedPnl !== rec.realizedPnl ||
    h.fees !== rec.fees ||
    h.costBasis !== rec.costBasis;
  if (mismatch) {
    throw new InvariantError(
      `position ${id}: stored columns (state ${rec.state}, size ${rec.size}, realized ` +
        `${rec.realizedPnl}) disagree with its snapshot (state ${state}, size ${h.size}, realized ${h.realizedPnl})`,
    );
  }
  assertPositionSums(id, "read", ctx.fills, h);
  const { positionId, strategy, windowId, tokenId, openedAt, windowEndTs, feeRateBps } = ctx;
  return {
    snapshot: parsed.data as unknown as SnapshotFrom<PositionMachine>,
    input: {
      positionId,
      strategy,
      windowId,
      tokenId,
      mode: ctx.mode,
      openedAt,
      windowEndTs,
      feeRateBps,
    },
    state,
    context: ctx,
  };
}
