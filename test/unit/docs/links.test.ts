/**
 * Every relative link in README.md and docs/ points at a file that exists, and every `#anchor`
 * at a heading of the file it names (GitHub's heading slugs). Checked on every run, so moving a
 * file or renaming a heading cannot leave a reader at a dead end.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** GitHub's slug of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, "")
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .replace(/\s/g, "-");
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] ?? "")));
}

function links(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8").replace(/```[\s\S]*?```/g, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "");
}

describe("documentation links", () => {
  it("finds the documents", () => {
    expect(DOCS.length).toBeGreaterThan(8);
  });

  it.each(DOCS)("%s: every relative link and anchor resolves", (file) => {
    const broken: string[] = [];
    for (const target of links(file)) {
      if (/^[a-z]+:/i.test(target)) continue;
      const [path = "", anchor] = target.split("#");
      const full = path === "" ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), path);
      if (!existsSync(full)) broken.push(`${target} (no ${relative(ROOT, full)})`);
      else if (anchor !== undefined && full.endsWith(".md") && !anchors(full).has(anchor)) {
        broken.push(`${target} (no heading #${anchor})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("slugs headings as GitHub does", () => {
    expect(slug("The operator console")).toBe("the-operator-console");
    expect(slug("Polymarket: live, dry-run, replay")).toBe("polymarket-live-dry-run-replay");
  });
});
