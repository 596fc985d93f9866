/**
 * The EIP-712 shape of a Polymarket CLOB V2 order: one definition for the side that signs and
 * hashes orders (the live adapter) and the side that verifies them (the compatible venue), so the
 * two cannot drift apart. Plain data: no signing library is loaded by importing it.
 */
export const ORDER_V2_TYPES = {
  Order: [
    { name: "salt", type: "uint256" },
    { name: "maker", type: "address" },
    { name: "signer", type: "address" },
    { name: "tokenId", type: "uint256" },
    { name: "makerAmount", type: "uint256" },
    { name: "takerAmount", type: "uint256" },
    { name: "side", type: "uint8" },
    { name: "signatureType", type: "uint8" },
    { name: "timestamp", type: "uint256" },
    { name: "metadata", type: "bytes32" },
    { name: "builder", type: "bytes32" },
  ],
} as const;

/** The CTF Exchange V2 signing domain on `chainId` for the given exchange contract. */
export function orderV2Domain(chainId: number, verifyingContract: `0x${string}`) {
  return { name: "Polymarket CTF Exchange", version: "2", chainId, verifyingContract } as const;
}
