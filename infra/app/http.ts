/**
 * The operator's HTTP API (fastify). /api/* needs `Authorization: Bearer <token>` (compared in
 * constant time): the operator token (PREDATOR_API_TOKEN) may do everything, the optional view
 * token (PREDATOR_VIEW_TOKEN) may read everything and change nothing (403). GET /health and
 * GET /metrics are unauthenticated so container health checks and Prometheus need no secret —
 * they can read state but change nothing. Control changes go to the CRO over `ops.command`, which
 * audits them with the actor `http:token-<first 8 hex of the token's sha256>@<remote address>`
 * and the reason.
 *
 * With `console` deps it also serves the operator console: the built app at `/`, the event
 * WebSocket at /api/events (infra/app/console/stream.ts) and history over REST.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import { parseControl } from "../../contracts/controls.ts";
import { haltLevel, REASON_LENGTH_MAX } from "../../contracts/ops.ts";
import { ConfigError } from "../../agents/runtime/errors.ts";
import type { FleetStatus } from "./fleet-status.ts";
import { CroSilentError, type Operator, type OperatorCommand } from "./operator.ts";
import type { Clock } from "../../bus/clock.ts";
import type { Store } from "../../agents/runtime/store.ts";
import type { ConsoleHub } from "./console/hub.ts";
import { consoleRoutes } from "./console/routes.ts";
import { serveDashboard } from "./console/static.ts";
import { attachEventStream, type EventStream, type Role } from "./console/stream.ts";

/** A token shorter than this is refused: the API can halt and resume trading. */
export const API_TOKEN_LENGTH_MIN = 16;
/** Request bodies are tiny; anything bigger is refused before parsing. */
const BODY_BYTES_MAX = 16 * 1024;

export interface ApiDeps {
  token: string;
  /** Read-only token: sees everything, may change nothing. */
  viewToken?: string | null;
  operator: Operator;
  status: () => Promise<FleetStatus>;
  metrics: { text(): Promise<string>; readonly contentType: string };
  console?: ConsoleDeps;
}

export interface ConsoleDeps {
  hub: ConsoleHub;
  store: Store;
  clock: Clock;
  /** The built dashboard (dashboard/dist); null: API only. */
  staticDir: string | null;
}

const reason = z
  .string({ error: "reason: required (a string saying why)" })
  .trim()
  .min(1, "reason: required (say why)")
  .max(REASON_LENGTH_MAX, `reason: at most ${REASON_LENGTH_MAX} characters`);
const haltBody = z.strictObject({
  level: z.enum(haltLevel.options, { error: "level: expected pause, flatten or emergency" }),
  reason,
});
const resumeBody = z.strictObject({ reason });
const strategyBody = z.strictObject({
  strategy: z
    .string({ error: "strategy: required (a strategy name)" })
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "strategy: expected a strategy name"),
  reason,
});
const reviewBody = z.strictObject({
  positionId: z
    .string({ error: "positionId: required (a position id)" })
    .regex(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$/, "positionId: expected a position id"),
  reason,
});
const reviewQuery = z.strictObject({
  strategy: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "strategy: expected a strategy name")
    .optional(),
  pending: z.enum(["true", "false"], { error: "pending: expected true or false" }).optional(),
});
const controlsBody = z.strictObject({
  key: z.string({ error: "key: required (a control name)" }).min(1, "key: required"),
  value: z.string({ error: "value: required (a string)" }),
  reason,
});

/** Checks the token setting; the API does not start without a usable one. */
export function apiToken(value: string | undefined): string {
  if (value === undefined || value === "")
    throw new ConfigError(
      "PREDATOR_API_TOKEN",
      "required to serve the HTTP API (it can halt and resume trading)",
    );
  if (value.length < API_TOKEN_LENGTH_MIN)
    throw new ConfigError(
      "PREDATOR_API_TOKEN",
      `at least ${API_TOKEN_LENGTH_MIN} characters, got ${value.length}`,
    );
  return value;
}

/** The optional view token: same rules as the operator's, and never the same value. */
export function viewToken(value: string | undefined, operatorToken: string): string | null {
  if (value === undefined || value === "") return null;
  if (value.length < API_TOKEN_LENGTH_MIN)
    throw new ConfigError(
      "PREDATOR_VIEW_TOKEN",
      `at least ${API_TOKEN_LENGTH_MIN} characters, got ${value.length}`,
    );
  if (value === operatorToken)
    throw new ConfigError("PREDATOR_VIEW_TOKEN", "must differ from PREDATOR_API_TOKEN");
  return value;
}

declare module "fastify" {
  interface FastifyRequest {
    role: Role;
  }
}

export function buildApi(deps: ApiDeps): FastifyInstance {
  const tokenId = sha256(deps.token).subarray(0, 4).toString("hex");
  const app = Fastify({ logger: false, bodyLimit: BODY_BYTES_MAX });
  const roleOf = tokenRoles(deps);
  app.decorateRequest("role", "viewer");
  if (deps.console?.staticDir != null) serveDashboard(app, deps.console.staticDir);

  app.get("/health", async (_req, res) => {
    const s = await deps.status();
    return res.code(s.healthy ? 200 : 503).send(healthBody(s));
  });
  app.get("/metrics", async (_req, res) =>
    res.type(deps.metrics.contentType).send(await deps.metrics.text()),
  );

  void app.register(
    (api, _opts, done) => {
      api.addHook("onRequest", async (req, res) => {
        const role = bearer(req, roleOf);
        if (role === null)
          return res
            .code(401)
            .header("www-authenticate", "Bearer")
            .send({ error: "missing or wrong bearer token" });
        req.role = role;
        if (req.method !== "GET" && req.method !== "HEAD" && role !== "operator")
          return res.code(403).send({
            error: "this token may only read: halt, resume and controls need the operator token",
          });
        return undefined;
      });
      api.get("/whoami", (req, res) => res.send({ role: req.role }));
      api.get("/status", async (_req, res) => {
        const s = await deps.status();
        return res.code(s.cro === null ? 503 : 200).send(s);
      });
      const actor = (req: FastifyRequest) => `http:token-${tokenId}@${req.ip}`.slice(0, 128);
      const c = deps.console;
      const note =
        c === undefined
          ? undefined
          : (who: string, what: string, why: string, ok: boolean, detail: string) => {
              c.hub.push(
                "operator",
                c.clock.now(),
                `${who}: ${what} — ${why}${ok ? "" : ` (refused: ${detail})`}`,
                {
                  actor: who,
                  command: what,
                  reason: why,
                  ok,
                },
              );
            };
      if (c !== undefined) consoleRoutes(api, c);
      api.post("/halt", async (req, res) => {
        const body = parse(haltBody, req.body);
        if (!body.ok) return res.code(400).send({ error: body.error });
        return operate(
          res,
          deps.operator,
          { kind: "halt", level: body.data.level },
          actor(req),
          body.data.reason,
          note,
        );
      });
      api.post("/resume", async (req, res) => {
        const body = parse(resumeBody, req.body);
        if (!body.ok) return res.code(400).send({ error: body.error });
        return operate(res, deps.operator, { kind: "resume" }, actor(req), body.data.reason, note);
      });
      for (const kind of ["halt", "resume"] as const) {
        api.post(`/strategy/${kind}`, async (req, res) => {
          const body = parse(strategyBody, req.body);
          if (!body.ok) return res.code(400).send({ error: body.error });
          const command = { kind: `strategy.${kind}` as const, strategy: body.data.strategy };
          return operate(res, deps.operator, command, actor(req), body.data.reason, note);
        });
      }
      // Review mode: the trades waiting for review (any token), and marking one (operator).
      api.get("/reviews", async (req, res) => {
        if (c === undefined) return res.code(404).send({ error: "no store behind this API" });
        const q = parse(reviewQuery, req.query ?? {});
        if (!q.ok) return res.code(400).send({ error: q.error });
        const reviews = await c.store.listTradeReviews({
          ...(q.data.strategy === undefined ? {} : { strategy: q.data.strategy }),
          pending: q.data.pending !== "false",
        });
        return res.send({ reviews });
      });
      api.post("/review/mark", async (req, res) => {
        const body = parse(reviewBody, req.body);
        if (!body.ok) return res.code(400).send({ error: body.error });
        const command = { kind: "review.mark" as const, positionId: body.data.positionId };
        return operate(res, deps.operator, command, actor(req), body.data.reason, note);
      });
      api.post("/controls", async (req, res) => {
        const body = parse(controlsBody, req.body);
        if (!body.ok) return res.code(400).send({ error: body.error });
        const { key, value } = body.data;
        const control = parseControl(key, value);
        if (!control.ok) return res.code(400).send({ error: control.error });
        return operate(
          res,
          deps.operator,
          { kind: "controls.set", key, value },
          actor(req),
          body.data.reason,
          note,
        );
      });
      done();
    },
    { prefix: "/api" },
  );
  return app;
}

export interface RunningApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startApi(
  deps: ApiDeps,
  listen: { host: string; port: number },
  stream: { sendBufferBytesMax?: number } = {},
): Promise<RunningApi> {
  const app = buildApi(deps);
  let events: EventStream | null = null;
  const c = deps.console;
  if (c !== undefined) {
    events = attachEventStream(app.server, {
      hub: c.hub,
      clock: c.clock,
      role: tokenRoles(deps),
      ...stream,
    });
  }
  let url: string;
  try {
    url = await app.listen({ host: listen.host, port: listen.port });
  } catch (error) {
    events?.close();
    if ((error as { code?: unknown }).code === "EADDRINUSE") {
      // Say what to do, not only what happened: another console or program holds the port.
      throw new ConfigError(
        "--api-port",
        `${listen.host}:${listen.port} is already in use; choose another port (--api-port N) or 0 for no console`,
      );
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : listen.port;
  return {
    url,
    port,
    close: async () => {
      events?.close();
      await app.close();
    },
  };
}

async function operate(
  res: FastifyReply,
  operator: Operator,
  command: OperatorCommand,
  actor: string,
  why: string,
  note?: (actor: string, what: string, why: string, ok: boolean, detail: string) => void,
): Promise<FastifyReply> {
  try {
    const reply = await operator.send(command, actor, why);
    note?.(actor, describe(command), why, reply.ok, reply.error ?? reply.detail);
    const body = { ok: reply.ok, state: reply.state, detail: reply.detail, error: reply.error };
    return await res.code(reply.ok ? 200 : 409).send(body);
  } catch (error) {
    if (error instanceof CroSilentError) return res.code(503).send({ error: error.message });
    throw error;
  }
}

function describe(command: OperatorCommand): string {
  switch (command.kind) {
    case "halt":
      return `halt ${command.level}`;
    case "resume":
      return "resume";
    case "controls.set":
      return `set ${command.key} = ${command.value}`;
    case "status":
      return "status";
    case "strategy.halt":
    case "strategy.resume":
      return `${command.kind} ${command.strategy}`;
    case "review.mark":
      return `review mark ${command.positionId}`;
  }
}

function healthBody(s: FleetStatus) {
  return {
    healthy: s.healthy,
    cro:
      s.cro === null
        ? { answered: false }
        : { answered: true, state: s.cro.state, reason: s.cro.reason },
    unhealthy: s.unhealthy,
    agents: s.agents,
  };
}

/** Which role a presented token has (null: none). Hashing first gives both sides one length. */
function tokenRoles(deps: Pick<ApiDeps, "token" | "viewToken">): (token: string) => Role | null {
  const operator = sha256(deps.token);
  const viewer =
    deps.viewToken === undefined || deps.viewToken === null ? null : sha256(deps.viewToken);
  return (token) => {
    const hash = sha256(token);
    if (timingSafeEqual(hash, operator)) return "operator";
    if (viewer !== null && timingSafeEqual(hash, viewer)) return "viewer";
    return null;
  };
}

function bearer(req: FastifyRequest, roleOf: (token: string) => Role | null): Role | null {
  const header = req.headers.authorization;
  if (typeof header !== "string" || !header.startsWith("Bearer ")) return null;
  // roleOf hashes first: both sides have the same length, so the comparison time says nothing.
  return roleOf(header.slice("Bearer ".length));
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

function parse<S extends z.ZodType>(
  schema: S,
  body: unknown,
): { ok: true; data: z.output<S> } | { ok: false; error: string } {
  if (body === undefined || body === null || typeof body !== "object")
    return { ok: false, error: "expected a JSON object body (Content-Type: application/json)" };
  const r = schema.safeParse(body);
  if (r.success) return { ok: true, data: r.data };
  const issue = r.error.issues[0];
  if (issue === undefined) return { ok: false, error: "invalid body" };
  if (issue.code === "unrecognized_keys")
    return { ok: false, error: `unknown field(s): ${issue.keys.join(", ")}` };
  return { ok: false, error: issue.message };
}
