/**
 * The operator's HTTP API (fastify). /api/* needs `Authorization: Bearer <PREDATOR_API_TOKEN>`
 * (compared in constant time); GET /health and GET /metrics are unauthenticated so container
 * health checks and Prometheus need no secret — they can read state but change nothing. Control
 * changes go to the CRO over `ops.command`, which audits them with the actor
 * `http:token-<first 8 hex of the token's sha256>@<remote address>` and the reason.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import { parseControl } from "../../contracts/controls.ts";
import { haltLevel } from "../../contracts/ops.ts";
import { ConfigError } from "../runtime/errors.ts";
import { REASON_LENGTH_MAX } from "./args.ts";
import type { FleetStatus } from "./fleet-status.ts";
import { CroSilentError, type Operator, type OperatorCommand } from "./operator.ts";

/** A token shorter than this is refused: the API can halt and resume trading. */
export const API_TOKEN_LENGTH_MIN = 16;
/** Request bodies are tiny; anything bigger is refused before parsing. */
const BODY_BYTES_MAX = 16 * 1024;

export interface ApiDeps {
  token: string;
  operator: Operator;
  status: () => Promise<FleetStatus>;
  metrics: { text(): Promise<string>; readonly contentType: string };
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

export function buildApi(deps: ApiDeps): FastifyInstance {
  const expected = sha256(deps.token);
  const tokenId = expected.subarray(0, 4).toString("hex");
  const app = Fastify({ logger: false, bodyLimit: BODY_BYTES_MAX });

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
        if (!authorized(req, expected))
          await res
            .code(401)
            .header("www-authenticate", "Bearer")
            .send({ error: "missing or wrong bearer token" });
      });
      api.get("/status", async (_req, res) => {
        const s = await deps.status();
        return res.code(s.cro === null ? 503 : 200).send(s);
      });
      const actor = (req: FastifyRequest) => `http:token-${tokenId}@${req.ip}`.slice(0, 128);
      api.post("/halt", async (req, res) => {
        const body = parse(haltBody, req.body);
        if (!body.ok) return res.code(400).send({ error: body.error });
        return operate(
          res,
          deps.operator,
          { kind: "halt", level: body.data.level },
          actor(req),
          body.data.reason,
        );
      });
      api.post("/resume", async (req, res) => {
        const body = parse(resumeBody, req.body);
        if (!body.ok) return res.code(400).send({ error: body.error });
        return operate(res, deps.operator, { kind: "resume" }, actor(req), body.data.reason);
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
        );
      });
      done();
    },
    { prefix: "/api" },
  );
  return app;
}

export async function startApi(
  deps: ApiDeps,
  listen: { host: string; port: number },
): Promise<{ url: string; close(): Promise<void> }> {
  const app = buildApi(deps);
  const url = await app.listen({ host: listen.host, port: listen.port });
  return { url, close: () => app.close() };
}

async function operate(
  res: FastifyReply,
  operator: Operator,
  command: OperatorCommand,
  actor: string,
  why: string,
): Promise<FastifyReply> {
  try {
    const reply = await operator.send(command, actor, why);
    const body = { ok: reply.ok, state: reply.state, detail: reply.detail, error: reply.error };
    return await res.code(reply.ok ? 200 : 409).send(body);
  } catch (error) {
    if (error instanceof CroSilentError) return res.code(503).send({ error: error.message });
    throw error;
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

function authorized(req: FastifyRequest, expected: Buffer): boolean {
  const header = req.headers.authorization;
  if (typeof header !== "string" || !header.startsWith("Bearer ")) return false;
  // Hashing first gives both sides the same length, so the comparison time says nothing.
  return timingSafeEqual(sha256(header.slice("Bearer ".length)), expected);
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
