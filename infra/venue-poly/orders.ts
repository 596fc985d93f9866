/**
 * Signed orders as the official V2 client posts them (shared/reference/polymarket-api.md §1.6):
 * parse the body, recover the EIP-712 signer against the CTF Exchange V2 domain, compute the order
 * hash (the orderID), and turn maker/taker amounts into a price and a share size.
 */
import { ORDER_V2_TYPES, orderV2Domain } from "../venue-live/order-typed-data.ts";
import { type Hex, hashTypedData, isAddress, isHex, recoverAddress } from "viem";
import type { OrderType, Side } from "../../contracts/common.ts";
import { MICRO } from "../../contracts/money.ts";

export const EXCHANGE_V2 = "0xE111180000d2663C0091e4f400237545B87B996B";
export const NEG_RISK_EXCHANGE_V2 = "0xe2222d279d744050d28e00520010520000310F59";
export const COLLATERAL = "0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB";

export interface SignedOrderV2 {
  salt: bigint;
  maker: Hex;
  signer: Hex;
  tokenId: string;
  makerAmount: bigint;
  takerAmount: bigint;
  side: Side;
  signatureType: number;
  timestamp: bigint;
  expiration: bigint;
  metadata: Hex;
  builder: Hex;
  signature: Hex;
}

export interface PostedOrder {
  order: SignedOrderV2;
  owner: string;
  orderType: OrderType;
  postOnly: boolean;
  deferExec: boolean;
}

export class OrderError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const UINT = /^\d{1,78}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const ORDER_TYPES = new Set(["GTC", "GTD", "FOK", "FAK"]);

function uint(v: unknown): bigint | null {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === "string" && UINT.test(v)) return BigInt(v);
  return null;
}

const bad = (): OrderError => new OrderError(400, "Invalid order payload");

/** Parses one element of POST /order or POST /orders. V1-shaped orders get the mismatch error. */
export function parsePostedOrder(body: unknown): PostedOrder {
  if (typeof body !== "object" || body === null) throw bad();
  const b = body as Record<string, unknown>;
  const o = b.order;
  if (typeof o !== "object" || o === null) throw bad();
  const r = o as Record<string, unknown>;
  if ("nonce" in r || "feeRateBps" in r || "taker" in r) {
    throw new OrderError(400, "order_version_mismatch: V1 orders are not accepted, sign for V2");
  }
  const salt = uint(r.salt);
  const tokenId = typeof r.tokenId === "string" && UINT.test(r.tokenId) ? r.tokenId : null;
  const makerAmount = uint(r.makerAmount);
  const takerAmount = uint(r.takerAmount);
  const timestamp = uint(r.timestamp);
  const expiration = r.expiration === undefined ? 0n : uint(r.expiration);
  const side = r.side === "BUY" || r.side === "SELL" ? r.side : null;
  const signatureType =
    typeof r.signatureType === "number" && Number.isInteger(r.signatureType)
      ? r.signatureType
      : null;
  const { maker, signer, metadata, builder, signature } = r;
  const orderType = b.orderType ?? "GTC";
  if (
    salt === null ||
    tokenId === null ||
    makerAmount === null ||
    takerAmount === null ||
    timestamp === null ||
    expiration === null ||
    side === null ||
    signatureType === null ||
    signatureType < 0 ||
    signatureType > 3 ||
    typeof maker !== "string" ||
    !isAddress(maker, { strict: false }) ||
    typeof signer !== "string" ||
    !isAddress(signer, { strict: false }) ||
    typeof metadata !== "string" ||
    !BYTES32.test(metadata) ||
    typeof builder !== "string" ||
    !BYTES32.test(builder) ||
    typeof signature !== "string" ||
    !isHex(signature) ||
    typeof b.owner !== "string" ||
    typeof orderType !== "string" ||
    !ORDER_TYPES.has(orderType) ||
    makerAmount === 0n ||
    takerAmount === 0n
  ) {
    throw bad();
  }
  return {
    order: {
      salt,
      maker: maker,
      signer: signer,
      tokenId,
      makerAmount,
      takerAmount,
      side,
      signatureType,
      timestamp,
      expiration,
      metadata: metadata as Hex,
      builder: builder as Hex,
      signature: signature,
    },
    owner: b.owner,
    orderType: orderType as OrderType,
    postOnly: b.postOnly === true,
    deferExec: b.deferExec === true,
  };
}

function typedData(o: SignedOrderV2, chainId: number, negRisk: boolean) {
  return {
    domain: orderV2Domain(chainId, negRisk ? NEG_RISK_EXCHANGE_V2 : EXCHANGE_V2),
    types: ORDER_V2_TYPES,
    primaryType: "Order" as const,
    message: {
      salt: o.salt,
      maker: o.maker,
      signer: o.signer,
      tokenId: BigInt(o.tokenId),
      makerAmount: o.makerAmount,
      takerAmount: o.takerAmount,
      side: o.side === "BUY" ? 0 : 1,
      signatureType: o.signatureType,
      timestamp: o.timestamp,
      metadata: o.metadata,
      builder: o.builder,
    },
  };
}

/** The order hash the venue returns as `orderID`. */
export function orderHash(o: SignedOrderV2, chainId: number, negRisk: boolean): string {
  return hashTypedData(typedData(o, chainId, negRisk));
}

/**
 * True when the signature recovers to `order.signer`. Deposit-wallet orders (type 3, ERC-1271)
 * cannot be checked offline and are refused here: this venue trades EOA orders only.
 */
export async function signatureValid(
  o: SignedOrderV2,
  chainId: number,
  negRisk: boolean,
): Promise<boolean> {
  return (await verifiedHash(o, chainId, negRisk)) !== null;
}

/** The order hash when the signature recovers to `order.signer`, else null (hashes once). */
export async function verifiedHash(
  o: SignedOrderV2,
  chainId: number,
  negRisk: boolean,
): Promise<string | null> {
  if (o.signatureType === 3) return null;
  const hash = orderHash(o, chainId, negRisk);
  try {
    const recovered = await recoverAddress({ hash: hash as Hex, signature: o.signature });
    return recovered.toLowerCase() === o.signer.toLowerCase() ? hash : null;
  } catch {
    return null;
  }
}

/**
 * Price and size in micro-units. BUY: maker = collateral, taker = shares; SELL the reverse. Limit
 * orders carry an exact price; a market order's amounts are rounded by the client (§1.7), so its
 * price is snapped to the nearest tick.
 */
export function priceAndSize(
  o: SignedOrderV2,
  orderType: OrderType,
  tick: number,
): { price: number; size: number } {
  const [cash, shares] =
    o.side === "BUY" ? [o.makerAmount, o.takerAmount] : [o.takerAmount, o.makerAmount];
  if (shares > BigInt(Number.MAX_SAFE_INTEGER) || cash > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw bad();
  }
  const scaled = cash * BigInt(MICRO);
  const market = orderType === "FOK" || orderType === "FAK";
  let price: number;
  if (market) {
    const exact = Number(scaled) / Number(shares);
    price = Math.round(exact / tick) * tick;
  } else {
    // Rounded to the micro; a price off the tick is refused by the matching engine's tick rule.
    price = Number((scaled + shares / 2n) / shares);
  }
  return { price, size: Number(shares) };
}
