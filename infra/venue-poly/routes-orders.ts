/** The authenticated (L2) order, trade, balance and heartbeat routes (reference §1.5–1.9). */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { VenueOrder } from "../../agents/runtime/venue.ts";
import type { ApiKey } from "./auth.ts";
import { HttpError } from "./errors.ts";
import { CALL, type PolyCore } from "./core.ts";
import { submitFate } from "./faults.ts";
import { EXCHANGE_V2, NEG_RISK_EXCHANGE_V2, OrderError } from "./orders.ts";
import { NO_FILL, answerSubmit, submit } from "./submit.ts";
import { decodeCursor, page } from "./wire.ts";

type Query = Record<string, string | undefined>;

export const MAX_BATCH = 15;
const MAX_UINT256 =
  "115792089237316195423570985008687907853269984665640564039457584007913129639935";

export function registerOrders(
  app: FastifyInstance,
  core: PolyCore,
  l2: (req: FastifyRequest) => ApiKey,
): void {
  // ---- orders (L2) ----
  app.post("/order", async (req, reply) => {
    const key = l2(req);
    const fate = submitFate(core.faults, () => core.rng.float());
    if (fate === "reject") {
      throw new HttpError(503, "Trading is currently disabled. Check polymarket.com for updates");
    }
    const run = fate !== "5xx-not-accepted";
    let result: Record<string, unknown> | null = null;
    if (run) result = await submit(core, key, req.body);
    return answerSubmit(core, reply, fate, result);
  });
  app.post("/orders", async (req, reply) => {
    const key = l2(req);
    const body = req.body;
    if (!Array.isArray(body)) throw new HttpError(400, "Invalid order payload");
    if (body.length > MAX_BATCH) {
      throw new HttpError(
        400,
        `Too many orders in payload: ${body.length}, max allowed: ${MAX_BATCH}`,
      );
    }
    const fate = submitFate(core.faults, () => core.rng.float());
    if (fate === "reject") {
      throw new HttpError(503, "Trading is currently disabled. Check polymarket.com for updates");
    }
    const out: Record<string, unknown>[] = [];
    if (fate !== "5xx-not-accepted") {
      for (const item of body as unknown[]) {
        try {
          out.push(await submit(core, key, item));
        } catch (e) {
          if (!(e instanceof OrderError || e instanceof HttpError)) throw e;
          out.push({ ...NO_FILL, success: false, errorMsg: e.message, orderID: "", status: "" });
        }
      }
    }
    return answerSubmit(core, reply, fate, out);
  });

  app.delete("/order", async (req) => {
    const key = l2(req);
    const id = (req.body as { orderID?: unknown } | undefined)?.orderID;
    if (typeof id !== "string" || id === "") throw new HttpError(400, "Invalid order payload");
    return cancel(core, key, [id]);
  });
  app.delete("/orders", async (req) => {
    const key = l2(req);
    const ids = req.body;
    if (!Array.isArray(ids) || ids.some((i) => typeof i !== "string")) {
      throw new HttpError(400, "Invalid order payload");
    }
    if (ids.length > 1000)
      throw new HttpError(400, "Too many orders in payload, max allowed: 1000");
    return cancel(core, key, ids as string[]);
  });
  app.delete("/cancel-all", async (req) => {
    const key = l2(req);
    const open = await core.venue.openOrders(CALL);
    const ids = open.items.filter((o) => core.ownedBy(key.apiKey, o)).map((o) => core.idOf(o));
    return cancel(core, key, ids);
  });
  app.delete("/cancel-market-orders", async (req) => {
    const key = l2(req);
    const b = (req.body ?? {}) as { market?: unknown; asset_id?: unknown };
    const open = await core.venue.openOrders(CALL);
    const ids = open.items
      .filter((o) => {
        if (!core.ownedBy(key.apiKey, o)) return false;
        if (typeof b.asset_id === "string" && b.asset_id !== "" && o.tokenId !== b.asset_id)
          return false;
        if (typeof b.market === "string" && b.market !== "") {
          return core.token(o.tokenId)?.conditionId === b.market.toLowerCase();
        }
        return true;
      })
      .map((o) => core.idOf(o));
    return cancel(core, key, ids);
  });

  app.get("/data/order/:id", async (req) => {
    const key = l2(req);
    const id = (req.params as Query).id ?? "";
    const o = await core.venue.getOrder({ clientOrderId: id }, CALL);
    // Another key's order does not exist for this one.
    if (o === null || !core.ownedBy(key.apiKey, o)) throw new HttpError(404, "Order not found");
    return core.openOrder(o, await tradeIdsOf(core, o));
  });
  app.get("/data/orders", async (req) => {
    const key = l2(req);
    const q = req.query as Query;
    const offset = decodeCursor(q.next_cursor);
    if (offset === null) throw new HttpError(400, "invalid order params payload");
    const open = await core.venue.openOrders(CALL);
    const rows: Record<string, unknown>[] = [];
    for (const o of open.items) {
      if (!core.ownedBy(key.apiKey, o)) continue;
      const row = core.openOrder(o, await tradeIdsOf(core, o));
      if (q.id !== undefined && row.id !== q.id) continue;
      if (q.market !== undefined && row.market !== q.market.toLowerCase()) continue;
      if (q.asset_id !== undefined && row.asset_id !== q.asset_id) continue;
      rows.push(row);
    }
    return page(rows, offset, core.pageSize);
  });
  app.get("/data/trades", async (req) => {
    const key = l2(req);
    const q = req.query as Query;
    const offset = decodeCursor(q.next_cursor);
    if (offset === null) throw new HttpError(400, "Invalid trade params payload");
    const before = q.before === undefined ? null : Number(q.before);
    const after = q.after === undefined ? null : Number(q.after);
    if (
      (before !== null && !Number.isFinite(before)) ||
      (after !== null && !Number.isFinite(after))
    ) {
      throw new HttpError(400, "Invalid trade params payload");
    }
    const all = await core.venue.trades({}, CALL);
    const rows = all.items
      .filter((t) => core.ownedBy(key.apiKey, t))
      .map((t) => core.trade(t, t.status))
      .filter(
        (r) =>
          (q.id === undefined || r.id === q.id) &&
          (q.market === undefined || r.market === q.market.toLowerCase()) &&
          (q.asset_id === undefined || r.asset_id === q.asset_id) &&
          (q.maker_address === undefined || involves(r, q.maker_address)) &&
          (before === null || Number(r.match_time) < before) &&
          (after === null || Number(r.match_time) > after),
      );
    return page(rows, offset, core.pageSize);
  });

  const balanceAllowance = (req: FastifyRequest) => {
    const key = l2(req);
    const q = req.query as Query;
    if (q.asset_type !== "COLLATERAL" && q.asset_type !== "CONDITIONAL") {
      throw new HttpError(400, "Invalid asset type");
    }
    if (q.signature_type !== undefined && !/^[0-3]$/.test(q.signature_type)) {
      throw new HttpError(400, "Invalid signature_type");
    }
    // The key's wallet's own account.
    const account = core.venue.accountState(core.accountOf(key.address));
    const allowance =
      account.allowance >= Number.MAX_SAFE_INTEGER ? MAX_UINT256 : String(account.allowance);
    let balance: string;
    if (q.asset_type === "COLLATERAL") {
      balance = String(account.collateral);
    } else {
      if (q.token_id === undefined || core.token(q.token_id) === undefined) {
        throw new HttpError(400, "Invalid token id");
      }
      balance = String(account.positions.find((p) => p.tokenId === q.token_id)?.shares ?? 0);
    }
    return {
      balance,
      allowance,
      allowances: { [EXCHANGE_V2]: allowance, [NEG_RISK_EXCHANGE_V2]: allowance },
    };
  };
  app.get("/balance-allowance", balanceAllowance);
  app.get("/balance-allowance/update", balanceAllowance);

  const heartbeat = async (req: FastifyRequest) => {
    l2(req);
    await core.venue.heartbeat(CALL);
    return { heartbeat_id: core.rng.uuid() };
  };
  app.post("/v1/heartbeats", heartbeat);
  app.post("/heartbeats", heartbeat);
}

const NOT_CANCELED_TEXT: Record<string, string> = {
  NOT_FOUND: "Order not found or already canceled",
  ALREADY_FILLED: "Order already matched",
  ALREADY_CANCELLED: "already canceled or matched",
  ALREADY_EXPIRED: "already canceled or matched",
};

async function cancel(
  core: PolyCore,
  key: ApiKey,
  ids: string[],
): Promise<{ canceled: string[]; not_canceled: Record<string, string> }> {
  const canceled: string[] = [];
  const notCanceled: Record<string, string> = {};
  for (const id of ids) {
    const o = await core.venue.getOrder({ clientOrderId: id }, CALL);
    // One key never cancels another's order: to it, that order does not exist.
    if (o === null || !core.ownedBy(key.apiKey, o)) {
      notCanceled[id] = "Order not found or already canceled";
      continue;
    }
    const r = await core.venue.cancelOrder(o.venueOrderId, CALL);
    if (r.cancelled.includes(o.venueOrderId)) canceled.push(id);
    else
      notCanceled[id] =
        NOT_CANCELED_TEXT[r.notCancelled[o.venueOrderId] ?? "NOT_FOUND"] ??
        "Order not found or already canceled";
  }
  return { canceled, not_canceled: notCanceled };
}

/** Whether `address` is the taker or one of the makers of a trade row. */
function involves(row: Record<string, unknown>, address: string): boolean {
  const a = address.toLowerCase();
  const makers = row.maker_orders as { maker_address: string }[];
  return (
    String(row.maker_address).toLowerCase() === a ||
    makers.some((m) => m.maker_address.toLowerCase() === a)
  );
}

async function tradeIdsOf(core: PolyCore, o: VenueOrder): Promise<string[]> {
  if (o.filledSize === 0) return [];
  const all = await core.venue.trades({}, CALL);
  return all.items.filter((t) => t.venueOrderId === o.venueOrderId).map((t) => core.tradeIdOf(t));
}
