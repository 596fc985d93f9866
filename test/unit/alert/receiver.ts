/**
 * A real webhook receiver for the alert tests: node:http on a free loopback port. It can answer
 * 200, answer 503, or be closed altogether (connection refused) and reopened on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  body: Record<string, unknown>;
}

export class Receiver {
  private server: Server | null = null;
  port = 0;
  mode: "up" | "503" = "up";
  readonly received: Received[] = [];
  /** Every request, accepted or not. */
  requests = 0;

  async open(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => {
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops every connection: clients get "connection refused". */
  async close(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.requests++;
      if (this.mode === "503") {
        res.writeHead(503).end("down for maintenance");
        return;
      }
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      this.received.push({
        path,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>,
      });
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
  }
}
