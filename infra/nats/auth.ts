/**
 * NATS credentials from the environment, for a server with per-agent users (infra/nats/). A
 * process connecting as `user` takes, in order: its own `PREDATOR_NATS_PASSWORD_<USER>` (user name
 * = agent name, so one environment can serve every agent of `predator up`), else `NATS_USER` +
 * `NATS_PASSWORD`, else nothing: an open server, as in development and most tests. Passwords are
 * never logged.
 */
import { ConfigError } from "../../agents/runtime/errors.ts";

/** `market-data` → `PREDATOR_NATS_PASSWORD_MARKET_DATA` (the server config reads the same names). */
export function passwordEnvOf(user: string): string {
  return `PREDATOR_NATS_PASSWORD_${user.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

export const SYS_USER = "sys";
export const SYS_PASSWORD_ENV = "PREDATOR_NATS_SYS_PASSWORD";

export interface NatsCredentials {
  user: string;
  pass: string;
}

type Env = Record<string, string | undefined>;

function given(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

/** The credentials `user` connects with, or `{}` for an open server (spread into connect options). */
export function natsCredentials(user: string, env: Env): NatsCredentials | Record<string, never> {
  const own = env[passwordEnvOf(user)];
  if (given(own)) return { user, pass: own };
  const { NATS_USER: name, NATS_PASSWORD: pass } = env;
  if (given(name) !== given(pass)) {
    const missing = given(name) ? "NATS_PASSWORD" : "NATS_USER";
    throw new ConfigError(missing, "NATS_USER and NATS_PASSWORD go together");
  }
  return given(name) && given(pass) ? { user: name, pass } : {};
}

/**
 * The system-account credentials the CRO uses to watch connection events
 * (`PREDATOR_NATS_SYS_PASSWORD`, user `PREDATOR_NATS_SYS_USER` or "sys"); null when not configured.
 */
export function natsSystemCredentials(env: Env): NatsCredentials | null {
  const pass = env[SYS_PASSWORD_ENV];
  if (!given(pass)) return null;
  const user = env.PREDATOR_NATS_SYS_USER;
  return { user: given(user) ? user : SYS_USER, pass };
}
