/**
 * The live venue's signing side (live-venue.ts): the CLOB client with its wallet signer and API
 * credentials, the EIP-712 hash of a signed V2 order (the venue's order id, known before the
 * POST), the on-chain collateral reader, and the mapping of our order types to the client's.
 * Loaded only in LIVE mode, with live-venue.ts (test/unit/venue-live/import-guard.test.ts).
 */
import {
  Chain,
  ClobClient,
  SignatureTypeV2,
  getContractConfig,
  OrderType as ClobOrderType,
  type ApiKeyCreds,
  type SignedOrder,
} from "@polymarket/clob-client-v2";
import {
  createPublicClient,
  createWalletClient,
  erc20Abi,
  hashTypedData,
  http,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { polygon, polygonAmoy } from "viem/chains";
import type { OrderType } from "../../contracts/common.ts";
import { VenueError } from "../../agents/runtime/venue.ts";
import type { LiveVenueSettings } from "./settings.ts";
import type { ChainReader } from "./chain.ts";
import { ORDER_V2_TYPES, orderV2Domain } from "./order-typed-data.ts";

/** Collateral (pUSD) balance and the V2 exchange's allowance, read on-chain over `rpcUrl`. */
export function createChainReader(rpcUrl: string, chainId: 137 | 80002): ChainReader {
  const chain = chainId === 80002 ? polygonAmoy : polygon;
  const client = createPublicClient({ chain, transport: http(rpcUrl) });
  const cfg = getContractConfig(chainId);
  return {
    chainId: () => client.getChainId(),
    async collateral(owner) {
      const [balance, allowance] = await Promise.all([
        client.readContract({
          address: cfg.collateral as Hex,
          abi: erc20Abi,
          functionName: "balanceOf",
          args: [owner as Hex],
        }),
        client.readContract({
          address: cfg.collateral as Hex,
          abi: erc20Abi,
          functionName: "allowance",
          args: [owner as Hex, cfg.exchangeV2 as Hex],
        }),
      ]);
      const cap = (v: bigint): number =>
        Number(v > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : v);
      return { balance: cap(balance), allowance: cap(allowance) };
    },
  };
}

/** The CLOB client with L2 credentials: derived (or created) from the wallet (L1) when none are set. */
export async function createClobClient(
  settings: LiveVenueSettings,
): Promise<{ client: ClobClient; address: string }> {
  const account = privateKeyToAccount(settings.privateKey as Hex);
  const chain = settings.chainId === 80002 ? polygonAmoy : polygon;
  // Signing is local; the transport is never used for it (no RPC call is made to sign).
  const signer = createWalletClient({
    account,
    chain,
    transport: http(settings.rpcUrl ?? "http://127.0.0.1:1"),
  });
  let creds: ApiKeyCreds | undefined = settings.creds ?? undefined;
  if (creds === undefined) {
    // L1: derive (or create) the API key from the wallet signature.
    const l1 = new ClobClient({ host: settings.host, chain: chainOf(settings), signer });
    creds = await l1.createOrDeriveApiKey();
    if (typeof creds.key !== "string" || creds.key === "") {
      throw new VenueError("LIVE_AUTH", "could not create or derive an API key");
    }
  }
  const client = new ClobClient({
    host: settings.host,
    chain: chainOf(settings),
    signer,
    creds,
    signatureType: SIGNATURE_TYPES[settings.signatureType],
    ...(settings.funderAddress === undefined ? {} : { funderAddress: settings.funderAddress }),
  });
  return { client, address: account.address };
}

/** The EIP-712 hash of a signed V2 order: the id the venue gives it. */
export function orderHashOf(chainId: 137 | 80002, signed: SignedOrder, negRisk: boolean): string {
  const cfg = getContractConfig(chainId);
  const o = signed as unknown as Record<string, string | number>;
  return hashTypedData({
    domain: orderV2Domain(chainId, (negRisk ? cfg.negRiskExchangeV2 : cfg.exchangeV2) as Hex),
    types: ORDER_V2_TYPES,
    primaryType: "Order",
    message: {
      salt: BigInt(o.salt ?? 0),
      maker: String(o.maker) as Hex,
      signer: String(o.signer) as Hex,
      tokenId: BigInt(o.tokenId ?? 0),
      makerAmount: BigInt(o.makerAmount ?? 0),
      takerAmount: BigInt(o.takerAmount ?? 0),
      side: o.side === "SELL" || o.side === 1 ? 1 : 0,
      signatureType: Number(o.signatureType),
      timestamp: BigInt(o.timestamp ?? 0),
      metadata: String(o.metadata) as Hex,
      builder: String(o.builder) as Hex,
    },
  });
}

const SIGNATURE_TYPES = [
  SignatureTypeV2.EOA,
  SignatureTypeV2.POLY_PROXY,
  SignatureTypeV2.POLY_GNOSIS_SAFE,
  SignatureTypeV2.POLY_1271,
] as const;

function chainOf(settings: LiveVenueSettings): Chain {
  return settings.chainId === 80002 ? Chain.AMOY : Chain.POLYGON;
}

export function clobType(t: OrderType): ClobOrderType {
  switch (t) {
    case "GTC":
      return ClobOrderType.GTC;
    case "GTD":
      return ClobOrderType.GTD;
    case "FOK":
      return ClobOrderType.FOK;
    case "FAK":
      return ClobOrderType.FAK;
  }
}
