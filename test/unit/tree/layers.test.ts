/**
 * The tree's layers (issue 21, docs/architecture.md "Layers"): every import points down,
 * infra/cli → infra/app → infra adapters → agents → bus → contracts. The rules are the ones
 * eslint.config.js exports as `layers` (run by `npm run lint` on the whole tree); here each is fed
 * one import that breaks it and one it allows, without the type-aware rest of the config.
 */
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { layers } from "../../../eslint.config.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ["**/*.ts"],
      languageOptions: { parser: tseslint.parser },
      plugins: { "@typescript-eslint": tseslint.plugin },
    },
    ...layers,
  ],
});

async function problems(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? "parse"}: ${m.message}`);
}

describe("imports point down", () => {
  const cases: [file: string, spec: string, allowed: boolean][] = [
    ["contracts/probe.ts", "./common.ts", true],
    ["contracts/probe.ts", "../bus/port.ts", false],
    ["bus/probe.ts", "../contracts/registry.ts", true],
    ["bus/probe.ts", "../agents/runtime/actor.ts", false],
    ["agents/cro/probe.ts", "../../bus/port.ts", true],
    ["agents/cro/probe.ts", "../runtime/actor.ts", true],
    ["agents/cro/probe.ts", "../../infra/app/embedded.ts", false],
    ["agents/cro/probe.ts", "../../infra/cli/output.ts", false],
    ["agents/runtime/probe.ts", "../../infra/store/pg.ts", false],
    ["infra/store/probe.ts", "../../agents/runtime/store.ts", true],
    ["infra/store/probe.ts", "../app/fleet.ts", false],
    ["infra/venue-live/probe.ts", "../cli/output.ts", false],
    ["infra/chaos/sim/probe.ts", "../../app/embedded.ts", true],
    ["infra/chaos/sim/probe.ts", "../../cli/output.ts", false],
    ["infra/app/probe.ts", "../store/pg.ts", true],
    ["infra/app/console/probe.ts", "../../cli/output.ts", false],
    ["infra/cli/commands/probe.ts", "../../app/fleet.ts", true],
  ];
  it.each(cases)("%s importing %s: allowed %s", async (file, spec, allowed) => {
    const found = await problems(file, `import type { X } from "${spec}";\nexport type Y = X;\n`);
    if (allowed) expect(found).toEqual([]);
    else expect(found.join("\n")).toMatch(/no-restricted-imports/);
  });
});
