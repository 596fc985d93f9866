/**
 * Structured logs (pino): every line carries the agent and instance; handlers log through a child
 * that adds the message's correlation id. Pretty in a terminal, JSON lines otherwise.
 */
import { pino, type Logger, type DestinationStream } from "pino";

export type { Logger };

export interface LoggerOptions {
  /**
   * Omit both for a process's root logger whose children name the agent themselves (the embedded
   * fleet): pino does not merge bindings, so a child that repeats them writes each key twice.
   */
  agent?: string;
  instance?: string;
  level?: string;
  /** Force pretty (true) or JSON (false); default: pretty when stdout is a terminal. */
  pretty?: boolean;
  /** Write here instead of stdout (tests). */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? "info";
  const base = {
    ...(options.agent === undefined ? {} : { agent: options.agent }),
    ...(options.instance === undefined ? {} : { instance: options.instance }),
    pid: process.pid,
  };
  if (options.destination !== undefined) return pino({ level, base }, options.destination);
  const pretty = options.pretty ?? (process.stdout.isTTY && process.env.CI !== "true");
  if (pretty) {
    return pino({
      level,
      base,
      transport: {
        target: "pino-pretty",
        options: { colorize: true, ignore: "pid,hostname", translateTime: "HH:MM:ss.l" },
      },
    });
  }
  return pino({ level, base });
}

/** A logger that drops everything (simulations at full speed). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
