/**
 * Acceptance (issue 19): a short sequence of real faults against the real fleet on every change,
 * through the chaos:real engine (test/chaos-real/engine.ts): CHAOS_REAL_PER_KIND faults of every
 * default kind (kill -9 of agents, SIGSTOP/SIGCONT, nats-server and PostgreSQL restarts, a CRO
 * standby takeover, operator halts; not the simulated venue's kill, see DEFAULT_KINDS) in the order
 * of CHAOS_REAL_SEED; CHAOS_REAL_KINDS picks others. Every fault must be
 * followed by ACTIVE within the stuck bound, no BUY may reach the venue while not ACTIVE, and every
 * venue trade must be exactly one stored fill, with open positions equal to the venue's shares.
 *
 * Not part of `npm test` (it costs minutes): CI runs it as its own step, `.ci/chaos-real`, with 30
 * faults of every kind (PREDATOR_CHAOS_REAL=1 lets vitest pick it up; CHAOS_REAL_PER_KIND sets
 * the count, 2 by default). Before each fault the fleet must have traded since the previous one.
 * A failure keeps the whole record (seed, fault log, fleet logs) and prints where, with the
 * command that replays the same sequence.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import {
  DEFAULT_AUDIT_EVERY,
  DEFAULT_KINDS,
  DEFAULT_STUCK_MS,
  formatReport,
  isFaultKind,
  runRealChaos,
} from "../chaos-real/engine.ts";

const PER_KIND = Number(process.env.CHAOS_REAL_PER_KIND ?? 2);
const SEED = Number(process.env.CHAOS_REAL_SEED ?? 19);
/** Every default kind (all but the simulated venue's kill -9, see DEFAULT_KINDS). */
const KINDS = (process.env.CHAOS_REAL_KINDS?.split(",") ?? DEFAULT_KINDS).filter(isFaultKind);
/** Boot, then per fault: readiness, the fault, the stuck bound at worst; audits on top. */
const BOOT_MS = 300_000;
const PER_FAULT_MS = 90_000 + DEFAULT_STUCK_MS;

it(
  `${PER_KIND} real faults of every kind (seed ${SEED}): ACTIVE again each time, nothing after a halt, fills = venue trades`,
  async () => {
    expect(Number.isInteger(PER_KIND) && PER_KIND >= 1).toBe(true);
    const outDir = await mkdtemp(join(tmpdir(), "predator-chaos-real-"));
    const report = await runRealChaos({
      seed: SEED,
      plan: { perKind: PER_KIND },
      kinds: KINDS,
      outDir,
      stuckMs: DEFAULT_STUCK_MS,
      auditEvery: DEFAULT_AUDIT_EVERY,
      progress: (line) => process.stdout.write(`chaos:real ${line}\n`),
    });
    process.stdout.write(`chaos:real ${formatReport(report)}\n`);
    if (report.failures.length > 0) {
      process.stderr.write(
        `chaos:real record in ${outDir}; replay: npm run chaos:real -- --seed ${SEED} ` +
          `--per-kind ${PER_KIND} --kinds ${KINDS.join(",")} --out DIR\n`,
      );
    } else {
      await rm(outDir, { recursive: true, force: true });
    }
    expect(report.failures).toEqual([]);
    expect(report.faults.length).toBe(PER_KIND * KINDS.length);
    expect(report.venueTrades).toBeGreaterThan(0);
    // The fleet traded between faults (a window without liquidity may skip one, rarely).
    expect(report.noTradeBefore).toBeLessThanOrEqual(Math.floor(report.faults.length / 10));
  },
  BOOT_MS + PER_KIND * KINDS.length * PER_FAULT_MS,
);
