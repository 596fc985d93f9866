/** LIVE settings from the environment: each bad value names its variable; secrets never echo. */
import { describe, expect, it } from "vitest";
import {
  assertLiveConfirmed,
  gammaUrlOf,
  liveSettingsFromEnv,
  redacted,
} from "../../../infra/venue-live/settings.ts";
import { rejectCode } from "../../../infra/venue-live/live-venue.ts";

const KEY = `0x${"ab".repeat(32)}`;
const BASE = { POLY_CLOB_URL: "http://127.0.0.1:8080/", POLY_PRIVATE_KEY: KEY };

describe("liveSettingsFromEnv", () => {
  it("reads a minimal setup with defaults", () => {
    expect(liveSettingsFromEnv(BASE)).toMatchObject({
      host: "http://127.0.0.1:8080",
      wsUrl: "ws://127.0.0.1:8080/ws",
      chainId: 137,
      signatureType: 0,
      creds: null,
      instruments: ["btc-updown-15m"],
    });
    expect(gammaUrlOf(liveSettingsFromEnv(BASE))).toBe("http://127.0.0.1:8080");
  });

  it("instruments and Gamma: POLY_INSTRUMENTS, POLY_GAMMA_URL, Polymarket's Gamma by default", () => {
    const s = liveSettingsFromEnv({
      ...BASE,
      POLY_INSTRUMENTS: "btc-updown-15m, eth-updown-5m",
      POLY_GAMMA_URL: "http://127.0.0.1:9/",
    });
    expect(s.instruments).toEqual(["btc-updown-15m", "eth-updown-5m"]);
    expect(gammaUrlOf(s)).toBe("http://127.0.0.1:9");
    expect(gammaUrlOf({ host: "https://clob.polymarket.com" })).toBe(
      "https://gamma-api.polymarket.com",
    );
    expect(() => liveSettingsFromEnv({ ...BASE, POLY_INSTRUMENTS: "btc-15m" })).toThrow(
      'POLY_INSTRUMENTS: expected {asset}-updown-{n}{s|m|h} (e.g. btc-updown-15m), got "btc-15m"',
    );
    expect(() => liveSettingsFromEnv({ ...BASE, POLY_GAMMA_URL: "gamma" })).toThrow(
      "POLY_GAMMA_URL: expected an http(s) URL",
    );
  });

  it.each([
    [{ POLY_CLOB_URL: undefined }, "POLY_CLOB_URL: required in LIVE mode"],
    [{ POLY_CLOB_URL: "ftp://x" }, "POLY_CLOB_URL: expected an http(s) URL"],
    [{ POLY_CHAIN_ID: "1" }, "POLY_CHAIN_ID: expected 137 or 80002"],
    [{ POLY_SIGNATURE_TYPE: "4" }, "POLY_SIGNATURE_TYPE: expected 0, 1, 2 or 3"],
    [{ POLY_API_KEY: "k" }, "POLY_API_KEY: set all of"],
  ])("%o → %s", (over, message) => {
    expect(() => liveSettingsFromEnv({ ...BASE, ...over })).toThrow(message);
  });

  it("a malformed private key is refused without showing it", () => {
    const secret = "0xdeadbeef-secret";
    let text = "";
    try {
      liveSettingsFromEnv({ ...BASE, POLY_PRIVATE_KEY: secret });
    } catch (error) {
      text = (error as Error).message;
    }
    expect(text).toContain("POLY_PRIVATE_KEY");
    expect(text).not.toContain(secret);
  });

  it("redacted() keeps no secret", () => {
    const s = liveSettingsFromEnv({
      ...BASE,
      POLY_API_KEY: "key-1",
      POLY_API_SECRET: "s3cret",
      POLY_API_PASSPHRASE: "pp-xyz",
    });
    const text = JSON.stringify(redacted(s));
    for (const secret of [KEY, "s3cret", "pp-xyz"]) expect(text).not.toContain(secret);
    expect(text).toContain("key-1");
  });
});

describe("the LIVE confirmation gate", () => {
  it("passes with the flag or PREDATOR_LIVE_CONFIRM=yes, refuses otherwise", () => {
    expect(() => {
      assertLiveConfirmed(true, {});
    }).not.toThrow();
    expect(() => {
      assertLiveConfirmed(undefined, { PREDATOR_LIVE_CONFIRM: "yes" });
    }).not.toThrow();
    expect(() => {
      assertLiveConfirmed(undefined, {});
    }).toThrow(/refusing to start/);
  });
});

describe("venue error texts → reject codes", () => {
  it.each([
    ["order 0x1 is invalid. Price (0.555) breaks minimum tick size rule: 0.01", "TICK_SIZE"],
    ["order 0x1 is invalid. Size (1) lower than the minimum: 5", "MIN_SIZE"],
    ["not enough balance / allowance", "INSUFFICIENT_ALLOWANCE"],
    ["order couldn't be fully filled. FOK orders are fully filled or killed.", "FOK_NOT_FILLED"],
    ["no orders found to match with FAK order.", "FAK_NOT_FILLED"],
    ["Invalid order payload", "INVALID_ORDER"],
  ])("%s → %s", (text, code) => {
    expect(rejectCode(text)).toBe(code);
  });
});
