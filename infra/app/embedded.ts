/**
 * Runs agents together in one process on the in-memory bus: the embedded main job, the simulator
 * and most tests. Each agent gets its own bus connection and its own ActorHost, exactly as it would
 * in its own process; only the transport differs.
 */
import type { Logger } from "pino";
import { MemoryBroker } from "../../bus/memory.ts";
import { MemoryConnectionEvents } from "../../bus/connection-events.ts";
import type { Clock } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import type { Mode } from "../../contracts/common.ts";
import type { AgentDefinition } from "../../agents/runtime/actor.ts";
import { ActorHost, DEFAULT_HOST_SETTINGS, type HostSettings } from "../../agents/runtime/host.ts";
import type { Store } from "../../agents/runtime/store.ts";

export interface EmbeddedOptions {
  clock: Clock;
  rng: Rng;
  store: Store;
  /**
   * The root logger, without agent or instance bindings (createLogger without them): each agent
   * logs through a child that adds its own, and the fleet's lines add agent "fleet".
   */
  log: Logger;
  mode: Mode;
  settings?: Partial<HostSettings>;
  /** Keep the full delivery log in memory (determinism tests). */
  recordLog?: boolean;
  /** How long the in-memory streams keep a message (default: the NATS streams' max age). */
  streamMaxAgeMs?: number;
}

export class EmbeddedFleet {
  readonly broker: MemoryBroker;
  readonly hosts = new Map<string, ActorHost>();
  /** What a NATS server's `$SYS` events say, in memory: give it to the CRO (AgentDeps). */
  readonly connectionEvents = new MemoryConnectionEvents();
  private readonly settings: HostSettings;
  private pid = 1000;
  private crashCount = 0;

  constructor(private readonly options: EmbeddedOptions) {
    this.settings = { ...DEFAULT_HOST_SETTINGS, ...options.settings };
    const fleetLog = options.log.child({ agent: "fleet", instance: "embedded" });
    this.broker = new MemoryBroker({
      clock: options.clock,
      rng: options.rng,
      recordLog: options.recordLog ?? false,
      ...(options.streamMaxAgeMs === undefined ? {} : { streamMaxAgeMs: options.streamMaxAgeMs }),
      onHandlerError: (connection, subject, error) => {
        fleetLog.error({ err: error, connection, subject }, "bus handler failed");
      },
    });
  }

  /** Starts one agent instance; resolves when its host has started (a standby keeps waiting). */
  async start(definition: AgentDefinition, instance = "1"): Promise<ActorHost> {
    const key = `${definition.name}.${instance}`;
    const { clock, rng, store, log, mode } = this.options;
    const host = new ActorHost(
      definition,
      instance,
      {
        bus: this.broker.connect(key),
        clock,
        rng: rng.fork(key),
        store,
        log: log.child({ agent: definition.name, instance }),
        mode,
        pid: this.pid++,
      },
      this.settings,
    );
    host.onCrash(() => {
      this.crashCount++;
    });
    this.hosts.set(key, host);
    this.connectionEvents.connected(key, clock.now());
    await host.start();
    return host;
  }

  /** How many times a host of this fleet has crashed (kills included): a cheap "anything new?". */
  crashes(): number {
    return this.crashCount;
  }

  /** Kills an agent the way kill -9 does: no drain, no lease release, its connection gone. */
  async kill(agent: string, instance = "1"): Promise<void> {
    const key = `${agent}.${instance}`;
    const host = this.hosts.get(key);
    if (host === undefined) return;
    host.crash(new Error("killed"));
    await host.bus.close();
    this.hosts.delete(key);
    this.connectionEvents.disconnected(key, this.options.clock.now(), "killed");
  }

  /** Hangs an agent (fault injection): no mailbox processing, no heartbeats, until `resume`. */
  pause(agent: string, instance = "1"): boolean {
    const host = this.hosts.get(`${agent}.${instance}`);
    host?.pause();
    return host !== undefined;
  }

  resume(agent: string, instance = "1"): void {
    this.hosts.get(`${agent}.${instance}`)?.resume();
  }

  host(agent: string, instance = "1"): ActorHost | undefined {
    return this.hosts.get(`${agent}.${instance}`);
  }

  /** A plain bus connection (operators, tests, observers). */
  connect(name: string) {
    return this.broker.connect(name);
  }

  async stop(): Promise<void> {
    for (const host of [...this.hosts.values()].reverse()) await host.stop();
    for (const host of this.hosts.values()) await host.bus.close();
    this.hosts.clear();
  }
}
