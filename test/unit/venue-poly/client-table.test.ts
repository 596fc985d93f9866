/**
 * docs/polymarket-differences.md has a row for every public method of the official client
 * (`ClobClient.prototype`, underscore helpers excepted): a client upgrade that adds a method fails
 * here until the table says whether `predator venue` supports it and how it differs.
 */
import { readFileSync } from "node:fs";
import { ClobClient } from "@polymarket/clob-client-v2";
import { describe, expect, it } from "vitest";

const DOC = new URL("../../../docs/polymarket-differences.md", import.meta.url);

/** Every `name` written in backticks in a table row of the doc. */
function documented(): Set<string> {
  const names = new Set<string>();
  for (const line of readFileSync(DOC, "utf8").split("\n")) {
    if (!line.startsWith("|")) continue;
    for (const m of line.matchAll(/`([A-Za-z_$][\w$]*)`/g)) names.add(m[1] ?? "");
  }
  return names;
}

describe("the official client's methods in docs/polymarket-differences.md", () => {
  it("every public method of ClobClient.prototype has a row", () => {
    const methods = Object.getOwnPropertyNames(ClobClient.prototype).filter(
      (n) => n !== "constructor" && !n.startsWith("_"),
    );
    expect(methods.length).toBeGreaterThan(50);
    const doc = documented();
    expect(methods.filter((m) => !doc.has(m))).toEqual([]);
  });
});
