/**
 * The live connection: one snapshot over REST, then the event WebSocket. Events reach the
 * activity feed at the next animation frame, all those of one frame in one render (a render per
 * event kept the page's main thread ~73% busy at 1,000 events/s; `npm run bench -- console`), and
 * refresh the snapshot (at most every SNAPSHOT_REFRESH_MS). When the socket drops the app says
 * "disconnected" and reconnects with backoff, resuming after the last event id it saw; a `reset`
 * (another server, or too far behind) reloads the snapshot.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { ConsoleEvent, ConsoleSnapshot, ServerFrame } from "../../contracts/console.ts";
import { getJson, UnauthorizedError } from "./api.ts";

export type Connection = "connecting" | "connected" | "disconnected";

const EVENTS_KEPT = 500;
const SNAPSHOT_REFRESH_MS = 200;
/** Ages (ticks, heartbeats) move without events: the snapshot is also reloaded this often. */
const SNAPSHOT_POLL_MS = 1_000;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 5_000;

export interface Live {
  snapshot: ConsoleSnapshot | null;
  events: ConsoleEvent[];
  connection: Connection;
  role: "operator" | "viewer" | null;
  unauthorized: boolean;
  /** Reload the snapshot now (after a command). */
  refresh: () => void;
}

function socketUrl(): string {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}/api/events`;
}

export function useLive(token: string | null): Live {
  const [snapshot, setSnapshot] = useState<ConsoleSnapshot | null>(null);
  const [events, setEvents] = useState<ConsoleEvent[]>([]);
  const [connection, setConnection] = useState<Connection>("connecting");
  const [role, setRole] = useState<"operator" | "viewer" | null>(null);
  const [unauthorized, setUnauthorized] = useState(false);
  const refreshRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    if (token === null) return;
    let stopped = false;
    let socket: WebSocket | null = null;
    let stream: string | null = null;
    let lastId = 0;
    let attempt = 0;
    let retry: number | undefined;
    let refreshTimer: number | undefined;
    /** Events received since the last frame, drawn together at the next one. */
    let pending: ConsoleEvent[] = [];
    let drawFrame: number | undefined;
    setUnauthorized(false);

    const flush = (): void => {
      drawFrame = undefined;
      const batch = pending;
      pending = [];
      setEvents((list) => [...list, ...batch].slice(-EVENTS_KEPT));
    };

    const loadSnapshot = async (): Promise<void> => {
      try {
        const s = await getJson<ConsoleSnapshot>(token, "/api/snapshot");
        if (!stopped) setSnapshot(s);
      } catch (error) {
        if (error instanceof UnauthorizedError) setUnauthorized(true);
      }
    };
    const scheduleRefresh = (): void => {
      if (refreshTimer !== undefined) return;
      refreshTimer = window.setTimeout(() => {
        refreshTimer = undefined;
        void loadSnapshot();
      }, SNAPSHOT_REFRESH_MS);
    };
    refreshRef.current = () => void loadSnapshot();
    const poll = window.setInterval(() => {
      if (socket?.readyState === WebSocket.OPEN) void loadSnapshot();
    }, SNAPSHOT_POLL_MS);

    const onFrame = (frame: ServerFrame): void => {
      switch (frame.type) {
        case "welcome":
          attempt = 0;
          setRole(frame.role);
          setConnection("connected");
          return;
        case "reset": {
          stream = frame.stream;
          lastId = frame.lastId;
          const upTo = frame.lastId;
          pending = [];
          setEvents([]);
          void loadSnapshot();
          // The recent past, so the feed is not empty on a first load; live events follow.
          void getJson<{ rows: ConsoleEvent[] }>(token, `/api/activity?limit=${EVENTS_KEPT}`)
            .then((r) => {
              const past = r.rows.filter((e) => e.id <= upTo);
              setEvents((live) => [...past, ...live.filter((e) => e.id > upTo)]);
            })
            .catch(() => undefined);
          return;
        }
        case "event": {
          const e = frame.event;
          if (e.id <= lastId) return;
          lastId = e.id;
          pending.push(e);
          // A hidden tab gets no frames: keep only what the feed would show.
          if (pending.length > EVENTS_KEPT) pending.splice(0, pending.length - EVENTS_KEPT);
          drawFrame ??= window.requestAnimationFrame(flush);
          scheduleRefresh();
          return;
        }
        case "error":
          if (frame.error.includes("token")) setUnauthorized(true);
          return;
      }
    };

    const connect = (): void => {
      // The effect may have been cleaned up while whoami or a backoff was pending.
      if (stopped) return;
      setConnection((c) => (c === "connected" ? "disconnected" : c));
      const ws = new WebSocket(socketUrl());
      socket = ws;
      ws.onopen = () => {
        ws.send(JSON.stringify({ type: "hello", token, stream, after: lastId }));
      };
      ws.onmessage = (m: MessageEvent<string>) => {
        const frame = JSON.parse(m.data) as ServerFrame;
        if (frame.type === "welcome" && stream === null) stream = frame.stream;
        onFrame(frame);
      };
      ws.onclose = (e: CloseEvent) => {
        if (stopped) return;
        if (e.code === 4401) {
          setUnauthorized(true);
          return;
        }
        setConnection("disconnected");
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** attempt);
        attempt++;
        retry = window.setTimeout(connect, delay);
      };
    };
    void getJson<{ role: "operator" | "viewer" }>(token, "/api/whoami")
      .then((w) => {
        setRole(w.role);
        connect();
      })
      .catch((error: unknown) => {
        if (error instanceof UnauthorizedError) setUnauthorized(true);
        else connect();
      });
    return () => {
      stopped = true;
      window.clearInterval(poll);
      window.clearTimeout(retry);
      window.clearTimeout(refreshTimer);
      if (drawFrame !== undefined) window.cancelAnimationFrame(drawFrame);
      socket?.close();
    };
  }, [token]);

  const refresh = useCallback(() => {
    refreshRef.current();
  }, []);
  return { snapshot, events, connection, role, unauthorized, refresh };
}
