import type { CheckCode, CheckResult } from "../../contracts/cro.ts";

const DETAIL_MAX = 500;

/** One check's outcome; the detail is cut to what the wire schema allows. */
export function result(code: CheckCode, passed: boolean, detail: string): CheckResult {
  const text = detail.length > DETAIL_MAX ? `${detail.slice(0, DETAIL_MAX - 1)}…` : detail;
  return { code, passed, detail: text };
}
