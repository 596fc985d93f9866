/**
 * No import cycles anywhere in the source tree (issue 21): every import points down
 * (CLI → infra adapters → agents → bus → contracts). The graph comes from dpdm, type-only imports
 * included, since a type cycle is still a tangle a reader has to untie.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCircular, parseDependencyTree } from "dpdm";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const ROOTS = ["agents", "bus", "contracts", "infra", "bench", "test"];

async function cyclesUnder(cwd: string, entries: string[]) {
  const tree = await parseDependencyTree(entries, {
    cwd,
    context: cwd,
    tsconfig: undefined,
    transform: false,
    skipDynamicImports: false,
    include: /\.ts$/,
    exclude: /node_modules/,
  });
  return { tree, cycles: parseCircular(tree) };
}

describe("import graph", () => {
  it("has no cycle in agents, bus, contracts, infra, bench or test", async () => {
    const { tree, cycles } = await cyclesUnder(
      ROOT,
      ROOTS.map((r) => `${r}/**/*.ts`),
    );
    const files = Object.keys(tree);
    // The walk really covered the tree (a wrong glob or resolver would find no cycle by finding nothing).
    expect(files.length).toBeGreaterThan(300);
    const unresolved = Object.values(tree)
      .flatMap((deps) => deps ?? [])
      .filter((d) => d.request.startsWith(".") && d.id === null)
      .map((d) => `${relative(ROOT, d.issuer)} → ${d.request}`);
    expect(unresolved).toEqual([]);
    expect(cycles.map((c) => c.join(" → "))).toEqual([]);
  });

  it("the same check finds a planted two-file cycle", async () => {
    const dir = await mkdtemp(join(tmpdir(), "predator-cycle-"));
    try {
      await writeFile(
        join(dir, "a.ts"),
        'import type { B } from "./b.ts";\nexport type A = B[];\n',
      );
      await writeFile(
        join(dir, "b.ts"),
        'import type { A } from "./a.ts";\nexport type B = A | 1;\n',
      );
      const { cycles } = await cyclesUnder(dir, ["*.ts"]);
      expect(cycles.map((c) => [...c].sort())).toEqual([["a.ts", "b.ts"]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
