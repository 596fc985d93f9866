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
const CLI = join(import.meta.dirname, "../../agents/ops/predator.js");
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
  it("a quick campaign at every chaos level (and every fault kind at once) finds no violation", async () => {
    const base = { days: 0.005, jobs: 1 } as const;
    // Two batches of three one-seed campaigns: three worker processes at a time.
    const batches: CampaignOptions[][] = [
      [
        { ...base, seeds: { from: 1, to: 1 }, chaos: "none" },
        { ...base, seeds: { from: 2, to: 2 }, chaos: "light" },
        { ...base, seeds: { from: 3, to: 3 }, chaos: "medium" },
      ],
      [
        { ...base, seeds: { from: 4, to: 4 }, chaos: "heavy" },
        { ...base, seeds: { from: 5, to: 5 }, chaos: "extreme" },
        { ...base, seeds: { from: 3, to: 3 }, chaos: "extreme", scenario: "kitchen-sink" },
      ],
    ];
    const results: CampaignResult[] = [];
    for (const batch of batches) results.push(...(await Promise.all(batch.map(runCampaign))));
    const rows = results.flatMap((r) => r.rows);
    expect(rows.map((r) => `${r.seed} ${r.chaos} ${r.error ?? r.invariants.join(",")}`)).toEqual(
      rows.map((r) => `${r.seed} ${r.chaos} `),
    );
    expect(rows.every((r) => r.finalState === "ACTIVE" && r.hash.length === 64)).toBe(true);
    expect(rows.find((r) => r.scenario === "kitchen-sink")?.faults).toBeGreaterThan(20);
    expect(rows).toHaveLength(6);
    const table = campaignTable(results[0] as CampaignResult);
    expect(table).toMatch(/^seed\s+days\s+chaos\s+faults\s+violations\s+hash\s+wall ms/);
    expect(table).toMatch(/PASS: 1 seeds, no violation/);
  }, 240_000);

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
