/**
 * `GET /api/events` as a WebSocket. A browser cannot set an Authorization header on a WebSocket,
 * and a token in the URL would land in logs, so the token travels in the first frame:
 * `{"type":"hello","token":…,"stream":…,"after":…}`. The server answers `welcome`, then replays
 * the events after `after` (or `reset` when it cannot: another stream, or too old), then sends
 * live events as they come. Events travel batched, `{"type":"events","events":[…]}`: those that
 * arrive within one turn of the event loop (a 0 ms timer) leave in one frame, at most
 * BATCH_EVENTS_MAX to a frame, so a browser parses and handles one message per batch instead of
 * one per event (at 1,000 events/s the per-message cost dominated; `npm run bench -- console`).
 *
 * Bounded: a frame larger than FRAME_BYTES_MAX, a malformed frame or a hello that does not come
 * within HELLO_TIMEOUT_MS closes that socket only; a client whose unsent data passes
 * SEND_BUFFER_BYTES_MAX is dropped, so a slow browser never slows the bus.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { ConsoleEvent } from "../../../contracts/console.ts";
import type { Clock } from "../../../bus/clock.ts";
import {
  CLOSE_BAD_FRAME,
  CLOSE_TOO_SLOW,
  CLOSE_UNAUTHORIZED,
  helloFrame,
  type ServerFrame,
} from "../../../contracts/console.ts";
import type { ConsoleHub } from "./hub.ts";

export const EVENTS_PATH = "/api/events";
const FRAME_BYTES_MAX = 4 * 1024;
const HELLO_TIMEOUT_MS = 5_000;
export const SEND_BUFFER_BYTES_MAX = 4 * 1024 * 1024;
/** Events in one frame at most (a replay of the whole ring is cut into frames of this many). */
export const BATCH_EVENTS_MAX = 500;
/** Open sockets at once; more are refused (503). */
const CLIENTS_MAX = 64;

export type Role = "operator" | "viewer";

export interface StreamDeps {
  hub: ConsoleHub;
  clock: Clock;
  /** The role a token has; null for a wrong one. */
  role: (token: string) => Role | null;
  /** Overridable for tests (the slow-client bound). */
  sendBufferBytesMax?: number;
}

export interface EventStream {
  clients(): number;
  close(): void;
}

export function attachEventStream(server: Server, deps: StreamDeps): EventStream {
  const wss = new WebSocketServer({ noServer: true, maxPayload: FRAME_BYTES_MAX });
  const bufferMax = deps.sendBufferBytesMax ?? SEND_BUFFER_BYTES_MAX;
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== EVENTS_PATH) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    if (wss.clients.size >= CLIENTS_MAX) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      serve(ws, deps, bufferMax);
    });
  });
  return {
    clients: () => wss.clients.size,
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

function serve(ws: WebSocket, deps: StreamDeps, bufferMax: number): void {
  let unlisten: (() => void) | null = null;
  const timer = deps.clock.setTimer(HELLO_TIMEOUT_MS, () => {
    if (unlisten === null) ws.close(CLOSE_BAD_FRAME, "no hello");
  });
  const send = (frame: ServerFrame): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > bufferMax) {
      unlisten?.();
      ws.close(CLOSE_TOO_SLOW, "too slow: send buffer full");
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(frame));
  };
  /** Live events not yet sent; flushed by a 0 ms timer, so a burst leaves in one frame. */
  let queued: ConsoleEvent[] = [];
  let flushTimer: ReturnType<Clock["setTimer"]> | null = null;
  const sendEvents = (events: readonly ConsoleEvent[]): void => {
    for (let i = 0; i < events.length; i += BATCH_EVENTS_MAX)
      send({ type: "events", events: events.slice(i, i + BATCH_EVENTS_MAX) });
  };
  const flush = (): void => {
    flushTimer = null;
    const batch = queued;
    queued = [];
    sendEvents(batch);
  };
  ws.on("error", () => {
    ws.terminate();
  });
  ws.on("close", () => {
    deps.clock.clearTimer(timer);
    if (flushTimer !== null) deps.clock.clearTimer(flushTimer);
    queued = [];
    unlisten?.();
  });
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (unlisten !== null) {
      // Only one frame is expected: anything after the hello is a protocol error.
      ws.close(CLOSE_BAD_FRAME, "unexpected frame after hello");
      return;
    }
    const hello = parseHello(isBinary ? null : data.toString("utf8"));
    if (!hello.ok) {
      ws.close(CLOSE_BAD_FRAME, hello.error.slice(0, 120));
      return;
    }
    const role = deps.role(hello.token);
    if (role === null) {
      send({ type: "error", error: "missing or wrong token" });
      ws.close(CLOSE_UNAUTHORIZED, "unauthorized");
      return;
    }
    deps.clock.clearTimer(timer);
    const { hub } = deps;
    send({ type: "welcome", role, stream: hub.stream, lastId: hub.lastId });
    const backlog = hello.stream === hub.stream ? hub.since(hello.after) : null;
    if (backlog === null) send({ type: "reset", stream: hub.stream, lastId: hub.lastId });
    else sendEvents(backlog);
    // Replay and subscribe in one synchronous step: no event falls between them.
    unlisten = hub.listen((event) => {
      queued.push(event);
      flushTimer ??= deps.clock.setTimer(0, flush);
    });
  });
}

function parseHello(
  text: string | null,
):
  { ok: true; token: string; stream: string | null; after: number } | { ok: false; error: string } {
  if (text === null) return { ok: false, error: "expected a text frame" };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: "malformed frame: not JSON" };
  }
  const r = helloFrame.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return {
      ok: false,
      error: `bad hello: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`,
    };
  }
  return { ok: true, token: r.data.token, stream: r.data.stream, after: r.data.after };
}
