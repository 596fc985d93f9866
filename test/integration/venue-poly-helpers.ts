/**
 * Helpers for the `predator venue` tests: a viem wallet from the public Hardhat test key, the
 * official ClobClient pointed at a local venue, a WebSocket collector and a bounded wait.
 */
import { Chain, ClobClient } from "@polymarket/clob-client-v2";
import { createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { polygon } from "viem/chains";
import { WebSocket } from "ws";

/** Hardhat account #0 — public, never funded on any real chain. */
export const TEST_PRIVATE_KEY =
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80" as const;
export const OTHER_PRIVATE_KEY =
  "0x59c6995e998f97a5a0044966f0945389dc9c86dae88c7a8412f4603b6b78690d" as const;

export function testWallet(key: `0x${string}` = TEST_PRIVATE_KEY) {
  // Signing is local; the transport is never called.
  return createWalletClient({
    account: privateKeyToAccount(key),
    chain: polygon,
    transport: http("http://127.0.0.1:9"),
  });
}

export function clobClient(
  host: string,
  creds?: { key: string; secret: string; passphrase: string },
  key: `0x${string}` = TEST_PRIVATE_KEY,
): ClobClient {
  return new ClobClient({
    host,
    chain: Chain.POLYGON,
    signer: testWallet(key),
    ...(creds === undefined ? {} : { creds }),
  });
}

/** Polls `fn` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A WebSocket that records every text frame (parsed JSON, or the raw text when not JSON). */
export class WsProbe {
  readonly frames: unknown[] = [];
  readonly raw: string[] = [];
  closed = false;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => {
      const text = data.toString("utf8");
      this.raw.push(text);
      try {
        this.frames.push(JSON.parse(text));
      } catch {
        this.frames.push(text);
      }
    });
    ws.on("close", () => {
      this.closed = true;
    });
  }

  static async open(url: string): Promise<WsProbe> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => {
        resolve();
      });
      ws.once("error", reject);
    });
    return new WsProbe(ws);
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === "string" ? msg : JSON.stringify(msg));
  }

  /** Every event object received so far (arrays flattened). */
  events(): Record<string, unknown>[] {
    return this.frames.flatMap((f) =>
      Array.isArray(f)
        ? (f as Record<string, unknown>[])
        : typeof f === "object" && f !== null
          ? [f as Record<string, unknown>]
          : [],
    );
  }

  async next(
    what: string,
    pred: (e: Record<string, unknown>) => boolean,
    timeoutMs = 5_000,
  ): Promise<Record<string, unknown>> {
    return waitFor(what, () => this.events().find(pred), timeoutMs);
  }

  close(): void {
    this.ws.close();
  }
}
