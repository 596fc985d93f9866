/** Integer amount helpers the simulated venue needs beyond contracts/money.ts. */
import { MICRO, takerFee } from "../../contracts/money.ts";

/** shares × price / MICRO rounded up: what a resting BUY reserves, so releasing it always covers
 * the (floored) cost of any split of its fills. */
export function ceilNotional(sharesMicro: number, priceMicro: number): number {
  const n = BigInt(sharesMicro) * BigInt(priceMicro);
  const m = BigInt(MICRO);
  return Number((n + m - 1n) / m);
}

/** The highest taker fee a BUY of `size` with limit `limit` can pay: p(1−p) peaks at 0.5. */
export function worstCaseFee(size: number, limit: number, rateBps: number): number {
  const worstPrice = Math.min(limit, MICRO / 2);
  return takerFee(size, worstPrice, rateBps);
}

export function isMultipleOf(value: number, step: number): boolean {
  return value % step === 0;
}

export function floorToStep(value: number, step: number): number {
  return Math.floor(value / step) * step;
}

export function ceilToStep(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}
