/** The Strategy agent's bounds and which strategies run with which parameters. */
import { z } from "zod";
import { ConfigError } from "../runtime/errors.ts";
import type { StrategyManifest } from "../../contracts/strategy-manifest.ts";
import { checkManifest, checkParams } from "./manifests.ts";
import type { StrategyRegistry } from "./registry.ts";
import type { Strategy } from "./strategy.ts";

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

export const strategyConfigSchema = z.object({
  /** Entries stop when the last cro.state is older than this (matches Execution's dead man). */
  croSilenceMs: ms(100, 60_000).default(2_000),
  /** Open windows are also evaluated on this timer, so a quiet book does not skip a slot. */
  evaluateIntervalMs: ms(50, 60_000).default(1_000),
  /** A book not refreshed for this long is not shown to strategies. */
  bookMaxAgeMs: ms(100, 600_000).default(5_000),
  historyMs: ms(1_000, 3_600_000).default(300_000),
  midSampleMs: ms(10, 60_000).default(1_000),
  windowsMax: z.number().int().min(1).max(100_000).default(64),
  /** Entry intents per strategy per window. */
  entriesPerWindowMax: z.number().int().min(1).max(100).default(1),
  /** Names of the strategies to run; default: every registered one. */
  enabled: z.array(z.string().min(1).max(64)).max(100).optional(),
  /** Parameter overrides by strategy name; each strategy's zod schema fills in the rest. */
  params: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});
export type StrategyConfig = z.infer<typeof strategyConfigSchema>;

export function strategyConfig(input: Partial<StrategyConfig> = {}): StrategyConfig {
  const result = strategyConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ConfigError(
    `strategy.${issue?.path.join(".") ?? "config"}`,
    issue?.message ?? "invalid",
  );
}

export interface ActiveStrategy {
  readonly strategy: Strategy;
  readonly params: Parameters<Strategy["evaluate"]>[1];
  /** What it was deployed with; null only where manifests are not checked (agent unit tests). */
  readonly manifest: StrategyManifest | null;
}

/**
 * The enabled strategies with their validated parameters; a bad name or value fails fast. With
 * `manifests` (every deployment: agents/catalog.ts), each enabled strategy must have one that
 * matches it (agents/strategy/manifests.ts) and its parameters must lie within it; `null` skips
 * the manifest checks (unit tests of the agent's mechanics with ad-hoc strategies).
 */
export function activeStrategies(
  registry: StrategyRegistry,
  config: StrategyConfig,
  manifests: readonly StrategyManifest[] | null = null,
): ActiveStrategy[] {
  const names = config.enabled ?? registry.list().map((s) => s.name);
  for (const name of Object.keys(config.params)) {
    if (!names.includes(name))
      throw new ConfigError(`strategy.params.${name}`, "no such enabled strategy");
  }
  return names.map((name) => {
    const strategy = registry.get(name);
    if (strategy === undefined)
      throw new ConfigError("strategy.enabled", `unknown strategy "${name}"`);
    const parsed = strategy.params.safeParse(config.params[name] ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ConfigError(
        `strategy.params.${name}.${issue?.path.join(".") ?? ""}`,
        issue?.message ?? "invalid",
      );
    }
    if (manifests === null) return { strategy, params: parsed.data, manifest: null };
    const manifest = manifests.find((m) => m.name === name);
    if (manifest === undefined)
      throw new ConfigError(
        `manifest.${name}`,
        "missing: a strategy is deployed from its manifest",
      );
    checkManifest(strategy, manifest);
    checkParams(manifest, parsed.data);
    return { strategy, params: parsed.data, manifest };
  });
}
