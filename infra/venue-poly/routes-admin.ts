/** Operator and test endpoints under `/_predator` (not part of Polymarket's API). */
import type { FastifyInstance } from "fastify";
import { MICRO } from "../../contracts/money.ts";
import { HttpError } from "./errors.ts";
import type { RateRule } from "../venue-live/rate-limit.ts";
import type { PolyCore } from "./core.ts";
import { parsePolyFaults } from "./faults.ts";
import { conditionIdOf, parseDecimal, num } from "./wire.ts";

/** What the admin routes may ask of the venue's server (the WebSockets and the fault settings). */
export interface HttpHooks {
  dropWebSockets(): number;
  faultsChanged(): void;
}

export function registerAdmin(app: FastifyInstance, core: PolyCore, hooks: HttpHooks): void {
  // ---- operator / test admin (not part of Polymarket's API) ----
  app.get("/_predator/faults", () => core.faults);
  app.post("/_predator/faults", (req) => {
    let update;
    try {
      update = parsePolyFaults(req.body ?? {});
    } catch (e) {
      throw new HttpError(400, e instanceof Error ? e.message : String(e));
    }
    core.setFaults(update);
    hooks.faultsChanged();
    return core.faults;
  });
  app.post("/_predator/rate-limits", (req) => {
    const b = (req.body ?? {}) as { enabled?: unknown; rules?: unknown };
    if (typeof b.enabled !== "boolean") throw new HttpError(400, "enabled must be a boolean");
    try {
      core.setRateLimits(b.enabled ? ((b.rules ?? {}) as Record<string, RateRule>) : null);
    } catch (e) {
      throw new HttpError(400, e instanceof Error ? e.message : String(e));
    }
    return { enabled: b.enabled, rateLimited: core.stats.rateLimited };
  });
  app.get("/_predator/stats", () => core.stats);
  app.post("/_predator/drop-ws", () => ({ dropped: hooks.dropWebSockets() }));
  app.post("/_predator/tick-size", (req) => {
    const b = (req.body ?? {}) as { token_id?: unknown; tick_size?: unknown };
    const info = typeof b.token_id === "string" ? core.token(b.token_id) : undefined;
    const tick = parseDecimal(b.tick_size);
    if (info === undefined) throw new HttpError(400, "Invalid token id");
    if (tick === null || tick <= 0 || tick >= MICRO) throw new HttpError(400, "Invalid tick_size");
    core.venue.setTickSize(info.market.windowId, tick);
    return { market: info.conditionId, tick_size: num(tick) };
  });
  app.post("/_predator/liquidity", (req) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const info = typeof b.token_id === "string" ? core.token(b.token_id) : undefined;
    const price = parseDecimal(b.price);
    const size = parseDecimal(b.size);
    if (info === undefined || typeof b.token_id !== "string")
      throw new HttpError(400, "Invalid token id");
    if (b.side !== "BUY" && b.side !== "SELL") throw new HttpError(400, "Invalid side");
    if (price === null || price <= 0 || price >= MICRO) throw new HttpError(400, "Invalid price");
    if (size === null || size <= 0) throw new HttpError(400, "Invalid size");
    return { id: core.venue.addLiquidity(b.token_id, b.side, price, size) };
  });
  app.get("/_predator/markets", () =>
    core.markets().map((m) => ({ ...m, conditionId: conditionIdOf(m.slug) })),
  );
}
