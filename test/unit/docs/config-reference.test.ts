/** docs/configuration.md is generated from the schemas; it must equal what they generate now. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_REFERENCE_PATH, configReference } from "../../../infra/docs/config-reference.ts";
import { CONTROL_DEFAULTS, controlKeys } from "../../../contracts/controls.ts";
import { runtimeSettings } from "../../../agents/runtime/config.ts";

describe("configuration reference", () => {
  it("is up to date with the schemas (run `npm run docs:config` after changing them)", async () => {
    expect(readFileSync(CONFIG_REFERENCE_PATH, "utf8")).toBe(await configReference());
  });

  it("names every control with its default and every environment setting", async () => {
    const text = await configReference();
    for (const key of controlKeys) {
      expect(text).toMatch(new RegExp(`\\| \`${key}\` +\\|.*\\| \`${CONTROL_DEFAULTS[key]}\``));
    }
    for (const key of Object.keys(runtimeSettings.shape)) expect(text).toContain(`\`${key}\``);
  });
});
