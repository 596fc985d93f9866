/**
 * The operator console in a real browser (issue 15): event latency from the bus to the browser at
 * 1,000 events/s, the first load on localhost, and the JS bundle's gzipped size.
 *
 * The console server is the one `npm start` runs (startConsole: read model, REST, WebSocket, the
 * built app) on the embedded fleet's in-memory bus, with a publisher in this process standing in
 * for the agents: RATE `strategy.intent` messages a second, each one an Activity row. Headless
 * chromium (the e2e tests' launch, test/e2e/browser.ts) opens the printed URL with a fresh profile
 * each run; an init script stamps, in the page, when each event's WebSocket frame arrives (before
 * the app's own handler runs; the server batches the events of one burst into one frame, and each
 * event of a frame gets the frame's arrival time) and when its row enters the DOM (a MutationObserver on the feed).
 * The publisher stamps each message just before `bus.publish`. Both stamps are
 * `performance.timeOrigin + performance.now()` on this machine; the page's offset from this
 * process is measured by round trips before each run (the one with the shortest round trip wins)
 * and taken off.
 *
 * Reported: p50 and p99 of each run, the median over RUNS runs, beside the 100 ms target; events
 * lost (should be 0); the rate achieved; the first load (navigation to the trading state on screen,
 * empty cache) beside 1 s; and the gzipped size of the built JS beside 400 kB (1 kB = 1,000 bytes).
 * Without chromium the browser rows are replaced by one SKIPPED row that says why.
 */
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { SystemClock } from "../bus/clock.ts";
import { MemoryBroker } from "../bus/memory.ts";
import { MessageFactory } from "../bus/messages.ts";
import { NatsBus } from "../bus/nats.ts";
import { SystemRng } from "../bus/rng.ts";
import { ensureDashboardBuilt } from "../infra/app/console/build.ts";
import { startConsole, type ConsoleServer } from "../infra/app/console/serve.ts";
import { MemoryStore } from "../infra/store/memory.ts";
import { startNatsServer } from "../test/harness/nats.ts";
import { median, percentiles } from "./tick-stats.ts";
import type { Bench, BenchResult } from "./types.ts";

const RUNS = 3;
const RATE_PER_S = 1_000;
const MEASURED_S = 10;
/** Published before the measured part of each run: the page's JIT and React warm up. */
const WARMUP_S = 2;
/** How long to wait for the last events after publishing stops. */
const DRAIN_MS = 5_000;
const LATENCY_TARGET_MS = 100;
const FIRST_LOAD_TARGET_MS = 1_000;
const BUNDLE_TARGET_KB = 400;
const CALIBRATION_ROUND_TRIPS = 40;

/** As test/e2e/browser.ts (imported only once the browser is known to be there: under CI=true it throws without one). */
const CHROMIUM = process.env.PREDATOR_CHROMIUM ?? "/usr/bin/chromium";

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * Runs in the page before the app: stamps each event frame on arrival and each Activity row when
 * it enters the DOM. `intentId` ties an event to the message this process published.
 */
const PROBE = `(() => {
  const bench = { frames: [], rows: [], keyOf: {} };
  window.__bench = bench;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener("message", (m) => {
        const t = performance.timeOrigin + performance.now();
        if (typeof m.data !== "string" || !m.data.startsWith('{"type":"events"')) return;
        for (const e of JSON.parse(m.data).events) {
          const key = e.detail && e.detail.intentId;
          if (typeof key !== "string") continue;
          bench.keyOf[e.id] = key;
          bench.frames.push([key, t]);
        }
      });
    }
  };
  new MutationObserver((records) => {
    const t = performance.timeOrigin + performance.now();
    for (const r of records)
      for (const n of r.addedNodes) {
        const id = n.nodeType === 1 ? n.getAttribute("data-event-id") : null;
        if (id !== null && bench.keyOf[id] !== undefined) bench.rows.push([bench.keyOf[id], t]);
      }
  }).observe(document, { childList: true, subtree: true });
})();`;

interface Probe {
  frames: [string, number][];
  rows: [string, number][];
}

interface RunResult {
  frame: { p50: number; p99: number; max: number };
  row: { p50: number; p99: number; max: number };
  server: { p50: number; p99: number; max: number };
  lostFrames: number;
  lostRows: number;
  ratePerS: number;
  firstLoadMs: number;
  offsetMs: number;
  calibrationRttMs: number;
  /** Share of the measured time the page's main thread was running tasks. */
  pageBusyPct: number;
  /** This process's CPU time over the measured time (100 = one core). */
  nodeCpuPct: number;
}

/** Gzipped bytes of the built JS (and CSS, for the note). */
async function bundleSize(dist: string): Promise<{ js: number; css: number; files: number }> {
  const assets = join(dist, "assets");
  let js = 0;
  let css = 0;
  let files = 0;
  for (const name of await readdir(assets)) {
    const gz = gzipSync(await readFile(join(assets, name))).length;
    if (name.endsWith(".js")) {
      js += gz;
      files++;
    } else if (name.endsWith(".css")) css += gz;
  }
  return { js, css, files };
}

/** The page's clock minus this process's, from the round trip with the least delay. */
async function clockOffset(page: import("playwright-core").Page) {
  let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
  for (let i = 0; i < CALIBRATION_ROUND_TRIPS; i++) {
    const before = now();
    const inPage = await page.evaluate(() => performance.timeOrigin + performance.now());
    const after = now();
    if (after - before < best.rtt)
      best = { rtt: after - before, offset: inPage - (before + after) / 2 };
  }
  return best;
}

class Publisher {
  private readonly factory: MessageFactory;
  readonly sentAt = new Map<string, number>();
  /** When the console's read model had each message (the server's half of the way). */
  readonly hubAt = new Map<string, number>();
  private seq = 0;

  constructor(
    private readonly bus: import("../bus/port.ts").Bus,
    clock: SystemClock,
  ) {
    this.factory = new MessageFactory(clock, new SystemRng(), {
      agent: "strategy",
      instance: "bench",
    });
  }

  /** Publishes `RATE_PER_S` a second for `seconds`, paced by the clock; returns the rate achieved. */
  async run(label: string, seconds: number): Promise<number> {
    const total = RATE_PER_S * seconds;
    const start = now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((now() - start) * RATE_PER_S) / 1000) + 1);
      const acks: Promise<unknown>[] = [];
      while (sent < due) {
        const intentId = `${label}-${this.seq++}`;
        const message = this.factory.make("strategy.intent", {
          intentId,
          strategy: "momentum",
          windowId: "btc-updown-15m-1767225600",
          tokenId: "1234567890",
          kind: "ENTRY",
          side: "BUY",
          orderType: "FAK",
          limitPrice: 510_000,
          size: 5_000_000,
          expiresAt: null,
          positionId: null,
          exitReason: null,
          bookSeq: this.seq,
          reason: "console bench: ask 0.51 under the momentum threshold",
        });
        this.sentAt.set(intentId, now());
        acks.push(this.bus.publish(message));
        sent++;
      }
      await Promise.all(acks);
      await sleep(1);
    }
    return (total * 1000) / (now() - start);
  }
}

async function oneRun(
  browser: Browser,
  served: ConsoleServer,
  publisher: Publisher,
  run: number,
): Promise<RunResult> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    await context.addInitScript(PROBE);
    const page = await context.newPage();
    const loadStart = now();
    await page.goto(served.openUrl);
    await page.getByTestId("trading-state").waitFor({ state: "visible", timeout: 30_000 });
    const firstLoadMs = now() - loadStart;
    await page
      .getByRole("status", { name: "Connection" })
      .filter({ hasText: /^live/ })
      .waitFor({ timeout: 30_000 });
    const { offset, rtt } = await clockOffset(page);

    await publisher.run(`warm${run}`, WARMUP_S);
    const label = `run${run}`;
    // CPU while measured: the page's main thread (Chrome's TaskDuration) and this process
    // (publisher, NATS client and the console server together).
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    const taskSeconds = async () =>
      (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration")
        ?.value ?? Number.NaN;
    const profile = process.env.CONSOLE_BENCH_PROFILE;
    if (profile !== undefined) {
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.start");
    }
    const pageBefore = await taskSeconds();
    const cpuBefore = process.cpuUsage();
    const wallBefore = now();
    const ratePerS = await publisher.run(label, MEASURED_S);
    const wall = now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    const pageBusy = ((await taskSeconds()) - pageBefore) * 1000;
    if (profile !== undefined) {
      // CONSOLE_BENCH_PROFILE=dir: the page's CPU profile of each measured run, for DevTools.
      const { profile: cpu } = await cdp.send("Profiler.stop");
      await writeFile(join(profile, `console-run${run}.cpuprofile`), JSON.stringify(cpu));
    }
    const expected = RATE_PER_S * MEASURED_S;
    const count = (what: "frames" | "rows") =>
      page.evaluate(
        ([w, prefix]) =>
          (globalThis as unknown as { __bench: Probe }).__bench[w].filter(([k]) =>
            k.startsWith(prefix),
          ).length,
        [what, `${label}-`] as const,
      );
    const drainUntil = now() + DRAIN_MS;
    while (
      now() < drainUntil &&
      ((await count("frames")) < expected || (await count("rows")) < expected)
    )
      await sleep(100);
    const probe = await page.evaluate(() => (globalThis as unknown as { __bench: Probe }).__bench);
    const latencies = (pairs: [string, number][]) => {
      const out: number[] = [];
      for (const [key, t] of pairs) {
        if (!key.startsWith(`${label}-`)) continue;
        const sent = publisher.sentAt.get(key);
        if (sent !== undefined) out.push(t - offset - sent);
      }
      return out;
    };
    const server: number[] = [];
    for (const [key, sent] of publisher.sentAt) {
      const at = publisher.hubAt.get(key);
      if (key.startsWith(`${label}-`) && at !== undefined) server.push(at - sent);
    }
    const frames = latencies(probe.frames);
    const rows = latencies(probe.rows);
    return {
      frame: percentiles(frames),
      row: percentiles(rows),
      server: percentiles(server),
      lostFrames: expected - frames.length,
      lostRows: expected - rows.length,
      ratePerS,
      firstLoadMs,
      offsetMs: offset,
      calibrationRttMs: rtt,
      pageBusyPct: (100 * pageBusy) / wall,
      nodeCpuPct: (100 * (cpu.user + cpu.system)) / 1000 / wall,
    };
  } finally {
    await context.close();
  }
}

type BusKind = "memory" | "nats";

/**
 * The bus between the publisher and the console: a private nats-server (the `predator up` path,
 * default) or the embedded fleet's in-memory bus (CONSOLE_BENCH_BUS=memory, the `npm start` path).
 */
async function openBuses(clock: SystemClock, rng: SystemRng) {
  const kind: BusKind = process.env.CONSOLE_BENCH_BUS === "memory" ? "memory" : "nats";
  if (kind === "memory") {
    const broker = new MemoryBroker({ clock, rng });
    return {
      kind: "in-memory bus",
      console: broker.connect("ops.console"),
      publisher: broker.connect("strategy.bench"),
      close: () => Promise.resolve(),
    };
  }
  const server = await startNatsServer();
  const consoleBus = await NatsBus.connect({ servers: server.url, name: "ops.console", clock });
  const publisherBus = await NatsBus.connect({
    servers: server.url,
    name: "strategy.bench",
    clock,
  });
  return {
    kind: "NATS (JetStream INTENTS stream, private nats-server)",
    console: consoleBus,
    publisher: publisherBus,
    close: async () => {
      await publisherBus.close();
      await consoleBus.close();
      await server.stop();
    },
  };
}

async function consoleBench(): Promise<BenchResult[]> {
  const dist = ensureDashboardBuilt((line) => {
    console.log(line);
  });
  const bundle = await bundleSize(dist);
  const bundleKb = bundle.js / 1000;
  const bundleRow: BenchResult = {
    metric: "console JS bundle, gzipped",
    value: Math.round(bundleKb * 10) / 10,
    unit: "kB",
    target: `≤ ${BUNDLE_TARGET_KB}`,
    pass: bundleKb <= BUNDLE_TARGET_KB,
    note: `${bundle.files} JS file(s) in dashboard/dist/assets, gzip level 6; CSS adds ${(bundle.css / 1000).toFixed(1)} kB gzipped`,
  };
  if (!existsSync(CHROMIUM)) {
    const why = `no browser at ${CHROMIUM} (apt-get install -y chromium, or set PREDATOR_CHROMIUM)`;
    console.log(`console: SKIPPED the browser measurements: ${why}`);
    return [
      bundleRow,
      {
        metric: "console in a browser: SKIPPED",
        value: 0,
        unit: "-",
        note: `event latency and first load were not measured: ${why}`,
      },
    ];
  }

  const clock = new SystemClock();
  const rng = new SystemRng();
  const buses = await openBuses(clock, rng);
  const served = await startConsole({
    bus: buses.console,
    clock,
    rng,
    store: new MemoryStore(),
    storeKind: "embedded",
    mode: "PAPER",
    token: "console-bench-token-0123456789",
    viewToken: null,
    host: "127.0.0.1",
    port: 0,
    staticDir: dist,
  });
  const publisher = new Publisher(buses.publisher, clock);
  served.hub.listen((event) => {
    const key = event.detail.intentId;
    if (typeof key === "string") publisher.hubAt.set(key, now());
  });
  const { launch } = await import("../test/e2e/browser.ts");
  const browser = await launch();
  const runs: RunResult[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const r = await oneRun(browser, served, publisher, run);
      console.log(
        `  run ${run + 1}: frame p50 ${r.frame.p50.toFixed(1)} p99 ${r.frame.p99.toFixed(1)} max ${r.frame.max.toFixed(1)} ms; ` +
          `row p50 ${r.row.p50.toFixed(1)} p99 ${r.row.p99.toFixed(1)} ms; bus → server p50 ${r.server.p50.toFixed(1)} p99 ${r.server.p99.toFixed(1)} ms; ` +
          `lost ${r.lostFrames}, never a row ${r.lostRows}; page busy ${r.pageBusyPct.toFixed(0)}%, node CPU ${r.nodeCpuPct.toFixed(0)}%; ` +
          `${r.ratePerS.toFixed(0)}/s; first load ${r.firstLoadMs.toFixed(0)} ms; offset ${r.offsetMs.toFixed(2)} ms (rtt ${r.calibrationRttMs.toFixed(2)})`,
      );
      runs.push(r);
    }
  } finally {
    await browser.close();
    await served.close();
    await buses.close();
  }

  const med = (f: (r: RunResult) => number) => median(runs.map(f));
  const ms = (v: number) => Math.round(v * 10) / 10;
  const framesP99 = med((r) => r.frame.p99);
  const rowsP99 = med((r) => r.row.p99);
  const firstLoad = med((r) => r.firstLoadMs);
  const lost = Math.max(...runs.map((r) => r.lostFrames));
  const load = loadavg()[0] ?? 0;
  const setting = `${RATE_PER_S.toLocaleString("en-US")} events/s for ${MEASURED_S} s after ${WARMUP_S} s of warm-up, median of ${RUNS} runs, headless chromium, ${buses.kind}; load average ${load.toFixed(1)} on ${availableParallelism()} cores`;
  return [
    {
      metric: "console event bus → browser p50 (frame in page)",
      value: ms(med((r) => r.frame.p50)),
      unit: "ms",
    },
    {
      metric: "console event bus → browser p99 (frame in page)",
      value: ms(framesP99),
      unit: "ms",
      target: `≤ ${LATENCY_TARGET_MS}`,
      pass: framesP99 <= LATENCY_TARGET_MS,
      note: `${setting}; page clock offset ${runs.map((r) => r.offsetMs.toFixed(2)).join(", ")} ms taken off (round trip ≤ ${Math.max(...runs.map((r) => r.calibrationRttMs)).toFixed(2)} ms)`,
    },
    {
      metric: "console event bus → Activity row in the DOM p50",
      value: ms(med((r) => r.row.p50)),
      unit: "ms",
    },
    {
      metric: "console event bus → Activity row in the DOM p99",
      value: ms(rowsP99),
      unit: "ms",
      target: `≤ ${LATENCY_TARGET_MS}`,
      pass: rowsP99 <= LATENCY_TARGET_MS,
      note: `the app's React render included (the row is in the DOM; the paint follows at the next frame); over the rows drawn: the feed keeps the newest 100, so events that arrive more than 100 between two renders are never drawn (${runs.map((r) => r.lostRows).join(", ")} per run)`,
    },
    {
      metric: "console event bus → console server p50",
      value: ms(med((r) => r.server.p50)),
      unit: "ms",
    },
    {
      metric: "console event bus → console server p99",
      value: ms(med((r) => r.server.p99)),
      unit: "ms",
      note: "publish to the server's read model having the event (the rest of the way is the WebSocket and the page)",
    },
    {
      metric: "console page main thread busy at 1,000 events/s",
      value: Math.round(med((r) => r.pageBusyPct)),
      unit: "%",
      note: "Chrome's TaskDuration over the measured time: the headroom the page has left",
    },
    {
      metric: "console server + publisher CPU at 1,000 events/s",
      value: Math.round(med((r) => r.nodeCpuPct)),
      unit: "% of a core",
      note: "this process: the publisher, both NATS connections, the read model and the WebSocket",
    },
    {
      metric: "console events lost (worst run)",
      value: lost,
      unit: "events",
      target: "0",
      pass: lost === 0,
    },
    {
      metric: "console publish rate achieved",
      value: Math.round(med((r) => r.ratePerS)),
      unit: "events/s",
      target: `≥ ${(RATE_PER_S * 0.98).toFixed(0)}`,
      pass: med((r) => r.ratePerS) >= RATE_PER_S * 0.98,
    },
    {
      metric: "console first load on localhost",
      value: Math.round(firstLoad),
      unit: "ms",
      target: `≤ ${FIRST_LOAD_TARGET_MS}`,
      pass: firstLoad <= FIRST_LOAD_TARGET_MS,
      note: "navigation to the trading state on screen (snapshot loaded), empty cache, median of the runs",
    },
    bundleRow,
  ];
}

export const benches: Bench[] = [{ name: "console", run: consoleBench }];
