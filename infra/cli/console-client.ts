/**
 * The CLI's way to a console on this machine (`npm start` wrote its URL and token, see local.ts):
 * used by status, halt, resume, controls and events when NATS_URL is not set. Same API, same
 * answers; the CRO audits these commands with the http actor of the console's token.
 */
import type { CommandReply, ConsoleEvent, ControlView } from "../../contracts/console.ts";
import type { FleetStatus } from "../app/fleet-status.ts";
import { readLocalConsole, consoleFile, type LocalConsole } from "../app/console/local.ts";

/** Bound on one request to the local console (the CRO itself answers within 3 s). */
const REQUEST_TIMEOUT_MS = 10_000;

export class LocalConsoleError extends Error {
  readonly code = "LOCAL_CONSOLE";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LocalConsoleError";
  }
}

/** The console of a running `npm start`, when NATS_URL is not set and one is recorded. */
export function localTarget(
  env: Record<string, string | undefined> = process.env,
): LocalConsole | null {
  if (env.NATS_URL !== undefined && env.NATS_URL !== "") return null;
  return readLocalConsole(env);
}

async function call(
  target: LocalConsole,
  path: string,
  init?: { method: "POST"; body: unknown },
): Promise<{ status: number; body: unknown; text: string }> {
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, {
      method: init?.method ?? "GET",
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(init === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(init === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new LocalConsoleError(
      `could not reach the console at ${target.url} (from ${consoleFile()}): is \`npm start\` still running?`,
      { cause: error },
    );
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (res.status === 401)
    throw new LocalConsoleError(`the console at ${target.url} refused the recorded token`);
  return { status: res.status, body, text };
}

export async function localStatus(target: LocalConsole): Promise<FleetStatus> {
  const r = await call(target, "/api/status");
  const body = r.body as FleetStatus | null;
  if (body === null || !("agents" in body))
    throw new LocalConsoleError(`unexpected status answer (${r.status})`);
  return body;
}

export async function localCommand(
  target: LocalConsole,
  path:
    | "/api/halt"
    | "/api/resume"
    | "/api/controls"
    | "/api/strategy/halt"
    | "/api/strategy/resume"
    | "/api/review/mark",
  body: Record<string, string>,
): Promise<CommandReply> {
  const r = await call(target, path, { method: "POST", body });
  const reply = r.body as CommandReply | null;
  if (reply === null) throw new LocalConsoleError(`unexpected answer (${r.status}): ${r.text}`);
  return r.status === 200 || r.status === 409 ? reply : { ok: false, error: reply.error ?? null };
}

export async function localControls(target: LocalConsole): Promise<ControlView[]> {
  const r = await call(target, "/api/controls");
  return (r.body as { rows: ControlView[] }).rows;
}

export async function localActivity(target: LocalConsole, limit: number): Promise<ConsoleEvent[]> {
  const r = await call(target, `/api/activity?limit=${Math.min(limit, 500)}`);
  if (r.status !== 200) throw new LocalConsoleError(`activity: ${r.text}`);
  return (r.body as { rows: ConsoleEvent[] }).rows;
}
