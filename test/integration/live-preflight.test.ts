/**
 * `predator preflight` against `predator venue`: every check passes on a ready setup, and each
 * problem (wrong chain, kill switch on, unknown token, an agent down, bad credentials, no RPC)
 * fails its own line with a specific reason. The chain RPC is the ChainReader port (a fake here).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { MemoryStore } from "../../infra/store/memory.ts";
import { startPolyVenue, type PolyVenue } from "../../infra/venue-poly/index.ts";
import { cachedChain, loadLiveVenue, type ChainReader } from "../../infra/venue-live/index.ts";
import {
  runPreflight,
  type CheckLine,
  type PreflightInputs,
} from "../../infra/cli/commands/preflight.ts";

const KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const M = 1_000_000;

let poly: PolyVenue;
const store = new MemoryStore();

const chain = (id = 137, balance = 500 * M): ChainReader => ({
  chainId: () => Promise.resolve(id),
  collateral: () => Promise.resolve({ balance, allowance: 1_000 * M }),
});
const healthy = () =>
  Promise.resolve({
    state: "ACTIVE",
    agents: ["cro", "execution"].map((agent) => ({ agent, instance: "1", alive: true })),
  });

function inputs(over: Partial<PreflightInputs> = {}): PreflightInputs {
  const clock = new SystemClock();
  return {
    venue: () =>
      loadLiveVenue(
        {
          host: poly.url,
          wsUrl: poly.wsUrl,
          chainId: 137,
          privateKey: KEY,
          creds: null,
          signatureType: 0,
        },
        { clock, rng: new SeededRng(4) },
      ),
    chain: chain(),
    chainId: 137,
    controls: () => store.getControls(),
    croState: healthy,
    tokenIds: [],
    minimumCollateral: 5 * M,
    timeoutMs: 5_000,
    ...over,
  };
}

const byName = (lines: CheckLine[]) => Object.fromEntries(lines.map((l) => [l.name, l]));

beforeAll(async () => {
  poly = await startPolyVenue({ clock: new SystemClock(), rng: new SeededRng(8) });
  const now = Date.now();
  for (const [k, v] of Object.entries({
    trading_mode: "live",
    position_cap_usd: "5",
    daily_drawdown_usd: "20",
    session_loss_usd: "15",
    orders_per_window_max: "2",
    kill_switch: "off",
  })) {
    await store.setControl(k, v, "test", now);
  }
});

afterAll(async () => {
  await poly.stop();
});

describe("preflight", () => {
  it("passes every check on a ready setup", async () => {
    const lines = await runPreflight(inputs());
    expect(lines.map((l) => l.name)).toEqual([
      "credentials",
      "chain",
      "balance",
      "allowance",
      "token ids",
      "limits",
      "kill switch",
      "agents",
    ]);
    expect(lines.filter((l) => !l.ok)).toEqual([]);
  });

  it("fails each line for its own reason", async () => {
    await store.setControl("kill_switch", "on", "test", Date.now());
    try {
      const lines = byName(
        await runPreflight(
          inputs({
            chain: chain(80002, 1 * M),
            tokenIds: ["123456"],
            croState: () =>
              Promise.resolve({
                state: "HALTED",
                agents: [{ agent: "execution", instance: "1", alive: false }],
              }),
          }),
        ),
      );
      expect(lines.credentials?.ok).toBe(true);
      expect(lines.chain).toMatchObject({
        ok: false,
        detail: "RPC is on chain 80002, expected 137",
      });
      expect(lines.balance?.ok).toBe(false); // $1 on-chain < $5
      expect(lines["token ids"]).toMatchObject({ ok: false, detail: "no book for 123456" });
      expect(lines["kill switch"]).toMatchObject({ ok: false, detail: "ON: trading is halted" });
      expect(lines.agents).toMatchObject({ ok: false, detail: "not alive: execution.1" });
    } finally {
      await store.setControl("kill_switch", "off", "test", Date.now());
    }
  });

  it("without credentials, an RPC, a store or a bus it says which is missing", async () => {
    const lines = byName(
      await runPreflight(
        inputs({
          venue: () => Promise.reject(new Error("POLY_PRIVATE_KEY: required in LIVE mode")),
          chain: null,
          controls: null,
          croState: null,
        }),
      ),
    );
    expect(lines.credentials).toMatchObject({
      ok: false,
      detail: "POLY_PRIVATE_KEY: required in LIVE mode",
    });
    expect(lines.chain?.detail).toContain("POLY_RPC_URL is not set");
    expect(lines.limits?.detail).toContain("DATABASE_URL is not set");
    expect(lines.agents?.detail).toContain("NATS_URL is not set");
  });

  it("the on-chain read is cached for at most 30 s", async () => {
    let reads = 0;
    let now = 1_000;
    const clock = { now: () => now } as unknown as SystemClock;
    const c = cachedChain(
      {
        chainId: () => Promise.resolve(137),
        collateral: () => {
          reads++;
          return Promise.resolve({ balance: reads, allowance: 0 });
        },
      },
      clock,
    );
    await c.collateral("0xA");
    now += 29_999;
    expect((await c.collateral("0xa")).balance).toBe(1); // same owner, any case: cached
    now += 1;
    expect((await c.collateral("0xA")).balance).toBe(2); // 30 s: read again
    expect(() => cachedChain(c, clock, 30_001)).toThrow(/0..30000/);
  });
});
