/**
 * Wires the console for `npm start` and `predator up`: a read model following the bus, the
 * operator's side of `ops.command`, the HTTP API with the console routes, and the built app.
 */
import type { Bus } from "../../../bus/port.ts";
import type { Clock } from "../../../bus/clock.ts";
import { SystemRng, type Rng } from "../../../bus/rng.ts";
import type { Mode } from "../../../contracts/common.ts";
import type { Store } from "../../../agents/runtime/store.ts";
import { fleetStatus } from "../fleet-status.ts";
import { HeartbeatTracker, type LocalChild } from "../fleet-view.ts";
import { apiToken, startApi, viewToken, type RunningApi } from "../http.ts";
import { OpsMetrics } from "../metrics.ts";
import { BusOperator, type Operator } from "../operator.ts";
import { ensureDashboardBuilt } from "./build.ts";
import { ConsoleHub } from "./hub.ts";
import { freshToken } from "./local.ts";

export interface ConsoleServerOptions {
  bus: Bus;
  clock: Clock;
  rng: Rng;
  store: Store;
  storeKind: "embedded" | "postgresql";
  mode: Mode;
  token: string;
  viewToken: string | null;
  host: string;
  port: number;
  /** The built dashboard; null: API only. */
  staticDir: string | null;
  /** The supervisor's children, when this process runs them. */
  local?: () => readonly LocalChild[];
  /** An operator already connected (up has one); otherwise one is made on `bus`. */
  operator?: Operator;
  /** Already following the bus (up has them); otherwise made, started and stopped here. */
  tracker?: HeartbeatTracker;
  metrics?: OpsMetrics;
  /** Extra close steps (a store the console owns). */
  onClose?: () => Promise<void>;
}

export interface ConsoleServer extends RunningApi {
  hub: ConsoleHub;
  /** The URL to open: the app with the token in the fragment (never sent to the server). */
  openUrl: string;
}

export async function startConsole(o: ConsoleServerOptions): Promise<ConsoleServer> {
  const hub = new ConsoleHub({
    clock: o.clock,
    stream: o.rng.uuid().slice(0, 8),
    mode: o.mode,
    store: o.storeKind,
  });
  hub.follow(o.bus);
  const local = o.local ?? (() => []);
  const owned: { stop(): Promise<void> }[] = [hub];
  let tracker = o.tracker;
  if (tracker === undefined) {
    tracker = new HeartbeatTracker(o.clock);
    tracker.start(o.bus);
    owned.push(tracker);
  }
  let metrics = o.metrics;
  if (metrics === undefined) {
    metrics = new OpsMetrics(o.clock, tracker, local);
    metrics.start(o.bus);
    owned.push(metrics);
  }
  const heard = tracker;
  const operator = o.operator ?? new BusOperator(o.bus, o.clock, o.rng, `http-${process.pid}`);
  const status = () =>
    fleetStatus({ operator, tracker: heard, clock: o.clock, local, actor: "http:health" });
  let api: RunningApi;
  try {
    api = await startApi(
      {
        token: o.token,
        viewToken: o.viewToken,
        operator,
        status,
        metrics,
        console: { hub, store: o.store, clock: o.clock, staticDir: o.staticDir },
      },
      { host: o.host, port: o.port },
    );
  } catch (error) {
    await Promise.all(owned.map((o) => o.stop()));
    await o.onClose?.();
    throw error;
  }
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  const base = `http://${host}:${api.port}`;
  return {
    hub,
    url: base,
    port: api.port,
    openUrl: `${base}/#token=${encodeURIComponent(o.token)}`,
    close: async () => {
      await api.close();
      await Promise.all(owned.map((part) => part.stop()));
      await o.onClose?.();
    },
  };
}

export interface ConsoleTokens {
  /** The operator's: PREDATOR_API_TOKEN when set (checked), else a fresh one for this run. */
  token: string;
  /** PREDATOR_VIEW_TOKEN (read-only), when set. */
  viewToken: string | null;
}

/** The console's tokens from the environment; a bad value is a ConfigError (exit 2). */
export function consoleTokens(
  env: Record<string, string | undefined> = process.env,
): ConsoleTokens {
  const value = env.PREDATOR_API_TOKEN;
  const token = value === undefined || value === "" ? freshToken() : apiToken(value);
  return { token, viewToken: viewToken(env.PREDATOR_VIEW_TOKEN, token) };
}

/**
 * The console as `npm start` and `predator up` serve it: the app built first when its build is
 * missing or stale, then served with the given tokens. Its ids and stream name come from the
 * system's randomness, so they differ between runs even with --seed.
 */
export async function serveConsole(
  o: Omit<ConsoleServerOptions, "rng" | "staticDir" | "token" | "viewToken">,
  tokens: ConsoleTokens,
  log: (line: string) => void,
): Promise<ConsoleServer> {
  let staticDir: string;
  try {
    staticDir = ensureDashboardBuilt(log);
  } catch (error) {
    await o.onClose?.();
    throw error;
  }
  return startConsole({ ...o, ...tokens, rng: new SystemRng(), staticDir });
}
