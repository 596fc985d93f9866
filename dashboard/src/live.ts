/**
 * The live connection: one snapshot over REST, then the event WebSocket. The server sends events
 * in batches (one frame per burst). They go into an EventFeed outside React state, a bounded list
 * only the activity feed subscribes to: at the next animation frame the feed alone re-renders,
 * once for all events of that frame, never the whole app (a render of the app per batch, or per
 * event, kept the page's main thread over 80% busy at 1,000 events/s; `npm run bench -- console`).
 * Events also refresh the snapshot (at most every SNAPSHOT_REFRESH_MS). When the socket drops the app says
 * "disconnected" and reconnects with backoff, resuming after the last event id it saw; a `reset`
 * (another server, or too far behind) reloads the snapshot.
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { ConsoleEvent, ConsoleSnapshot, ServerFrame } from "../../contracts/console.ts";
import { getJson, UnauthorizedError } from "./api.ts";

export type Connection = "connecting" | "connected" | "disconnected";

const EVENTS_KEPT = 500;
const SNAPSHOT_REFRESH_MS = 200;
/** Ages (ticks, heartbeats) move without events: the snapshot is also reloaded this often. */
const SNAPSHOT_POLL_MS = 1_000;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 5_000;

/**
 * The newest EVENTS_KEPT events, outside React state. Writers append or replace; subscribers are
 * told at most once per animation frame, and read `list()` (a new array only when it changed).
 */
export class EventFeed {
  private items: ConsoleEvent[] = [];
  private view: readonly ConsoleEvent[] = [];
  private readonly listeners = new Set<() => void>();
  private frame: number | undefined;

  constructor(private readonly kept = EVENTS_KEPT) {}

  /** Appends events (ids increasing); drops the oldest beyond the bound. */
  append(events: readonly ConsoleEvent[]): void {
    for (const e of events) this.items.push(e);
    if (this.items.length > this.kept * 2) this.items = this.items.slice(-this.kept);
    this.changed();
  }

  /** Replaces the whole list (a reset or the recent past loaded over REST). */
  replace(events: readonly ConsoleEvent[]): void {
    this.items = events.slice(-this.kept);
    this.changed();
  }

  /** Puts the events up to `upTo` (loaded late) before the live ones that came after it. */
  backfill(past: readonly ConsoleEvent[], upTo: number): void {
    this.replace([...past.filter((e) => e.id <= upTo), ...this.items.filter((e) => e.id > upTo)]);
  }

  list = (): readonly ConsoleEvent[] => this.view;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  close(): void {
    if (this.frame !== undefined) window.cancelAnimationFrame(this.frame);
    this.frame = undefined;
  }

  private changed(): void {
    this.frame ??= window.requestAnimationFrame(() => {
      this.frame = undefined;
      this.view = this.items.length > this.kept ? this.items.slice(-this.kept) : this.items.slice();
      for (const l of this.listeners) l();
    });
  }
}

/** The feed's events, re-rendering the caller once per animation frame that brought some. */
export function useFeed(feed: EventFeed): readonly ConsoleEvent[] {
  return useSyncExternalStore(feed.subscribe, feed.list);
}

export interface Live {
  snapshot: ConsoleSnapshot | null;
  /** Live events; read with useFeed in the one component that shows them. */
  feed: EventFeed;
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
  const [feed] = useState(() => new EventFeed());
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
    setUnauthorized(false);

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
          feed.replace([]);
          void loadSnapshot();
          // The recent past, so the feed is not empty on a first load; live events follow.
          void getJson<{ rows: ConsoleEvent[] }>(token, `/api/activity?limit=${EVENTS_KEPT}`)
            .then((r) => {
              if (stopped) return;
              feed.backfill(r.rows, upTo);
            })
            .catch(() => undefined);
          return;
        }
        case "events": {
          // A replayed (already seen) id is dropped: no event is shown twice.
          const news = frame.events.filter((e) => e.id > lastId);
          if (news.length === 0) return;
          lastId = news[news.length - 1]?.id ?? lastId;
          feed.append(news);
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
      feed.close();
      socket?.close();
    };
  }, [token, feed]);

  const refresh = useCallback(() => {
    refreshRef.current();
  }, []);
  return { snapshot, feed, connection, role, unauthorized, refresh };
}
