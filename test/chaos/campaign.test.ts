import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import {
  campaignTable,
  parseSeedRange,
  runCampaign,
  type CampaignOptions,
  type CampaignResult,
} from "../../infra/chaos/campaign.ts";

const run = promisify(execFile);
const LEVELS = ["none", "light", "medium", "heavy", "extreme"] as const;
const CLI = join(import.meta.dirname, "../../infra/cli/predator.js");
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "predator-campaign-"));
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("predator campaign", () => {
  it("a quick campaign: dozens of seeds over a few simulated days, every chaos level, no violation", async () => {
    // 25 seeds × 0.1 days at the relaxed cadence (2.5 simulated days, five per level), then the
    // production cadence: two extreme seeds and every fault kind at once.
    const relaxed = { days: 0.1, jobs: 2, cadence: "relaxed" } as const;
    const production = { days: 0.01, jobs: 2, cadence: "production" } as const;
    const campaigns: CampaignOptions[] = [
      ...LEVELS.map((chaos, i) => ({
        ...relaxed,
        seeds: { from: 100 + 5 * i, to: 104 + 5 * i },
        chaos,
      })),
      { ...production, seeds: { from: 1, to: 2 }, chaos: "extreme" },
      {
        ...production,
        days: 0.005,
        seeds: { from: 3, to: 3 },
        chaos: "extreme",
        scenario: "kitchen-sink",
      },
    ];
    const results: CampaignResult[] = [];
    for (const c of campaigns) results.push(await runCampaign(c));
    const rows = results.flatMap((r) => r.rows);
    expect(rows.map((r) => `${r.seed} ${r.chaos} ${r.error ?? r.invariants.join(",")}`)).toEqual(
      rows.map((r) => `${r.seed} ${r.chaos} `),
    );
    expect(rows.every((r) => r.finalState === "ACTIVE" && r.hash.length === 64)).toBe(true);
    expect(rows).toHaveLength(28);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(28);
    const simulatedDays = rows.reduce((sum, r) => sum + r.days, 0);
    expect(simulatedDays).toBeGreaterThanOrEqual(2.5);
    for (const chaos of LEVELS)
      expect(rows.filter((r) => r.chaos === chaos).length).toBeGreaterThanOrEqual(5);
    // Faults were injected at every level but none.
    for (const chaos of LEVELS.slice(1)) {
      const faults = rows.filter((r) => r.chaos === chaos).reduce((sum, r) => sum + r.faults, 0);
      expect(faults, `${chaos}: faults injected`).toBeGreaterThan(0);
    }
    expect(rows.find((r) => r.scenario === "kitchen-sink")?.faults).toBeGreaterThan(20);
    const table = campaignTable(results[0] as CampaignResult);
    expect(table).toMatch(/^seed\s+days\s+chaos\s+faults\s+violations\s+hash\s+wall ms/);
    expect(table).toMatch(/PASS: 5 seeds, no violation/);
  }, 900_000);

  it("a planted bug fails the campaign, and the failing seeds are saved with their reproduce commands", async () => {
    const out = await tempDir();
    const r = await cli([
      "campaign",
      "--seeds",
      "1..2",
      "--days",
      "0.005",
      "--chaos",
      "none",
      "--plant",
      "accept-expired-approval",
      "--jobs",
      "2",
      "--out",
      out,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL: 2 of 2 seeds failed/);
    expect(r.stderr).toContain(
      "predator sim --seed 1 --days 0.005 --chaos none --plant accept-expired-approval",
    );
    const saved = await readFile(join(out, "failing-seeds.txt"), "utf8");
    expect(saved).toMatch(/^1\t\S+\tpredator sim --seed 1 --days 0\.005 --chaos none/m);
    expect(saved).toMatch(/^2\t\S+\tpredator sim --seed 2 /m);
    const summary = JSON.parse(await readFile(join(out, "campaign.json"), "utf8")) as {
      failed: number;
    };
    expect(summary.failed).toBe(2);
    // The HTML report beside it (issue 21): the verdict, both seeds failing, charts inlined.
    const html = await readFile(join(out, "campaign.html"), "utf8");
    expect(html).toContain("<strong>FAIL: 2 of 2 seeds failed</strong>");
    expect(html).toContain('id="chart-faults"');
    expect(html.match(/<td>FAIL<\/td>/g)).toHaveLength(2);
  }, 120_000);

  it("refuses bad arguments with exit code 2 and runs nothing", async () => {
    const r = await cli(["campaign", "--seeds", "9..3", "--chaos", "light"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--seeds 9\.\.3: the range is empty/);
  }, 60_000);

  it("parses seed ranges", () => {
    expect(parseSeedRange("1..40")).toEqual({ from: 1, to: 40 });
    expect(parseSeedRange("7")).toEqual({ from: 7, to: 7 });
    expect(() => parseSeedRange("a..b")).toThrow(/A\.\.B or N/);
    expect(() => parseSeedRange("1..200000")).toThrow(/at most 100000 seeds/);
    expect(() => parseSeedRange("4294967290..4294967296")).toThrow(/end at 4294967295/);
  });
});
