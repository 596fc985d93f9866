/**
 * The console's feed across a server restart, in a real browser: the ops HTTP server stops (the
 * page says "disconnected"), events keep coming into the read model, the server comes back on the
 * same port, and the page reconnects with backoff and resumes after the last id it saw — every
 * event exactly once, none missing.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { SystemClock } from "../../bus/clock.ts";
import { ConsoleHub } from "../../infra/app/console/hub.ts";
import { DASHBOARD_DIST } from "../../infra/app/console/build.ts";
import { startApi, type ApiDeps, type RunningApi } from "../../infra/app/http.ts";
import { MemoryStore } from "../../infra/store/memory.ts";
import { haveChromium, launch, pageErrors } from "./browser.ts";

const TOKEN = "restart-test-token-0123456789";
const T0 = 1_767_225_600_000;

describe.skipIf(!haveChromium)("console feed across a server restart", () => {
  let browser: Browser | null = null;
  let api: RunningApi | null = null;
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it("shows disconnected, reconnects, and resumes with no gap and no duplicate", async () => {
    const clock = new SystemClock();
    const hub = new ConsoleHub({ clock, stream: "restart", mode: "SIM", store: "embedded" });
    const deps: ApiDeps = {
      token: TOKEN,
      operator: { send: () => Promise.reject(new Error("no CRO in this test")) },
      status: () => Promise.resolve({ cro: null, agents: [], unhealthy: [], healthy: false }),
      metrics: { text: () => Promise.resolve(""), contentType: "text/plain" },
      console: { hub, store: new MemoryStore(), clock, staticDir: DASHBOARD_DIST },
    };
    for (let i = 1; i <= 5; i++) hub.push("alert", T0 + i, `before ${i}`, {});
    api = await startApi(deps, { host: "127.0.0.1", port: 0 });
    const port = api.port;
    browser = await launch();
    const page = await browser.newPage();
    const errors = pageErrors(page);
    // A reset reloads the recent past from /api/activity; a resume does not need to.
    let activityLoads = 0;
    page.on("request", (r) => {
      if (new URL(r.url()).pathname === "/api/activity") activityLoads++;
    });
    const ids = async () => {
      const out: number[] = [];
      for (const li of await page.locator("[data-event-id]").all())
        out.push(Number(await li.getAttribute("data-event-id")));
      return out.sort((a, b) => a - b);
    };
    await page.goto(`http://127.0.0.1:${port}/#token=${TOKEN}`);
    hub.push("alert", T0 + 6, "live 6", {});
    await expect.poll(ids, { timeout: 10_000 }).toEqual([1, 2, 3, 4, 5, 6]);

    await api.close();
    await page.getByRole("alert").filter({ hasText: "Disconnected" }).waitFor({ timeout: 10_000 });
    for (let i = 7; i <= 9; i++) hub.push("alert", T0 + i, `while down ${i}`, {});

    api = await startApi(deps, { host: "127.0.0.1", port });
    hub.push("alert", T0 + 10, "after 10", {});
    await expect.poll(ids, { timeout: 15_000 }).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await page
      .getByRole("alert")
      .filter({ hasText: "Disconnected" })
      .waitFor({ state: "detached" });
    expect(activityLoads).toBe(1);
    expect(errors).toEqual([]);
  }, 60_000);
});
