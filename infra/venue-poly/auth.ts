/**
 * Polymarket CLOB authentication (shared/reference/polymarket-api.md §1.4).
 * - L1: an EIP-712 `ClobAuth` signature by the wallet, checked with viem `verifyTypedData`; used to
 *   create and derive API keys. Keys are a pure function of (server secret, address, nonce), so
 *   derive is deterministic.
 * - L2: HMAC-SHA256 over `timestamp + METHOD + path (no query) + raw body` with the key's base64
 *   secret, URL-safe base64 with padding.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { getAddress, isAddress, isHex, verifyTypedData } from "viem";

export const CLOB_AUTH_MESSAGE = "This message attests that I control the given wallet";

export const ERR_L1 = "Invalid L1 Request headers";
export const ERR_L2 = "Unauthorized/Invalid api key";

export interface ApiKey {
  apiKey: string;
  secret: string;
  passphrase: string;
  /** Checksummed wallet address the key belongs to. */
  address: string;
}

export type Headers = Record<string, string | string[] | undefined>;

function header(h: Headers, name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export class KeyStore {
  private readonly byKey = new Map<string, ApiKey>();
  /** `${address lowercase}:${nonce}` of keys created so far. */
  private readonly created = new Set<string>();

  constructor(
    private readonly serverSecret: string,
    private readonly chainId: number,
  ) {}

  /** Verifies L1 headers; returns the checksummed address and nonce, or null. */
  async verifyL1(h: Headers): Promise<{ address: string; nonce: string } | null> {
    const address = header(h, "POLY_ADDRESS");
    const signature = header(h, "POLY_SIGNATURE");
    const timestamp = header(h, "POLY_TIMESTAMP");
    const nonce = header(h, "POLY_NONCE") ?? "0";
    if (address === undefined || signature === undefined || timestamp === undefined) return null;
    if (!isAddress(address, { strict: false }) || !isHex(signature) || !/^\d{1,30}$/.test(nonce)) {
      return null;
    }
    try {
      const ok = await verifyTypedData({
        address,
        domain: { name: "ClobAuthDomain", version: "1", chainId: this.chainId },
        types: {
          ClobAuth: [
            { name: "address", type: "address" },
            { name: "timestamp", type: "string" },
            { name: "nonce", type: "uint256" },
            { name: "message", type: "string" },
          ],
        },
        primaryType: "ClobAuth",
        message: { address, timestamp, nonce: BigInt(nonce), message: CLOB_AUTH_MESSAGE },
        signature: signature,
      });
      return ok ? { address: getAddress(address), nonce } : null;
    } catch {
      return null;
    }
  }

  /** POST /auth/api-key: null if this (address, nonce) already has a key (the venue answers 400). */
  create(address: string, nonce: string): ApiKey | null {
    const id = `${address.toLowerCase()}:${nonce}`;
    if (this.created.has(id)) return null;
    this.created.add(id);
    const key = this.keyFor(address, nonce);
    this.byKey.set(key.apiKey, key);
    return key;
  }

  /** GET /auth/derive-api-key: the existing key, or null when none was created. */
  derive(address: string, nonce: string): ApiKey | null {
    if (!this.created.has(`${address.toLowerCase()}:${nonce}`)) return null;
    return this.keyFor(address, nonce);
  }

  get(apiKey: string): ApiKey | undefined {
    return this.byKey.get(apiKey);
  }

  /** Verifies L2 headers against the raw request; returns the key or null. */
  verifyL2(h: Headers, method: string, path: string, rawBody: string | undefined): ApiKey | null {
    const apiKey = header(h, "POLY_API_KEY");
    const address = header(h, "POLY_ADDRESS");
    const passphrase = header(h, "POLY_PASSPHRASE");
    const signature = header(h, "POLY_SIGNATURE");
    const timestamp = header(h, "POLY_TIMESTAMP");
    if (
      apiKey === undefined ||
      address === undefined ||
      passphrase === undefined ||
      signature === undefined ||
      timestamp === undefined
    ) {
      return null;
    }
    const key = this.byKey.get(apiKey);
    if (key === undefined) return null;
    if (key.address.toLowerCase() !== address.toLowerCase()) return null;
    if (!safeEqual(key.passphrase, passphrase)) return null;
    const expected = hmacSignature(key.secret, timestamp, method, path, rawBody);
    return safeEqual(expected, signature) ? key : null;
  }

  /** The user channel authenticates with the raw credentials. */
  checkCreds(apiKey: string, secret: string, passphrase: string): ApiKey | null {
    const key = this.byKey.get(apiKey);
    if (key === undefined) return null;
    return safeEqual(key.secret, secret) && safeEqual(key.passphrase, passphrase) ? key : null;
  }

  private keyFor(address: string, nonce: string): ApiKey {
    const mac = (label: string) =>
      createHmac("sha256", this.serverSecret)
        .update(`${label}:${address.toLowerCase()}:${nonce}`)
        .digest();
    const u = mac("key").toString("hex");
    const apiKey = `${u.slice(0, 8)}-${u.slice(8, 12)}-4${u.slice(13, 16)}-a${u.slice(17, 20)}-${u.slice(20, 32)}`;
    const secret = mac("secret").toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
    const passphrase = mac("passphrase").toString("hex");
    return { apiKey, secret, passphrase, address: getAddress(address) };
  }
}

/** The client's `buildPolyHmacSignature`, server side. */
export function hmacSignature(
  secret: string,
  timestamp: string,
  method: string,
  path: string,
  body: string | undefined,
): string {
  const key = Buffer.from(secret.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  const message = `${timestamp}${method}${path}${body ?? ""}`;
  return createHmac("sha256", key)
    .update(message, "utf8")
    .digest("base64")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}
