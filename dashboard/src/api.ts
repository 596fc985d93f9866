/**
 * The console's only way to the fleet: the ops HTTP server. Every request carries the bearer
 * token; a 401 means the token is wrong (the app then asks for one), never a blank page.
 */
import type { CommandReply } from "../../contracts/console.ts";

const TOKEN_KEY = "predator.token";

/** Takes the token from the URL fragment (never a query string) and keeps it for this tab. */
export function takeToken(): string | null {
  const hash = window.location.hash;
  const match = /(?:^#|&)token=([^&]+)/.exec(hash);
  if (match?.[1] !== undefined) {
    const token = decodeURIComponent(match[1]);
    sessionStorage.setItem(TOKEN_KEY, token);
    // Out of the address bar (and the history), so it is not shared by a copied link.
    window.history.replaceState(null, "", window.location.pathname + "#/");
    return token;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

export class UnauthorizedError extends Error {
  constructor() {
    super("the server refused this token");
    this.name = "UnauthorizedError";
  }
}

/** A request the server refused with a reason (400, 403, 409, 503). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

async function request(token: string, path: string, init?: RequestInit): Promise<Response> {
  const headers = new Headers(init?.headers);
  headers.set("authorization", `Bearer ${token}`);
  const res = await fetch(path, { ...init, headers });
  if (res.status === 401) throw new UnauthorizedError();
  return res;
}

export async function getJson<T>(token: string, path: string): Promise<T> {
  const res = await request(token, path);
  const body = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? `HTTP ${res.status}`);
  return body;
}

export async function getText(token: string, path: string): Promise<string> {
  const res = await request(token, path);
  if (!res.ok) throw new ApiError(res.status, `HTTP ${res.status}`);
  return res.text();
}

/** A command through the CRO; the reply says whether it agreed and why not. */
export async function command(
  token: string,
  path: "/api/halt" | "/api/resume" | "/api/controls" | "/api/strategy/resume",
  body: Record<string, string>,
): Promise<CommandReply> {
  const res = await request(token, path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const reply = (await res.json()) as CommandReply;
  if (res.status === 400 || res.status === 403 || res.status === 503)
    return { ok: false, error: reply.error ?? `HTTP ${res.status}` };
  return reply;
}
