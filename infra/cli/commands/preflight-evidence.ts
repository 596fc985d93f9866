/** A preflight checklist as verification evidence (kind `preflight`), for `readiness`. */
import { runId } from "../../verify/run-id.ts";
import type { VerificationRun } from "../../verify/types.ts";

export interface PreflightLine {
  name: string;
  ok: boolean;
  detail: string;
}

export function preflightRun(
  lines: readonly PreflightLine[],
  recordedAt: number,
  mode: string,
): VerificationRun {
  const failed = lines.filter((l) => !l.ok);
  return {
    id: runId("preflight", null, recordedAt),
    kind: "preflight",
    mode,
    inputs: { checks: lines.map((l) => l.name) },
    recordedAt,
    startedAt: recordedAt,
    finishedAt: recordedAt,
    passed: lines.length > 0 && failed.length === 0,
    verdict:
      failed.length === 0
        ? `PASS: ${lines.length} check(s) green`
        : `FAIL: ${failed.map((l) => l.name).join(", ")}`,
    summary: { checks: lines.length, failed: failed.length },
    items: lines.map((l) => ({
      subject: "preflight",
      point: l.name,
      outcome: l.ok ? "PASS" : "FAIL",
      detail: l.detail,
      data: {},
    })),
  };
}
