/**
 * The venue's wire pieces against the official clients' published test vectors
 * (shared/reference/polymarket-api.md §1.4, §1.6, §1.7) and its own formats and fault draws.
 */
import { describe, expect, it } from "vitest";
import { SeededRng } from "../../../bus/rng.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { parseFaultFlags } from "../../../infra/cli/commands/venue.ts";
import { KeyStore, hmacSignature } from "../../../infra/venue-poly/auth.ts";
import {
  DEFAULT_POLY_FAULTS,
  parsePolyFaults,
  submitFate,
} from "../../../infra/venue-poly/faults.ts";
import {
  orderHash,
  parsePostedOrder,
  priceAndSize,
  signatureValid,
} from "../../../infra/venue-poly/orders.ts";
import {
  END_CURSOR,
  bestLast,
  dec,
  decodeCursor,
  encodeCursor,
  page,
  parseDecimal,
} from "../../../infra/venue-poly/wire.ts";

const HARDHAT = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

/** §1.6: the V2 body generated with the Hardhat key, salt 123456789, timestamp 1780000000000. */
const V2_BODY = {
  deferExec: false,
  postOnly: false,
  order: {
    salt: 123456789,
    maker: HARDHAT,
    signer: HARDHAT,
    tokenId: "71321045679252212594626385532706912750332728571942532289631379312455583992563",
    makerAmount: "5200000",
    takerAmount: "10000000",
    side: "BUY",
    signatureType: 0,
    timestamp: "1780000000000",
    expiration: "0",
    metadata: `0x${"0".repeat(64)}`,
    builder: `0x${"0".repeat(64)}`,
    signature:
      "0xf4e9cf0925ccb8d02c6934f1753474626eaf9692e089cee8ca2ad7b4315db3282b40a1892b5e2e5e6ef900a50c750d0368f7c85e0eb245c825a03325b7cea0721b",
  },
  owner: "00000000-0000-0000-0000-000000000001",
  orderType: "GTC",
};

describe("auth vectors", () => {
  it("L2 HMAC matches the client's test vector (URL-safe, padded)", () => {
    expect(
      hmacSignature(
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "1000000",
        "test-sign",
        "/orders",
        '{"hash": "0x123"}',
      ),
    ).toBe("ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc=");
  });

  it("L1 ClobAuth: the client's vector verifies; a changed nonce does not", async () => {
    const keys = new KeyStore("s", 80002);
    const h = {
      poly_address: HARDHAT,
      poly_signature:
        "0xf62319a987514da40e57e2f4d7529f7bac38f0355bd88bb5adbb3768d80de6c1682518e0af677d5260366425f4361e7b70c25ae232aff0ab2331e2b164a1aedc1b",
      poly_timestamp: "10000000",
      poly_nonce: "23",
    };
    expect(await keys.verifyL1(h)).toEqual({ address: HARDHAT, nonce: "23" });
    expect(await keys.verifyL1({ ...h, poly_nonce: "24" })).toBeNull();
    expect(await new KeyStore("s", 137).verifyL1(h)).toBeNull();
  });

  it("keys: created once, derived deterministically, distinct per wallet", () => {
    const keys = new KeyStore("secret", 137);
    expect(keys.derive(HARDHAT, "0")).toBeNull();
    const k = keys.create(HARDHAT, "0");
    expect(k).not.toBeNull();
    expect(keys.create(HARDHAT, "0")).toBeNull();
    expect(keys.derive(HARDHAT.toLowerCase(), "0")).toEqual(k);
    expect(new KeyStore("secret", 137).create(HARDHAT, "0")).toEqual(k);
    expect(keys.create(HARDHAT, "1")?.apiKey).not.toBe(k?.apiKey);
  });
});

describe("orders", () => {
  it("the V2 order hash matches the vector; the signature recovers to the signer", async () => {
    const p = parsePostedOrder(V2_BODY);
    expect(await signatureValid(p.order, 137, false)).toBe(true);
    expect(await signatureValid({ ...p.order, makerAmount: 5_200_001n }, 137, false)).toBe(false);
    expect(await signatureValid(p.order, 137, true)).toBe(false); // neg-risk exchange domain
    expect(orderHash(p.order, 137, false)).toBe(
      "0xe5651dc6bd894af3faad61e695c109ef0e0bdbe063e3a23e8c6aec2fdbda5f17",
    );
    expect(priceAndSize(p.order, "GTC", 10_000)).toEqual({ price: 520_000, size: 10_000_000 });
  });

  it("refuses V1 bodies with the version-mismatch error and malformed ones as invalid", () => {
    const v1 = { ...V2_BODY, order: { ...V2_BODY.order, nonce: "0", feeRateBps: "0" } };
    expect(() => parsePostedOrder(v1)).toThrow(/order_version_mismatch/);
    expect(() => parsePostedOrder({ ...V2_BODY, orderType: "IOC" })).toThrow(
      "Invalid order payload",
    );
    expect(() =>
      parsePostedOrder({ ...V2_BODY, order: { ...V2_BODY.order, makerAmount: "-1" } }),
    ).toThrow("Invalid order payload");
  });

  it("market orders snap the client's rounded amounts to the tick (§1.7 vector)", () => {
    const p = parsePostedOrder({
      ...V2_BODY,
      orderType: "FOK",
      order: { ...V2_BODY.order, makerAmount: "10000000", takerAmount: "17857100" },
    });
    expect(priceAndSize(p.order, "FOK", 10_000)).toEqual({ price: 560_000, size: 17_857_100 });
    const sell = parsePostedOrder({
      ...V2_BODY,
      orderType: "FOK",
      order: { ...V2_BODY.order, side: "SELL", makerAmount: "10000000", takerAmount: "5600000" },
    });
    expect(priceAndSize(sell.order, "FOK", 10_000)).toEqual({ price: 560_000, size: 10_000_000 });
  });
});

describe("wire formats", () => {
  it("decimals without trailing zeros, best-last books, cursors ending in LTE=", () => {
    expect(dec(5_000_000)).toBe("5");
    expect(dec(550_000)).toBe("0.55");
    expect(dec(0)).toBe("0");
    expect(dec(1_234_567)).toBe("1.234567");
    expect(parseDecimal(".48")).toBe(480_000);
    expect(parseDecimal("0.001")).toBe(1_000);
    expect(parseDecimal("abc")).toBeNull();
    expect(
      bestLast([
        { price: 450_000, size: 1_000_000 },
        { price: 400_000, size: 2_000_000 },
      ]),
    ).toEqual([
      { price: "0.4", size: "2" },
      { price: "0.45", size: "1" },
    ]);
    expect(encodeCursor(0)).toBe("MA==");
    expect(decodeCursor("LTE=")).toBe(-1);
    expect(decodeCursor("MTAw")).toBe(100);
    expect(decodeCursor("%%%")).toBeNull();
    const all = [1, 2, 3, 4, 5];
    expect(page(all, 0, 2)).toEqual({ limit: 2, count: 2, next_cursor: "Mg==", data: [1, 2] });
    expect(page(all, 4, 2)).toEqual({ limit: 2, count: 1, next_cursor: END_CURSOR, data: [5] });
    expect(page(all, -1, 2).next_cursor).toBe(END_CURSOR);
  });
});

describe("fault knobs", () => {
  it("submit fates follow the fractions, deterministically per seed", () => {
    const f = { ...DEFAULT_POLY_FAULTS, submit5xxFraction: 0.3, submitRejectFraction: 0.2 };
    const draw = (seed: number) => {
      const rng = new SeededRng(seed);
      return Array.from({ length: 2_000 }, () => submitFate(f, () => rng.float()));
    };
    const a = draw(1);
    expect(draw(1)).toEqual(a);
    const count = (k: string) => a.filter((x) => x === k).length / a.length;
    expect(count("reject")).toBeGreaterThan(0.15);
    expect(count("reject")).toBeLessThan(0.25);
    expect(count("5xx-accepted") + count("5xx-not-accepted")).toBeGreaterThan(0.25);
    expect(count("5xx-accepted")).toBeGreaterThan(0.1);
    expect(count("5xx-not-accepted")).toBeGreaterThan(0.1);
    expect(count("timeout")).toBe(0);
  });

  it("validation names the knob; CLI flags parse into knobs or a ConfigError naming the flag", () => {
    expect(() => parsePolyFaults({ ghostFillProbability: 1.5 })).toThrow(
      /^fault ghostFillProbability/,
    );
    expect(() => parsePolyFaults({ nope: 1 })).toThrow(RangeError);
    const base = { port: "0", host: "127.0.0.1", chainId: "137", collateral: "1", liquidity: true };
    expect(
      parseFaultFlags({
        ...base,
        submit5xxFraction: "0.25",
        latencyMs: "40",
        partialFillShares: "5",
        staleBooks: true,
      }),
    ).toEqual({
      submit5xxFraction: 0.25,
      latencyMs: 40,
      partialFillShares: 5_000_000,
      staleBooks: true,
    });
    expect(() => parseFaultFlags({ ...base, submit5xxFraction: "1.5" })).toThrow(ConfigError);
    expect(() => parseFaultFlags({ ...base, latencyMs: "-3" })).toThrow(/--latency-ms/);
  });
});
