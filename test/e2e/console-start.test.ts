/**
 * The operator console end to end, against `predator start` (the `npm start` path: embedded
 * fleet, in-memory bus and store) in a real browser. The page shows ACTIVE; PAUSE and RESUME go
 * through their dialogs and the CRO (and `predator status --json` agrees); every view renders
 * with no page error; a refused control shows the CRO's reason next to the field; the trade
 * filter and CSV export equal the server's rows; a wrong token gets the prompt.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { haveChromium, launch, pageErrors, shot } from "./browser.ts";

const run = promisify(execFile);
const PREDATOR = join(import.meta.dirname, "../../infra/cli/predator.js");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Resolves with the first stdout line matching `pattern`, or rejects after `timeoutMs`. */
function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(() => {
      reject(new Error(`no line matching ${String(pattern)} within ${timeoutMs} ms:\n${buffered}`));
    }, timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const match = buffered.split("\n").find((line) => pattern.test(line));
      if (match !== undefined) {
        clearTimeout(timer);
        resolve(match);
      }
    });
  });
}

describe.skipIf(!haveChromium)("operator console against npm start (embedded)", () => {
  const stateDir = mkdtempSync(join(tmpdir(), "predator-console-e2e-"));
  const env: Record<string, string | undefined> = {
    ...process.env,
    PREDATOR_STATE_DIR: stateDir,
    LOG_LEVEL: "warn",
  };
  delete env.NATS_URL;
  delete env.DATABASE_URL;
  delete env.PREDATOR_API_TOKEN;
  let child: ChildProcess;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let openUrl = "";
  let origin = "";
  let token = "";

  beforeAll(async () => {
    const port = await freePort();
    child = spawn(
      process.execPath,
      [
        PREDATOR,
        "start",
        "--window-seconds",
        "70",
        "--seed",
        "7",
        "--api-port",
        String(port),
        "--status-every-s",
        "60",
      ],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    const line = await waitForLine(child, /console at http/, 60_000);
    openUrl = line.replace(/^.*console at /, "").trim();
    origin = new URL(openUrl).origin;
    token = decodeURIComponent(openUrl.replace(/^.*#token=/, ""));
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors = pageErrors(page);
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  });

  const state = () => page.getByTestId("trading-state");
  async function status(): Promise<{ cro: { state: string; reason: string } | null }> {
    const { stdout } = await run(process.execPath, [PREDATOR, "status", "--json"], {
      env,
      timeout: 30_000,
    });
    return JSON.parse(stdout) as { cro: { state: string; reason: string } | null };
  }
  async function api<T>(path: string): Promise<T> {
    const res = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return (await res.json()) as T;
  }

  it("opens from the printed URL, takes the token out of the address bar, shows ACTIVE", async () => {
    await page.goto(openUrl);
    await expect.poll(() => state().textContent(), { timeout: 30_000 }).toBe("ACTIVE");
    expect(page.url()).not.toContain("token");
    await page.getByRole("region", { name: "System health" }).waitFor();
    await shot(page, "command-center");
  });

  it("PAUSE: dialog, reason required, Confirm; the page and `predator status` show PAUSED", async () => {
    await page.getByRole("button", { name: "PAUSE" }).click();
    const dialog = page.getByRole("dialog", { name: "Pause trading" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Confirm PAUSE" }).click();
    await dialog.getByRole("alert").filter({ hasText: "A reason is required" }).waitFor();
    await dialog.getByLabel("Reason (required)").fill("e2e: checking the console");
    const clicked = Date.now();
    await dialog.getByRole("button", { name: "Confirm PAUSE" }).click();
    await expect.poll(() => state().textContent(), { timeout: 5_000 }).toBe("PAUSED");
    expect(Date.now() - clicked).toBeLessThan(1_000 + 500);
    expect(await page.getByTestId("trading-reason").textContent()).toMatch(
      /e2e: checking the console \(by http:token-[0-9a-f]{8}@127\.0\.0\.1\)/,
    );
    const s = await status();
    expect(s.cro?.state).toBe("PAUSED");
    expect(s.cro?.reason).toContain("e2e: checking the console");
    await shot(page, "command-center-paused");
  });

  it("RESUME goes back to ACTIVE through the CRO", async () => {
    await page.getByRole("button", { name: "RESUME", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Resume trading" });
    await dialog.getByLabel("Reason (required)").fill("e2e: done");
    await dialog.getByRole("button", { name: "Confirm RESUME" }).click();
    await expect.poll(() => state().textContent(), { timeout: 15_000 }).toBe("ACTIVE");
    expect((await status()).cro?.state).toBe("ACTIVE");
  });

  it("renders every view with no page error", async () => {
    for (const [name, heading, file] of [
      ["Instrument", "Current window", "instrument"],
      ["Risk", "Runtime controls", "risk"],
      ["Trade History", null, "trade-history"],
      ["Command Center", "Activity", "command-center"],
    ] as const) {
      await page.getByRole("link", { name }).click();
      if (heading !== null) await page.getByRole("heading", { name: heading }).waitFor();
      else await page.getByRole("form", { name: "Trade filters" }).waitFor();
      await page.getByRole("region", { name: "System health" }).waitFor();
      if (name !== "Command Center") await shot(page, file);
    }
    expect(errors).toEqual([]);
  });

  it("shows the CRO's refusal next to a control field, and applies a valid value", async () => {
    await page.getByRole("link", { name: "Risk" }).click();
    const refusal = await fetch(`${origin}/api/controls`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ key: "position_cap_usd", value: "abc", reason: "e2e" }),
    });
    const { error } = (await refusal.json()) as { error: string };
    expect(error).toBe("position_cap_usd: expected dollars, e.g. 5 or 12.50");
    await page.getByLabel("Reason for changes (required)").fill("e2e: cap check");
    const field = page.getByRole("textbox", { name: "position_cap_usd", exact: true });
    await field.fill("abc");
    await page.getByRole("button", { name: "Save position_cap_usd" }).click();
    await page.getByRole("alert").filter({ hasText: error }).waitFor();
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    await field.fill("6");
    await page.getByRole("button", { name: "Save position_cap_usd" }).click();
    await page.getByRole("status").filter({ hasText: "Saved position_cap_usd = 6" }).waitFor();
    const controls = await api<{ rows: { key: string; value: string; updatedBy: string }[] }>(
      "/api/controls",
    );
    const cap = controls.rows.find((r) => r.key === "position_cap_usd");
    expect(cap?.value).toBe("6");
    expect(cap?.updatedBy).toMatch(/^http:token-/);
  });

  it("filters trades on the server and exports exactly the filtered rows as CSV", async () => {
    // The canary buys once per window, 10–25 s into each 70 s window.
    await expect
      .poll(async () => (await api<{ total: number }>("/api/trades")).total, {
        timeout: 150_000,
        interval: 1_000,
      })
      .toBeGreaterThan(0);
    await page.getByRole("link", { name: "Trade History" }).click();
    await page.getByLabel("Strategy").fill("canary");
    await page.getByRole("button", { name: "Apply filters" }).click();
    const expected = await api<{ rows: { tradeId: string }[]; total: number }>(
      "/api/trades?strategy=canary&limit=500",
    );
    await page
      .getByRole("status", { name: "Trade count" })
      .filter({ hasText: `${expected.total} trades match` })
      .waitFor();
    const shown: (string | null)[] = [];
    for (const row of await page.locator("[data-trade-id]").all())
      shown.push(await row.getAttribute("data-trade-id"));
    expect(shown).toEqual(expected.rows.map((r) => r.tradeId).slice(0, shown.length));
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    const file = await (await download).path();
    const { readFile } = await import("node:fs/promises");
    const csv = (await readFile(file, "utf8")).trim().split("\r\n");
    expect(csv.slice(1).map((line) => line.split(",")[0])).toEqual(
      expected.rows.map((r) => r.tradeId),
    );
    await shot(page, "trade-history");
    expect(errors).toEqual([]);
  }, 200_000);

  it("is readable at 375 px wide, in dark mode", async () => {
    const phone = await browser.newPage({
      viewport: { width: 375, height: 800 },
      colorScheme: "dark",
    });
    const phoneErrors = pageErrors(phone);
    await phone.goto(openUrl);
    await expect
      .poll(() => phone.getByTestId("trading-state").textContent(), { timeout: 10_000 })
      .toBe("ACTIVE");
    const overflow = await phone.evaluate<number>("document.documentElement.scrollWidth");
    expect(overflow).toBeLessThanOrEqual(375);
    await shot(phone, "command-center-phone-dark");
    expect(phoneErrors).toEqual([]);
    await phone.close();
  });

  it("asks for a token (401) instead of a blank page when the token is wrong", async () => {
    const other = await browser.newPage();
    await other.goto(`${origin}/#token=not-the-token-0000000000`);
    await other.getByRole("alert").filter({ hasText: "refused this token (401)" }).waitFor();
    await other.getByLabel("Token").fill(token);
    await other.getByRole("button", { name: "Open the console" }).click();
    await other.getByTestId("trading-state").waitFor();
    await other.close();
  });
});
