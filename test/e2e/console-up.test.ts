/**
 * The operator console end to end against `predator up --api-port N`: the multi-process fleet on a
 * private nats-server and a fresh PostgreSQL database, in a real browser. The page opened from
 * the printed URL shows ACTIVE; PAUSE goes through its dialog and the CRO, the page shows PAUSED,
 * `predator status --json` (a CLI process on the same NATS_URL/DATABASE_URL) agrees and the audit
 * log names the http actor; RESUME gives ACTIVE again; every view renders with no page error; the
 * view token may read and not act; SIGTERM stops `up` cleanly with the browser still connected.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import type { Browser, Page } from "playwright-core";
import { freePort, startNatsServer, type NatsServerHandle } from "../harness/nats.ts";
import { createTestDatabase } from "../harness/postgres.ts";
import { PREDATOR_CLI, waitFor } from "../support/processes.ts";
import { haveChromium, launch, pageErrors, shot } from "./browser.ts";

const run = promisify(execFile);
const VIEW_TOKEN = "console-up-view-token-0123456789";
/** Bounds (wall time) on a loaded 2-core machine. */
const CONSOLE_UP_MS = 60_000;
const ACTIVE_MS = 60_000;
const CLI_TIMEOUT_MS = 30_000;
const STOP_MS = 30_000;

describe.skipIf(!haveChromium)("operator console against predator up (NATS + PostgreSQL)", () => {
  let nats: NatsServerHandle | null = null;
  let db: { url: string; drop(): Promise<void> } | null = null;
  let up: ChildProcess | null = null;
  let upExit: Promise<number | null> = Promise.resolve(null);
  let output = "";
  let browser: Browser | null = null;
  let page: Page;
  let errors: string[];
  let openUrl = "";
  let origin = "";
  let token = "";

  const env = (): Record<string, string | undefined> => {
    const e: Record<string, string | undefined> = {
      ...process.env,
      NATS_URL: nats?.url,
      DATABASE_URL: db?.url,
      PREDATOR_VIEW_TOKEN: VIEW_TOKEN,
      LOG_LEVEL: "warn",
    };
    // `up` makes a fresh operator token and prints it in the URL.
    delete e.PREDATOR_API_TOKEN;
    return e;
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase();
    const port = await freePort();
    up = spawn(
      process.execPath,
      [
        PREDATOR_CLI,
        "up",
        "--api-port",
        String(port),
        "--api-host",
        "127.0.0.1",
        "--window-seconds",
        "70",
        "--seed",
        "5",
        "--status-every-s",
        "3600",
      ],
      // `up` leads its own process group, so afterAll can take the whole fleet down.
      { env: env(), stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    const child = up;
    upExit = new Promise((resolve) => child.once("exit", resolve));
    const collect = (chunk: Buffer) => {
      output += chunk.toString("utf8");
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const line = await waitFor(
      "predator up to print the console's URL",
      () => output.split("\n").find((l) => l.startsWith("predator up: console at http")),
      { timeoutMs: CONSOLE_UP_MS, pollMs: 100, describe: () => output },
    );
    openUrl = line.replace(/^.*console at /, "").trim();
    origin = new URL(openUrl).origin;
    token = decodeURIComponent(openUrl.replace(/^.*#token=/, ""));
    expect(origin).toBe(`http://127.0.0.1:${port}`);
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors = pageErrors(page);
  }, CONSOLE_UP_MS + 30_000);

  afterAll(async () => {
    await browser?.close();
    const pid = up?.pid;
    if (pid !== undefined && up?.exitCode === null && up.signalCode === null) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
      await upExit;
    }
    await db?.drop();
    await nats?.stop();
  }, 60_000);

  const state = () => page.getByTestId("trading-state");
  async function status(): Promise<{ cro: { state: string; reason: string } | null }> {
    const { stdout } = await run(process.execPath, [PREDATOR_CLI, "status", "--json"], {
      env: env(),
      timeout: CLI_TIMEOUT_MS,
    });
    return JSON.parse(stdout) as { cro: { state: string; reason: string } | null };
  }
  async function api(path: string, as: string, body?: unknown): Promise<Response> {
    return fetch(`${origin}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${as}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  it("opens from the printed URL and shows ACTIVE, with the fleet's agents", async () => {
    onTestFailed(() => {
      process.stderr.write(`predator up output:\n${output.slice(-8000)}\n`);
    });
    await page.goto(openUrl);
    await expect.poll(() => state().textContent(), { timeout: ACTIVE_MS }).toBe("ACTIVE");
    expect(page.url()).not.toContain("token");
    await page.getByRole("region", { name: "System health" }).waitFor();
    const snapshot = (await (await api("/api/snapshot", token)).json()) as {
      store: string;
      mode: string;
    };
    expect(snapshot).toMatchObject({ store: "postgresql", mode: "PAPER" });
  });

  it("PAUSE: dialog, reason, Confirm; the page and `predator status` show PAUSED, audited as http", async () => {
    await page.getByRole("button", { name: "PAUSE" }).click();
    const dialog = page.getByRole("dialog", { name: "Pause trading" });
    await dialog.waitFor();
    await dialog.getByLabel("Reason (required)").fill("e2e up: pausing from the console");
    await dialog.getByRole("button", { name: "Confirm PAUSE" }).click();
    await expect.poll(() => state().textContent(), { timeout: 10_000 }).toBe("PAUSED");
    expect(await page.getByTestId("trading-reason").textContent()).toMatch(
      /e2e up: pausing from the console \(by http:token-[0-9a-f]{8}@127\.0\.0\.1\)/,
    );
    const s = await status();
    expect(s.cro?.state).toBe("PAUSED");
    expect(s.cro?.reason).toContain("e2e up: pausing from the console");
    const sql = new pg.Client({ connectionString: db?.url });
    await sql.connect();
    try {
      const audit = await sql.query<{ detail: { actor: string; reason: string } }>(
        "SELECT detail FROM audit_log WHERE kind = 'operator.halt' ORDER BY id",
      );
      expect(audit.rows.map((r) => [r.detail.actor, r.detail.reason])).toEqual([
        [
          expect.stringMatching(/^http:token-[0-9a-f]{8}@127\.0\.0\.1$/),
          "e2e up: pausing from the console",
        ],
      ]);
    } finally {
      await sql.end();
    }
  });

  it("RESUME goes back to ACTIVE through the CRO", async () => {
    await page.getByRole("button", { name: "RESUME", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Resume trading" });
    await dialog.getByLabel("Reason (required)").fill("e2e up: done");
    await dialog.getByRole("button", { name: "Confirm RESUME" }).click();
    await expect.poll(() => state().textContent(), { timeout: 15_000 }).toBe("ACTIVE");
    expect((await status()).cro?.state).toBe("ACTIVE");
    await page.getByText("e2e up: done").first().waitFor();
    await page.evaluate(
      "document.activeElement instanceof HTMLElement && document.activeElement.blur()",
    );
    await shot(page, "command-center-up");
  });

  it("renders every view with no page error", async () => {
    for (const [name, heading] of [
      ["Instrument", "Current window"],
      ["Risk", "Runtime controls"],
      ["Trade History", null],
      ["Command Center", "Activity"],
    ] as const) {
      await page.getByRole("link", { name }).click();
      if (heading !== null) await page.getByRole("heading", { name: heading }).waitFor();
      else await page.getByRole("form", { name: "Trade filters" }).waitFor();
      await page.getByRole("region", { name: "System health" }).waitFor();
    }
    expect(errors).toEqual([]);
  });

  it("lets PREDATOR_VIEW_TOKEN read and not act (403)", async () => {
    expect(await (await api("/api/whoami", VIEW_TOKEN)).json()).toEqual({ role: "viewer" });
    const halt = await api("/api/halt", VIEW_TOKEN, { level: "pause", reason: "viewer tries" });
    expect(halt.status).toBe(403);
    expect((await status()).cro?.state).toBe("ACTIVE");
  });

  it("a second up on the console's port exits 2 at once, naming --api-port, with nothing left running", async () => {
    const port = new URL(origin).port;
    const started = Date.now();
    const second = await run(
      process.execPath,
      [
        PREDATOR_CLI,
        "up",
        "--api-port",
        port,
        "--window-seconds",
        "70",
        "--status-every-s",
        "3600",
      ],
      // SIGKILL: a process stuck after its error ignores SIGTERM (up waits for it).
      { env: env(), timeout: CLI_TIMEOUT_MS, killSignal: "SIGKILL" },
    ).then(
      () => ({ code: 0, stdout: "", stderr: "" }),
      (error: unknown) => {
        const e = error as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
      },
    );
    // The process ends by itself: its NATS connection and the console's pool are closed.
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr.trim()).toMatch(
      new RegExp(`^predator: --api-port: 127\\.0\\.0\\.1:${port} is already in use`),
    );
    expect(second.stdout).not.toContain("processes");
    expect(Date.now() - started).toBeLessThan(CLI_TIMEOUT_MS);
    expect((await status()).cro?.state).toBe("ACTIVE");
  });

  it(
    "stops cleanly on SIGTERM with the browser still connected",
    async () => {
      up?.kill("SIGTERM");
      const code = await Promise.race([
        upExit,
        new Promise<string>((resolve) => {
          setTimeout(() => {
            resolve("still running");
          }, STOP_MS);
        }),
      ]);
      expect(code, output.slice(-4000)).toBe(0);
      expect(output).toContain("predator up: stopped cleanly");
      await page
        .getByRole("alert")
        .filter({ hasText: "Disconnected" })
        .waitFor({ timeout: 10_000 });
    },
    STOP_MS + 15_000,
  );
});
