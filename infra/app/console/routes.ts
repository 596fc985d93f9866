/**
 * The console's read routes under /api (the bearer check runs before them): the read model's
 * snapshot, recent events, and history from the store with filters and cursors.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { consoleEventKind } from "../../../contracts/console.ts";
import type { Clock } from "../../../bus/clock.ts";
import type { Store } from "../../../agents/runtime/store.ts";
import type { ConsoleHub } from "./hub.ts";
import {
  controlViews,
  filteredTrades,
  listQuery,
  paginate,
  positionQuery,
  problem,
  SCAN_ROWS_MAX,
  tradeQuery,
  tradesCsv,
} from "./history.ts";

export interface ConsoleRouteDeps {
  hub: ConsoleHub;
  store: Store;
  clock: Clock;
}

const recentQuery = z.strictObject({
  kind: z
    .enum(consoleEventKind.options, {
      error: `kind: expected one of ${consoleEventKind.options.join(", ")}`,
    })
    .optional(),
  limit: listQuery.shape.limit,
});

function bad(res: FastifyReply, error: string): FastifyReply {
  return res.code(400).send({ error });
}

export function consoleRoutes(api: FastifyInstance, deps: ConsoleRouteDeps): void {
  const { hub, store } = deps;
  api.get("/snapshot", async () => {
    const controls = await controlViews(store);
    return {
      ...hub.snapshot(),
      controls: Object.fromEntries(controls.map((c) => [c.key, c.value])),
    };
  });

  api.get("/activity", async (req, res) => {
    const q = recentQuery.safeParse(req.query);
    if (!q.success) return bad(res, problem(q.error));
    return { rows: hub.recent(q.data.limit, q.data.kind), lastId: hub.lastId, stream: hub.stream };
  });

  api.get("/decisions", async (req, res) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) return bad(res, problem(q.error));
    const rows = hub.recent(SCAN_ROWS_MAX, "decision").reverse();
    const page = paginate(rows, (e) => String(e.id), q.data.cursor, q.data.limit);
    return "error" in page ? bad(res, page.error) : page;
  });

  api.get("/trades", async (req, res) => {
    const q = tradeQuery.safeParse(req.query);
    if (!q.success) return bad(res, problem(q.error));
    const { cursor, limit, ...filter } = q.data;
    const rows = await filteredTrades(store, filter);
    const page = paginate(rows, (r) => r.tradeId, cursor, limit);
    return "error" in page ? bad(res, page.error) : { ...page, total: rows.length };
  });

  api.get("/trades.csv", async (req, res) => {
    const q = tradeQuery.omit({ cursor: true, limit: true }).safeParse(req.query);
    if (!q.success) return bad(res, problem(q.error));
    const rows = await filteredTrades(store, q.data);
    return res
      .type("text/csv; charset=utf-8")
      .header("content-disposition", 'attachment; filename="trades.csv"')
      .send(tradesCsv(rows));
  });

  api.get("/positions", async (req, res) => {
    const q = positionQuery.safeParse(req.query);
    if (!q.success) return bad(res, problem(q.error));
    const open = q.data.open === undefined ? {} : { open: q.data.open === "true" };
    const rows = (await store.listPositions({ ...open, limit: SCAN_ROWS_MAX }))
      .map(({ snapshot: _snapshot, ...p }) => p)
      .reverse();
    const page = paginate(rows, (p) => p.positionId, q.data.cursor, q.data.limit);
    return "error" in page ? bad(res, page.error) : page;
  });

  // The audit of trading-state changes: every halt, resume and automatic trip, with its actor.
  api.get("/audit", async (req, res) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) return bad(res, problem(q.error));
    const rows = (await store.listCroEvents({ limit: SCAN_ROWS_MAX })).reverse();
    const page = paginate(rows, (e) => String(e.id), q.data.cursor, q.data.limit);
    return "error" in page ? bad(res, page.error) : page;
  });

  api.get("/alerts", async (req, res) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) return bad(res, problem(q.error));
    const rows = (await store.listAlerts({ limit: SCAN_ROWS_MAX })).reverse();
    const page = paginate(rows, (a) => `${a.alertId}|${a.format}`, q.data.cursor, q.data.limit);
    return "error" in page ? bad(res, page.error) : page;
  });

  api.get("/controls", async () => ({ rows: await controlViews(store) }));
}
