/**
 * Serves the built dashboard (dashboard/dist) at `/`: index.html and its hashed assets. Paths are
 * resolved inside the directory only; anything else is a 404. No token is needed for the app
 * itself (it holds no data): every data route under /api checks it.
 */
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import type { FastifyInstance } from "fastify";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

export function serveDashboard(app: FastifyInstance, directory: string): void {
  const root = resolve(directory);
  app.get("/", async (_req, res) => sendFile(res, join(root, "index.html"), false));
  app.get("/assets/*", async (req, res) => {
    const rest = (req.params as { "*": string })["*"];
    const path = normalize(join(root, "assets", rest));
    if (!path.startsWith(root + sep)) return res.code(404).send({ error: "not found" });
    return sendFile(res, path, true);
  });
}

async function sendFile(
  res: import("fastify").FastifyReply,
  path: string,
  immutable: boolean,
): Promise<import("fastify").FastifyReply> {
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    return res.code(404).send({
      error: immutable ? "not found" : "the dashboard is not built: run `npm run dashboard:build`",
    });
  }
  return res
    .type(TYPES[extname(path)] ?? "application/octet-stream")
    .header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache")
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .send(body);
}
