/**
 * LIVE settings from the environment, and the confirmation gate. Imports nothing from Polymarket:
 * any mode may load this file. Secrets are validated by shape and never echoed in an error.
 */
import type { ThrottleOptions } from "./throttle.ts";
import { RTDS_CRYPTO_TOPICS, type RtdsTopic } from "./rtds-wire.ts";
import type { Clock } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import type { Logger } from "../../agents/runtime/logger.ts";
import type { ChainReader } from "./chain.ts";
import type { VenueJournal } from "./journal.ts";
import { ConfigError } from "../../agents/runtime/errors.ts";

export interface LiveVenueSettings {
  /** CLOB REST base, e.g. http://127.0.0.1:8080 (POLY_CLOB_URL). */
  host: string;
  /** WebSocket base without the channel, e.g. ws://127.0.0.1:8080/ws (POLY_WS_URL). */
  wsUrl: string;
  /** 137 Polygon or 80002 Amoy (POLY_CHAIN_ID). */
  chainId: 137 | 80002;
  /** 0x + 64 hex (POLY_PRIVATE_KEY). Never logged. */
  privateKey: string;
  /** L2 API credentials (POLY_API_KEY, POLY_API_SECRET, POLY_API_PASSPHRASE); derived when absent. */
  creds: { key: string; secret: string; passphrase: string } | null;
  /** 0 EOA (default), 1 POLY_PROXY, 2 POLY_GNOSIS_SAFE, 3 POLY_1271 (POLY_SIGNATURE_TYPE). */
  signatureType: 0 | 1 | 2 | 3;
  funderAddress?: string;
  /** Chain RPC for on-chain balance reads (POLY_RPC_URL). */
  rpcUrl?: string;
  /**
   * How often subscribeUser polls our orders and trades over REST while the user socket is down,
   * or always when `userChannel` is false (default 1000 ms).
   */
  userPollMs?: number;
  /** Our orders and trades from the authenticated `/ws/user` socket (default true). */
  userChannel?: boolean;
  /** The REST reconciliation's period while the user socket is up (default 30 000 ms). */
  userReconcileMs?: number;
  /**
   * The up/down instruments traded (`btc-updown-15m`; POLY_INSTRUMENTS, comma-separated): the
   * current and next window of each are looked up by their deterministic slug on Gamma. Absent or
   * empty: the whole CLOB market list is paged instead.
   */
  instruments?: string[];
  /**
   * Gamma's base URL for `GET /events?slug=` (POLY_GAMMA_URL). Default: Polymarket's Gamma host
   * when the CLOB is Polymarket's, else the CLOB host (`predator venue` serves both).
   */
  gammaUrl?: string;
  /**
   * Polymarket's real-time data socket for the underlying's price (POLY_RTDS_URL; reference §2.4).
   * Default: Polymarket's when the CLOB is Polymarket's; otherwise none unless set
   * (`predator venue` serves one at `/rtds`). Without it the strategies get no underlying.
   */
  rtdsUrl?: string;
  /** The RTDS topic (POLY_RTDS_TOPIC); default `crypto_prices_twap_sixty`, what windows settle on. */
  rtdsTopic?: RtdsTopic;
}

export interface LiveVenueDeps {
  clock: Clock;
  rng: Rng;
  log?: Logger;
  /**
   * On-chain collateral and allowance, folded into `balance()` (the smaller of chain and endpoint
   * counts), cached for at most 30 s. Absent: built from `rpcUrl` when set, else endpoint only.
   */
  chain?: ChainReader;
  /**
   * Durable notes through the Store's audit log: client order id → order hash (written before
   * every POST, read back after a restart) and DRY_RUN's signed payloads. Absent: memory only.
   */
  journal?: VenueJournal;
  /** Rate limits per endpoint class, concurrency and 429 backoff (default: Polymarket's). */
  throttle?: ThrottleOptions;
  /** The HTTP client of the Gamma lookups (default: the global fetch; tests count requests). */
  fetch?: typeof fetch;
}

/** Polymarket's CLOB and Gamma hosts. */
export const POLYMARKET_CLOB_URL = "https://clob.polymarket.com";
export const POLYMARKET_GAMMA_URL = "https://gamma-api.polymarket.com";
/** Polymarket's real-time data socket (crypto prices). */
export const POLYMARKET_RTDS_URL = "wss://ws-live-data.polymarket.com";

/** Where the price socket is for these settings; null: none. */
export function rtdsUrlOf(settings: Pick<LiveVenueSettings, "host" | "rtdsUrl">): string | null {
  if (settings.rtdsUrl !== undefined) return settings.rtdsUrl;
  return settings.host.replace(/\/$/, "") === POLYMARKET_CLOB_URL ? POLYMARKET_RTDS_URL : null;
}

/** Where Gamma is for these settings. */
export function gammaUrlOf(settings: Pick<LiveVenueSettings, "host" | "gammaUrl">): string {
  if (settings.gammaUrl !== undefined) return settings.gammaUrl.replace(/\/$/, "");
  const host = settings.host.replace(/\/$/, "");
  return host === POLYMARKET_CLOB_URL ? POLYMARKET_GAMMA_URL : host;
}

/** `{asset}-updown-{n}{s|m|h}`, e.g. btc-updown-15m. */
const INSTRUMENT = /^[a-z0-9]+-updown-[1-9]\d*[smh]$/;

/** The flag (or PREDATOR_LIVE_CONFIRM=yes) without which LIVE refuses to start. */
export const LIVE_CONFIRM_FLAG = "--i-understand-this-trades-real-money";

const SECRET_NAMES = ["POLY_PRIVATE_KEY", "POLY_API_SECRET", "POLY_API_PASSPHRASE"] as const;

export function assertLiveConfirmed(
  flag: boolean | undefined,
  env: Record<string, string | undefined>,
): void {
  if (flag === true || env.PREDATOR_LIVE_CONFIRM === "yes") return;
  throw new ConfigError(
    "LIVE",
    `refusing to start: LIVE mode places real orders with real money. Pass ${LIVE_CONFIRM_FLAG} (or set PREDATOR_LIVE_CONFIRM=yes) to confirm`,
  );
}

export function liveSettingsFromEnv(env: Record<string, string | undefined>): LiveVenueSettings {
  const host = required(env, "POLY_CLOB_URL");
  if (!/^https?:\/\/[^\s]+$/.test(host))
    throw new ConfigError("POLY_CLOB_URL", "expected an http(s) URL");
  const wsUrl = env.POLY_WS_URL ?? `${host.replace(/^http/, "ws").replace(/\/$/, "")}/ws`;
  if (!/^wss?:\/\/[^\s]+$/.test(wsUrl))
    throw new ConfigError("POLY_WS_URL", "expected a ws(s) URL");
  const chain = env.POLY_CHAIN_ID ?? "137";
  if (chain !== "137" && chain !== "80002")
    throw new ConfigError("POLY_CHAIN_ID", "expected 137 or 80002");
  const privateKey = required(env, "POLY_PRIVATE_KEY");
  if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey)) {
    // The value is a secret: say what is wrong with it, never what it is.
    throw new ConfigError(
      "POLY_PRIVATE_KEY",
      "expected 0x followed by 64 hex digits (value not shown)",
    );
  }
  const sig = env.POLY_SIGNATURE_TYPE ?? "0";
  if (!["0", "1", "2", "3"].includes(sig))
    throw new ConfigError("POLY_SIGNATURE_TYPE", "expected 0, 1, 2 or 3");
  const key = env.POLY_API_KEY;
  const secret = env.POLY_API_SECRET;
  const passphrase = env.POLY_API_PASSPHRASE;
  const given = [key, secret, passphrase].filter((v) => v !== undefined && v !== "").length;
  if (given !== 0 && given !== 3) {
    throw new ConfigError(
      "POLY_API_KEY",
      "set all of POLY_API_KEY, POLY_API_SECRET, POLY_API_PASSPHRASE, or none (derived from the wallet)",
    );
  }
  const instruments = (env.POLY_INSTRUMENTS ?? "btc-updown-15m")
    .split(",")
    .map((i) => i.trim())
    .filter((i) => i !== "");
  const bad = instruments.find((i) => !INSTRUMENT.test(i));
  if (bad !== undefined) {
    throw new ConfigError(
      "POLY_INSTRUMENTS",
      `expected {asset}-updown-{n}{s|m|h} (e.g. btc-updown-15m), got ${JSON.stringify(bad)}`,
    );
  }
  const rtdsUrl = env.POLY_RTDS_URL;
  if (rtdsUrl !== undefined && !/^wss?:\/\/[^\s]+$/.test(rtdsUrl))
    throw new ConfigError("POLY_RTDS_URL", "expected a ws(s) URL");
  const rtdsTopic = env.POLY_RTDS_TOPIC;
  if (rtdsTopic !== undefined && !(RTDS_CRYPTO_TOPICS as readonly string[]).includes(rtdsTopic)) {
    throw new ConfigError("POLY_RTDS_TOPIC", `expected one of ${RTDS_CRYPTO_TOPICS.join(", ")}`);
  }
  const gammaUrl = env.POLY_GAMMA_URL;
  if (gammaUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(gammaUrl))
    throw new ConfigError("POLY_GAMMA_URL", "expected an http(s) URL");
  return {
    host: host.replace(/\/$/, ""),
    instruments,
    ...(gammaUrl === undefined ? {} : { gammaUrl: gammaUrl.replace(/\/$/, "") }),
    ...(rtdsUrl === undefined ? {} : { rtdsUrl }),
    ...(rtdsTopic === undefined ? {} : { rtdsTopic: rtdsTopic as RtdsTopic }),
    wsUrl: wsUrl.replace(/\/$/, ""),
    chainId: chain === "80002" ? 80002 : 137,
    privateKey,
    creds:
      given === 3 ? { key: key ?? "", secret: secret ?? "", passphrase: passphrase ?? "" } : null,
    signatureType: Number(sig) as 0 | 1 | 2 | 3,
    ...(env.POLY_FUNDER_ADDRESS === undefined ? {} : { funderAddress: env.POLY_FUNDER_ADDRESS }),
    ...(env.POLY_RPC_URL === undefined ? {} : { rpcUrl: env.POLY_RPC_URL }),
  };
}

/** A copy safe to log: secrets replaced. */
export function redacted(settings: LiveVenueSettings): Record<string, unknown> {
  return {
    host: settings.host,
    wsUrl: settings.wsUrl,
    chainId: settings.chainId,
    signatureType: settings.signatureType,
    instruments: settings.instruments ?? [],
    gammaUrl: gammaUrlOf(settings),
    rtdsUrl: rtdsUrlOf(settings),
    privateKey: "[redacted]",
    creds:
      settings.creds === null
        ? null
        : { key: settings.creds.key, secret: "[redacted]", passphrase: "[redacted]" },
  };
}

export function secretNames(): readonly string[] {
  return SECRET_NAMES;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const v = env[name];
  if (v === undefined || v.trim() === "") throw new ConfigError(name, "required in LIVE mode");
  return v.trim();
}
