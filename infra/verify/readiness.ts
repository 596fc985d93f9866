/**
 * The pre-deployment checklist, evaluated from stored evidence only (DESIGN.md: `readiness` never
 * re-derives from logs). Each item names the newest run that satisfies it, its age, and when it
 * expires; evidence older than the maximum age counts as missing.
 */
import type { EvidenceStore } from "./evidence.ts";
import { PRESET_NAMES } from "./exit-presets.ts";
import type { RunKind, VerificationRun } from "./types.ts";

export const READINESS_ITEMS = [
  "canary",
  "exits",
  "kill-switch-drill",
  "preflight",
  "balance-allowance",
] as const;
export type ReadinessItemName = (typeof READINESS_ITEMS)[number];

export const CANARY_WINDOWS_MIN = 20;
export const DEFAULT_EVIDENCE_MAX_AGE_MS = 7 * 86_400_000;
/** Runs of one kind looked at, newest first: enough to step over a few failed attempts. */
const RUNS_CONSIDERED = 50;

export interface ReadinessItem {
  name: ReadinessItemName;
  passed: boolean;
  /** The run that satisfies the item, or the newest unexpired one that does not. */
  evidenceId: string | null;
  ageMs: number | null;
  /** Time left before the evidence expires (negative: expired); null without evidence. */
  expiresInMs: number | null;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  items: ReadinessItem[];
  /** Names of the items that did not pass. */
  missing: ReadinessItemName[];
}

interface Rule {
  name: ReadinessItemName;
  kind: RunKind;
  /** What the run must show; null when it does, else why not. */
  check(run: VerificationRun): string | null;
  need: string;
}

const RULES: readonly Rule[] = [
  {
    name: "canary",
    kind: "canary",
    need: `a passed canary run of ≥ ${CANARY_WINDOWS_MIN} windows, zero assertion failures, both outcomes`,
    check: (r) => {
      const s = r.summary;
      if (!r.passed) return `run failed: ${r.verdict}`;
      if (num(s.counted) < CANARY_WINDOWS_MIN) return `only ${num(s.counted)} window(s) counted`;
      if (num(s.assertionFailures) > 0) return `${num(s.assertionFailures)} assertion failure(s)`;
      if (num(s.up) === 0 || num(s.down) === 0) return "both outcomes not seen";
      return null;
    },
  },
  {
    name: "exits",
    kind: "exits",
    need: `a passed exits run covering every preset (${PRESET_NAMES.join(",")})`,
    check: (r) => {
      if (!r.passed) return `run failed: ${r.verdict}`;
      const missing = PRESET_NAMES.filter((n) => {
        const v = r.summary[n] as { outcome?: unknown } | undefined;
        return v?.outcome !== "PASS";
      });
      return missing.length === 0 ? null : `preset(s) ${missing.join(",")} not verified`;
    },
  },
  {
    name: "kill-switch-drill",
    kind: "drill",
    need: "a passed kill-switch drill (PAUSE, FLATTEN, EMERGENCY each exercised and resumed)",
    check: (r) => {
      if (!r.passed) return `drill failed: ${r.verdict}`;
      const levels = ["PAUSE", "FLATTEN", "EMERGENCY"].filter(
        (l) =>
          !r.items.some((i) => i.subject === l && i.point === "resume" && i.outcome === "PASS"),
      );
      return levels.length === 0 ? null : `level(s) ${levels.join(",")} not exercised and resumed`;
    },
  },
  {
    name: "preflight",
    kind: "preflight",
    need: "a green preflight",
    check: (r) => (r.passed ? null : `preflight failed: ${r.verdict}`),
  },
  {
    name: "balance-allowance",
    kind: "preflight",
    need: "collateral and allowance sufficient in a preflight",
    check: (r) => {
      const bad = ["balance", "allowance"].filter(
        (p) => !r.items.some((i) => i.point === p && i.outcome === "PASS"),
      );
      return bad.length === 0 ? null : `${bad.join(" and ")} not sufficient`;
    },
  },
];

export async function evaluateReadiness(
  store: EvidenceStore,
  now: number,
  maxAgeMs = DEFAULT_EVIDENCE_MAX_AGE_MS,
): Promise<Readiness> {
  const byKind = new Map<RunKind, VerificationRun[]>();
  const items: ReadinessItem[] = [];
  for (const rule of RULES) {
    let runs = byKind.get(rule.kind);
    if (runs === undefined) {
      runs = (await store.listRuns(rule.kind, RUNS_CONSIDERED)).filter(
        (r) => now - r.recordedAt <= maxAgeMs,
      );
      byKind.set(rule.kind, runs);
    }
    items.push(judge(rule, runs, now, maxAgeMs));
  }
  const missing = items.filter((i) => !i.passed).map((i) => i.name);
  return { ready: missing.length === 0, items, missing };
}

function judge(
  rule: Rule,
  fresh: readonly VerificationRun[],
  now: number,
  maxAgeMs: number,
): ReadinessItem {
  const good = fresh.find((r) => rule.check(r) === null);
  const shown = good ?? fresh[0];
  if (shown === undefined) {
    return {
      name: rule.name,
      passed: false,
      evidenceId: null,
      ageMs: null,
      expiresInMs: null,
      detail: `missing: no unexpired evidence (needs ${rule.need})`,
    };
  }
  const ageMs = now - shown.recordedAt;
  return {
    name: rule.name,
    passed: good !== undefined,
    evidenceId: shown.id,
    ageMs,
    expiresInMs: maxAgeMs - ageMs,
    detail:
      good !== undefined
        ? shown.verdict
        : `missing: ${rule.check(shown) ?? ""} (needs ${rule.need})`,
  };
}

function num(value: unknown): number {
  return typeof value === "number" ? value : 0;
}
