/**
 * The CLOB V2 REST API the official client calls (shared/reference/polymarket-api.md §1.5), on
 * fastify, over a PolyCore. Errors are `{ "error": "<text>" }` with the real texts (§1.9).
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import type { IncomingMessage } from "node:http";
import { type ApiKey, ERR_L1, ERR_L2 } from "./auth.ts";
import { HttpError } from "./errors.ts";
import { rateClassOf } from "../venue-live/rate-limit.ts";
import type { PolyCore } from "./core.ts";
import { COLLATERAL, OrderError } from "./orders.ts";
import { registerAdmin, type HttpHooks } from "./routes-admin.ts";
import { registerMarkets } from "./routes-markets.ts";
import { registerOrders } from "./routes-orders.ts";

export { MAX_BATCH } from "./routes-orders.ts";

export { HttpError };

/** Hooks the WebSocket side and the admin endpoints need from the owner of the server. */
export type { HttpHooks } from "./routes-admin.ts";

export function buildHttp(core: PolyCore, hooks: HttpHooks): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
  const rawBodies = new WeakMap<IncomingMessage, string>();

  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    rawBodies.set(req.raw, text);
    if (text === "") {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new HttpError(400, "Invalid order payload"), undefined);
    }
  });

  app.setErrorHandler((err: unknown, _req, reply) => {
    if (err instanceof HttpError || err instanceof OrderError) {
      return reply.code(err.status).send({ error: err.message });
    }
    const status =
      typeof err === "object" && err !== null && "statusCode" in err ? Number(err.statusCode) : 500;
    const message = err instanceof Error ? err.message : String(err);
    return reply.code(status >= 400 && status < 600 ? status : 500).send({ error: message });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: "not found" }));

  // Rate limits per endpoint class and API key (or address, or client IP): 429 with
  // Polymarket's text, `retry_after_seconds` and a Retry-After header. Off unless configured.
  app.addHook("onRequest", async (req, reply) => {
    const table = core.rateLimits;
    const path = req.url.split("?")[0] ?? req.url;
    if (table === null || path.startsWith("/_predator")) return;
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return typeof v === "string" ? v : undefined;
    };
    const who = header("poly_api_key") ?? header("poly_address") ?? req.ip;
    const cls = rateClassOf(req.method, path);
    const waitMs = table.take(cls, who, core.clock.now());
    if (waitMs === 0) return;
    core.stats.rateLimited++;
    const seconds = Math.ceil(waitMs / 1000);
    await reply
      .code(429)
      .header("retry-after", String(seconds))
      .send({ error: "Too Many Requests", retry_after_seconds: waitMs / 1000 });
  });

  // A slow venue: every answer waits `latencyMs` (admin endpoints excepted).
  app.addHook("preHandler", async (req) => {
    const ms = core.faults.latencyMs;
    if (ms > 0 && !req.url.startsWith("/_predator")) await core.clock.sleep(ms);
  });

  const l2 = (req: FastifyRequest): ApiKey => {
    const path = req.url.split("?")[0] ?? req.url;
    const key = core.keys.verifyL2(req.headers, req.method, path, rawBodies.get(req.raw));
    if (key === null) throw new HttpError(401, ERR_L2);
    return key;
  };

  // ---- status ----
  app.get("/", () => "OK");
  app.get("/ok", () => "OK");
  app.get("/time", () => Math.floor(core.clock.now() / 1000));
  app.get("/version", () => ({ version: 2 }));

  // ---- API keys (L1) ----
  app.post("/auth/api-key", async (req) => {
    const who = await core.keys.verifyL1(req.headers);
    if (who === null) throw new HttpError(401, ERR_L1);
    const key = core.keys.create(who.address, who.nonce);
    if (key === null) throw new HttpError(400, "Could not create api key");
    core.keyCreated(key.apiKey, key.address);
    return { apiKey: key.apiKey, secret: key.secret, passphrase: key.passphrase };
  });
  app.get("/auth/derive-api-key", async (req) => {
    const who = await core.keys.verifyL1(req.headers);
    if (who === null) throw new HttpError(401, ERR_L1);
    const key = core.keys.derive(who.address, who.nonce);
    if (key === null) throw new HttpError(400, "Could not derive api key!");
    return { apiKey: key.apiKey, secret: key.secret, passphrase: key.passphrase };
  });
  app.get("/auth/api-keys", (req) => ({ apiKeys: [l2(req).apiKey] }));
  app.get("/auth/ban-status/closed-only", (req) => {
    l2(req);
    return { closed_only: false };
  });

  registerMarkets(app, core);
  registerOrders(app, core, l2);
  registerAdmin(app, core, hooks);
  return app;
}

export { COLLATERAL };
