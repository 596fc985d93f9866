/**
 * Our account at the simulated venue: collateral, collateral reserved by resting BUYs, shares per
 * token and shares reserved by resting SELLs. Integers only. Liquidity providers have no ledger:
 * they are not balance-limited.
 */
export class Ledger {
  collateral: number;
  allowance: number;
  reservedCollateral = 0;
  private readonly shares = new Map<string, number>();
  private readonly reservedShares = new Map<string, number>();

  constructor(startingCollateral: number, allowance: number) {
    assertInt("startingCollateral", startingCollateral);
    this.collateral = startingCollateral;
    this.allowance = allowance;
  }

  availableCollateral(): number {
    return this.collateral - this.reservedCollateral;
  }

  sharesOf(tokenId: string): number {
    return this.shares.get(tokenId) ?? 0;
  }

  reservedSharesOf(tokenId: string): number {
    return this.reservedShares.get(tokenId) ?? 0;
  }

  availableShares(tokenId: string): number {
    return this.sharesOf(tokenId) - this.reservedSharesOf(tokenId);
  }

  /** Tokens with a non-zero position, in first-touched order. */
  positions(): { tokenId: string; shares: number }[] {
    return [...this.shares.entries()]
      .filter(([, s]) => s !== 0)
      .map(([tokenId, shares]) => ({ tokenId, shares }));
  }

  addCollateral(delta: number): void {
    assertInt("collateral delta", delta);
    this.collateral += delta;
  }

  addShares(tokenId: string, delta: number): void {
    assertInt("shares delta", delta);
    this.shares.set(tokenId, this.sharesOf(tokenId) + delta);
  }

  reserveCollateral(amount: number): void {
    assertInt("reserve", amount);
    this.reservedCollateral += amount;
    if (this.reservedCollateral < 0) throw new Error("Invariant: reserved collateral < 0");
  }

  reserveShares(tokenId: string, amount: number): void {
    assertInt("reserve shares", amount);
    const next = this.reservedSharesOf(tokenId) + amount;
    if (next < 0) throw new Error(`Invariant: reserved shares of ${tokenId} < 0`);
    if (next === 0) this.reservedShares.delete(tokenId);
    else this.reservedShares.set(tokenId, next);
  }

  /** Drops a settled token from the books (after resolution). */
  clearToken(tokenId: string): void {
    if (this.reservedSharesOf(tokenId) !== 0) {
      throw new Error(`Invariant: clearing ${tokenId} with shares still reserved`);
    }
    this.shares.delete(tokenId);
  }

  reservedSharesTotal(): Map<string, number> {
    return new Map(this.reservedShares);
  }
}

function assertInt(what: string, n: number): void {
  if (!Number.isSafeInteger(n)) throw new Error(`Invariant: ${what} is not an integer: ${n}`);
}

/** The account the Venue port acts for; other accounts are opened by name (`Accounts.open`). */
export const MAIN_ACCOUNT = "";

/**
 * Every account trading at the venue, each its own Ledger: the port's (`MAIN_ACCOUNT`) and the
 * ones opened for other traders (the Polymarket-compatible server opens one per wallet).
 */
export class Accounts {
  private readonly others = new Map<string, Ledger>();

  constructor(readonly main: Ledger) {}

  of(account: string): Ledger {
    if (account === MAIN_ACCOUNT) return this.main;
    const l = this.others.get(account);
    if (l === undefined) throw new Error(`Invariant: unknown account ${JSON.stringify(account)}`);
    return l;
  }

  has(account: string): boolean {
    return account === MAIN_ACCOUNT || this.others.has(account);
  }

  /** Opens `account` with its starting collateral; an error if it exists. */
  open(account: string, startingCollateral: number, allowance: number): Ledger {
    if (this.has(account)) throw new Error(`account ${JSON.stringify(account)} already exists`);
    const l = new Ledger(startingCollateral, allowance);
    this.others.set(account, l);
    return l;
  }

  /** Every account with its ledger, the main one first. */
  all(): [string, Ledger][] {
    return [[MAIN_ACCOUNT, this.main], ...this.others.entries()];
  }
}
