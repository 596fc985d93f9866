/**
 * A tiny HTTP proxy in front of `predator venue` for the live adapter's REST tests: it counts every
 * request by method and path, and can answer a chosen endpoint with a body of the test's making
 * (malformed, unknown), either instead of the venue or after the venue has processed the request.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Override {
  status?: number;
  /** The raw body sent back (a string is sent as is; anything else as JSON). */
  body: unknown;
  /** Forward the request first (the venue acts on it), then answer with `body`. */
  forward?: boolean;
}

export interface RestProxy {
  url: string;
  /** Requests seen, by `METHOD /path` (no query string). */
  counts: Map<string, number>;
  count(method: string, path: string): number;
  total(): number;
  /** Answers `METHOD /path` with `o` until cleared (null). */
  override(method: string, path: string, o: Override | null): void;
  reset(): void;
  stop(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startRestProxy(target: string): Promise<RestProxy> {
  const counts = new Map<string, number>();
  const overrides = new Map<string, Override>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const key = `${req.method ?? "GET"} ${path}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const body = await bodyOf(req);
      const o = overrides.get(key);
      let status = 502;
      let text = "";
      if (o === undefined || o.forward === true) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
        }
        const method = req.method ?? "GET";
        const answer = await fetch(`${target}${req.url ?? "/"}`, {
          method,
          headers,
          ...(body.length === 0 || method === "GET" ? {} : { body }),
        });
        status = answer.status;
        text = await answer.text();
      }
      if (o !== undefined) {
        status = o.status ?? 200;
        text = typeof o.body === "string" ? o.body : JSON.stringify(o.body);
      }
      res.writeHead(status, { "content-type": "application/json" });
      res.end(text);
    })().catch((e: unknown) => {
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: String(e) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    count: (method, path) => counts.get(`${method} ${path}`) ?? 0,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    override: (method, path, o) => {
      if (o === null) overrides.delete(`${method} ${path}`);
      else overrides.set(`${method} ${path}`, o);
    },
    reset: () => {
      counts.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
