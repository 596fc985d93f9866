/**
 * Starts each agent as its own process and restarts one that dies, with exponential backoff, the
 * way Docker's `restart: unless-stopped` policy does (backoff doubles from `restartDelayMs` up to
 * `restartDelayMaxMs` and resets after the child stayed up for `stableAfterMs`). Stopping sends
 * SIGTERM to every child and waits for them, bounded by `stopTimeoutMs`, then SIGKILLs the rest.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Logger } from "pino";
import type { Clock, TimerHandle } from "../../bus/clock.ts";

export interface ChildSpec {
  /** Unique name, e.g. "cro.1". */
  name: string;
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
}

export interface SupervisorOptions {
  clock: Clock;
  log: Logger;
  restartDelayMs: number;
  restartDelayMaxMs: number;
  stableAfterMs: number;
  stopTimeoutMs: number;
  /** Where children's stdout/stderr go: inherit (terminal) or ignore. */
  stdio: "inherit" | "ignore";
}

export interface ChildStatus {
  name: string;
  pid: number | null;
  alive: boolean;
  restarts: number;
  startedAt: number | null;
  lastExit: { code: number | null; signal: string | null; at: number } | null;
}

interface Child {
  spec: ChildSpec;
  process: ChildProcess | null;
  status: ChildStatus;
  delayMs: number;
  timer: TimerHandle | null;
}

export class Supervisor {
  private readonly children = new Map<string, Child>();
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {}

  add(spec: ChildSpec): void {
    const child: Child = {
      spec,
      process: null,
      delayMs: this.options.restartDelayMs,
      timer: null,
      status: {
        name: spec.name,
        pid: null,
        alive: false,
        restarts: 0,
        startedAt: null,
        lastExit: null,
      },
    };
    this.children.set(spec.name, child);
    this.launch(child);
  }

  status(): ChildStatus[] {
    return [...this.children.values()].map((c) => ({ ...c.status }));
  }

  /** kill -9 of one child (for testers); the supervisor restarts it like any death. */
  kill(name: string): boolean {
    const child = this.children.get(name);
    if (child?.process?.pid === undefined) return false;
    return child.process.kill("SIGKILL");
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const exits: Array<Promise<void>> = [];
    for (const child of this.children.values()) {
      if (child.timer !== null) this.options.clock.clearTimer(child.timer);
      const proc = child.process;
      if (proc === null || proc.exitCode !== null || proc.signalCode !== null) continue;
      exits.push(
        new Promise((resolve) =>
          proc.once("exit", () => {
            resolve();
          }),
        ),
      );
      proc.kill("SIGTERM");
    }
    const bound: { timer: TimerHandle | null } = { timer: null };
    const deadline = new Promise<void>((resolve) => {
      bound.timer = this.options.clock.setTimer(this.options.stopTimeoutMs, resolve);
    });
    await Promise.race([Promise.all(exits), deadline]);
    if (bound.timer !== null) this.options.clock.clearTimer(bound.timer);
    for (const child of this.children.values()) {
      if (
        child.process !== null &&
        child.process.exitCode === null &&
        child.process.signalCode === null
      ) {
        this.options.log.warn({ child: child.spec.name }, "did not stop in time: SIGKILL");
        child.process.kill("SIGKILL");
      }
    }
  }

  private launch(child: Child): void {
    const { clock, log } = this.options;
    const proc = spawn(child.spec.command, child.spec.args, {
      env: child.spec.env,
      stdio: ["ignore", this.options.stdio, this.options.stdio],
    });
    child.process = proc;
    child.status.pid = proc.pid ?? null;
    child.status.alive = true;
    child.status.startedAt = clock.now();
    proc.on("error", (err) => {
      log.error({ err, child: child.spec.name }, "spawn failed");
    });
    proc.once("exit", (code, signal) => {
      const at = clock.now();
      const upMs = at - (child.status.startedAt ?? at);
      child.status.alive = false;
      child.status.lastExit = { code, signal, at };
      if (this.stopping) return;
      if (upMs >= this.options.stableAfterMs) child.delayMs = this.options.restartDelayMs;
      log.warn(
        { child: child.spec.name, code, signal, restartInMs: child.delayMs },
        "agent exited; restarting",
      );
      child.timer = clock.setTimer(child.delayMs, () => {
        child.timer = null;
        child.status.restarts++;
        this.launch(child);
      });
      child.delayMs = Math.min(child.delayMs * 2, this.options.restartDelayMaxMs);
    });
  }
}
