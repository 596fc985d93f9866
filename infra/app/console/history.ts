/**
 * History for the console, read from the store (PostgreSQL or the embedded one): trades with
 * filters and cursor pagination, positions, state changes (the audit of who did what), alerts and
 * runtime controls. Every query is validated (a bad one gets the exact problem) and bounded.
 */
import { z } from "zod";
import { CONTROL_DEFAULTS, controlKeys } from "../../../contracts/controls.ts";
import type { ControlView, Page, TradeRow } from "../../../contracts/console.ts";
import { tradeOutcome } from "../../../contracts/console.ts";
import type { FillRecord, PositionRecord, Store } from "../../../agents/runtime/store.ts";

/** Rows one page may hold. */
export const PAGE_ROWS_MAX = 500;
/** Rows a filter may scan (and a CSV export may hold). */
export const SCAN_ROWS_MAX = 100_000;

const millis = z
  .string()
  .refine((s) => /^\d{1,15}$/.test(s) || !Number.isNaN(Date.parse(s)), {
    error: "expected epoch milliseconds or an ISO date",
  })
  .transform((s) => (/^\d+$/.test(s) ? Number(s) : Date.parse(s)));

export const tradeQuery = z.strictObject({
  strategy: z.string().min(1).max(64).optional(),
  /** A part of the window id (slug) or the token id. */
  instrument: z.string().min(1).max(128).optional(),
  from: millis.optional(),
  to: millis.optional(),
  outcome: z
    .enum(tradeOutcome.options, { error: "outcome: expected win, loss, open or none" })
    .optional(),
  cursor: z.string().max(400).optional(),
  limit: z.coerce
    .number({ error: "limit: expected a number" })
    .int("limit: expected a whole number")
    .min(1, "limit: at least 1")
    .max(PAGE_ROWS_MAX, `limit: at most ${PAGE_ROWS_MAX}`)
    .default(100),
});
export type TradeQuery = z.infer<typeof tradeQuery>;

export const positionQuery = z.strictObject({
  open: z.enum(["true", "false"], { error: "open: expected true or false" }).optional(),
  cursor: z.string().max(400).optional(),
  limit: tradeQuery.shape.limit,
});

export const listQuery = z.strictObject({
  cursor: z.string().max(400).optional(),
  limit: tradeQuery.shape.limit,
});

/** The first problem of a failed parse, said the way a person would fix it. */
export function problem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "invalid query";
  if (issue.code === "unrecognized_keys") return `unknown parameter(s): ${issue.keys.join(", ")}`;
  const where = issue.path.join(".");
  return issue.message.startsWith(`${where}:`) || where === ""
    ? issue.message
    : `${where}: ${issue.message}`;
}

/** Every trade matching the filter, newest first (at most SCAN_ROWS_MAX). */
export async function filteredTrades(
  store: Store,
  q: Omit<TradeQuery, "cursor" | "limit">,
): Promise<TradeRow[]> {
  const [fills, positions] = await Promise.all([
    store.listFills({
      newestFirst: true,
      limit: SCAN_ROWS_MAX,
      ...(q.from === undefined ? {} : { sinceTs: q.from }),
    }),
    store.listPositions({ limit: SCAN_ROWS_MAX }),
  ]);
  const byId = new Map(positions.map((p) => [p.positionId, p]));
  const rows: TradeRow[] = [];
  for (const f of fills) {
    if (q.strategy !== undefined && f.strategy !== q.strategy) continue;
    if (
      q.instrument !== undefined &&
      !f.windowId.includes(q.instrument) &&
      !f.tokenId.includes(q.instrument)
    )
      continue;
    if (q.to !== undefined && f.ts > q.to) continue;
    const row = tradeRowOf(f, f.positionId === null ? undefined : byId.get(f.positionId));
    if (q.outcome !== undefined && row.outcome !== q.outcome) continue;
    rows.push(row);
  }
  return rows;
}

export function tradeRowOf(f: FillRecord, p: PositionRecord | undefined): TradeRow {
  const slip = f.side === "BUY" ? f.price - f.intendedPrice : f.intendedPrice - f.price;
  let outcome: TradeRow["outcome"] = "none";
  if (p !== undefined)
    outcome = p.state !== "CLOSED" ? "open" : p.realizedPnl >= 0 ? "win" : "loss";
  return {
    tradeId: f.tradeId,
    ts: f.ts,
    strategy: f.strategy,
    windowId: f.windowId,
    tokenId: f.tokenId,
    kind: f.kind,
    side: f.side,
    price: f.price,
    intendedPrice: f.intendedPrice,
    slippage: slip,
    size: f.size,
    fee: f.fee,
    status: f.status,
    liquidity: f.liquidity,
    positionId: f.positionId,
    outcome,
    realizedPnl: p === undefined ? null : p.realizedPnl,
    positionFees: p === undefined ? null : p.fees,
    // realizedPnl is net of fees (agents/portfolio/pnl.ts): gross adds them back.
    grossPnl: p === undefined ? null : p.realizedPnl + p.fees,
  };
}

/**
 * Keyset pagination over rows already in order: the cursor names the last row of the previous
 * page (opaque to clients), so a page stays right while new rows arrive at the top.
 */
export function paginate<T>(
  rows: readonly T[],
  key: (row: T) => string,
  cursor: string | undefined,
  limit: number,
): Page<T> | { error: string } {
  let start = 0;
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    if (after === null) return { error: "cursor: not a cursor this server gave out" };
    const at = rows.findIndex((r) => key(r) === after);
    if (at < 0) return { error: "cursor: that row is no longer in this list; start again" };
    start = at + 1;
  }
  const page = rows.slice(start, start + limit);
  const last = page.at(-1);
  const more = start + limit < rows.length;
  return { rows: page, next: more && last !== undefined ? encodeCursor(key(last)) : null };
}

function encodeCursor(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  return text.length > 0 ? text : null;
}

/** Each control with its current value, default, who set it and when. */
export async function controlViews(store: Store): Promise<ControlView[]> {
  const rows = await store.getControls();
  return controlKeys.map((key) => {
    const row = rows.find((r) => r.key === key);
    const def = CONTROL_DEFAULTS[key];
    return row === undefined
      ? { key, value: def, default: def, source: "default", updatedBy: null, updatedAt: null }
      : {
          key,
          value: row.value,
          default: def,
          source: "stored",
          updatedBy: row.updatedBy,
          updatedAt: row.updatedAt,
        };
  });
}

const CSV_COLUMNS: readonly (keyof TradeRow)[] = [
  "tradeId",
  "ts",
  "strategy",
  "windowId",
  "tokenId",
  "kind",
  "side",
  "price",
  "intendedPrice",
  "slippage",
  "size",
  "fee",
  "status",
  "liquidity",
  "positionId",
  "outcome",
  "realizedPnl",
  "positionFees",
  "grossPnl",
];

/** RFC 4180 CSV of trade rows (money, prices and sizes in micro-units, times in epoch ms). */
export function tradesCsv(rows: readonly TradeRow[]): string {
  const cell = (v: TradeRow[keyof TradeRow]): string => {
    const text = v === null ? "" : String(v);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of rows) lines.push(CSV_COLUMNS.map((c) => cell(r[c])).join(","));
  return lines.join("\r\n") + "\r\n";
}
