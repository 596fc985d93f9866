/**
 * The manifests of the strategies predator ships, and the check that ties a manifest to the
 * strategy it deploys (issue 20, Phase 3). A strategy is loaded only with a manifest that parses
 * (contracts/strategy-manifest.ts), names it, declares exactly the parameters it accepts within
 * bounds it accepts, narrows (never widens) its instruments, and whose configured parameter values
 * lie inside the declared bounds. Every failure is a ConfigError naming the field.
 */
import type { z } from "zod";
import {
  parseManifest,
  type ManifestParameter,
  type StrategyManifest,
  type StrategyManifestInput,
} from "../../contracts/strategy-manifest.ts";
import { ConfigError } from "../runtime/errors.ts";
import type { Strategy } from "./strategy.ts";

/**
 * The canary proves the pipeline trades; its expectations are wide on purpose (it buys the
 * favoured side a minute before the end, so it should win more often than not, and one trade
 * risks at most the cost of the minimum size).
 */
const canaryManifest: StrategyManifestInput = {
  name: "canary",
  version: "1.0.0",
  description: "At T-60 s buy the minimum size of the favoured outcome, FAK, hold to settlement.",
  parameters: {
    entryRemainingMs: { type: "integer", min: 1_000, max: 3_600_000 },
    entryRemainingMinMs: { type: "integer", min: 0, max: 3_600_000 },
    favouredMidMin: { type: "integer", min: 500_000, max: 900_000 },
    orderType: { type: "enum", values: ["FAK", "FOK", "GTC"] },
  },
  risk: {
    orderSize: 5_000_000,
    stopLossPct: null,
    takeProfitPct: null,
    sessionMaxLoss: 15_000_000,
  },
  instruments: ["btc-updown"],
  expectations: {
    winRatePct: { min: 25, max: 100 },
    pnlPerTrade: { min: -2_000_000, max: 2_000_000 },
  },
  kill: { minTrades: 30, lookbackTrades: 100 },
  scaleUp: {
    criteria: "never: the canary stays at the minimum size; it exists to prove the pipeline",
    minTrades: 1_000_000,
    winRatePctMin: 100,
    pnlPerTradeMin: 0,
    orderSize: 5_000_000,
  },
};

const momentumManifest: StrategyManifestInput = {
  name: "momentum",
  version: "1.0.0",
  description: "Buy an outcome whose mid rose by riseMin over lookbackMs, early enough, FAK.",
  parameters: {
    lookbackMs: { type: "integer", min: 1_000, max: 240_000 },
    riseMin: { type: "integer", min: 1, max: 999_999 },
    timeRemainingMinMs: { type: "integer", min: 0, max: 3_600_000 },
    askMax: { type: "integer", min: 1, max: 999_999 },
    orderType: { type: "enum", values: ["FAK", "FOK", "GTC"] },
  },
  risk: { orderSize: 5_000_000, stopLossPct: 15, takeProfitPct: null, sessionMaxLoss: 15_000_000 },
  instruments: ["btc-updown"],
  expectations: {
    winRatePct: { min: 20, max: 90 },
    pnlPerTrade: { min: -1_500_000, max: 2_500_000 },
  },
  kill: { minTrades: 30, lookbackTrades: 100 },
  scaleUp: {
    criteria: "after 200 settled trades with a win rate of at least 50% and a positive average PnL",
    minTrades: 200,
    winRatePctMin: 50,
    pnlPerTradeMin: 1,
    orderSize: 10_000_000,
  },
};

const probeManifest: StrategyManifestInput = {
  name: "probe",
  version: "1.0.0",
  description: "Buy the minimum size as soon as a best ask is at or below askMax (measurement).",
  parameters: {
    askMax: { type: "integer", min: 1, max: 999_999, nullable: true },
    orderType: { type: "enum", values: ["FAK", "FOK", "GTC"] },
  },
  risk: {
    orderSize: 5_000_000,
    stopLossPct: null,
    takeProfitPct: null,
    sessionMaxLoss: 15_000_000,
  },
  instruments: ["btc-updown"],
  expectations: {
    winRatePct: { min: 0, max: 100 },
    pnlPerTrade: { min: -5_000_000, max: 5_000_000 },
  },
  kill: { minTrades: 50, lookbackTrades: 200 },
  scaleUp: {
    criteria: "never: the probe measures the pipeline and is not meant to make money",
    minTrades: 1_000_000,
    winRatePctMin: 100,
    pnlPerTradeMin: 0,
    orderSize: 5_000_000,
  },
};

/** The strategy guide's example (docs/strategy-guide.md shows this manifest). */
const cheapSideManifest: StrategyManifestInput = {
  name: "cheap-side",
  version: "1.0.0",
  description: "Early in a window buy the minimum size of the cheaper outcome at its ask, FAK.",
  parameters: {
    entryRemainingMinMs: { type: "integer", min: 0, max: 3_600_000 },
    askMax: { type: "integer", min: 50_000, max: 500_000, nullable: true },
    orderType: { type: "enum", values: ["FAK", "FOK"] },
  },
  risk: { orderSize: 5_000_000, stopLossPct: 50, takeProfitPct: null, sessionMaxLoss: 10_000_000 },
  instruments: ["btc-updown"],
  expectations: {
    winRatePct: { min: 15, max: 70 },
    pnlPerTrade: { min: -1_000_000, max: 1_500_000 },
  },
  kill: { minTrades: 20, lookbackTrades: 50 },
  scaleUp: {
    criteria:
      "after 100 settled trades inside the registered range, with a win rate of at least 40% " +
      "and an average PnL per trade of at least 0.10 USDC, double the size",
    minTrades: 100,
    winRatePctMin: 40,
    pnlPerTradeMin: 100_000,
    orderSize: 10_000_000,
  },
};

/** The manifests shipped with the registered strategies, unparsed (loadManifests checks them). */
export const SHIPPED_MANIFESTS: readonly StrategyManifestInput[] = [
  canaryManifest,
  momentumManifest,
  probeManifest,
  cheapSideManifest,
];

/** Parses manifests; a bad one fails with `manifest.<name>.<field>`; a duplicate name fails too. */
export function loadManifests(inputs: readonly unknown[] = SHIPPED_MANIFESTS): StrategyManifest[] {
  const seen = new Set<string>();
  return inputs.map((input, i) => {
    const r = parseManifest(input);
    const label = manifestLabel(input, i);
    if (!r.ok) throw new ConfigError(`manifest.${label}.${r.field}`, r.message);
    if (seen.has(r.manifest.name))
      throw new ConfigError(
        `manifest.${label}.name`,
        `duplicate manifest for "${r.manifest.name}"`,
      );
    seen.add(r.manifest.name);
    return r.manifest;
  });
}

function manifestLabel(input: unknown, index: number): string {
  const name = (input as { name?: unknown } | null)?.name;
  return typeof name === "string" && name !== "" ? name : `#${index}`;
}

/**
 * Ties a manifest to its strategy: the same name, exactly the strategy's parameters, bounds and
 * values the strategy's own schema accepts, instruments within the strategy's.
 */
export function checkManifest(strategy: Strategy, m: StrategyManifest): void {
  const at = (field: string) => `manifest.${m.name}.${field}`;
  if (m.name !== strategy.name)
    throw new ConfigError(at("name"), `names "${m.name}", the strategy is "${strategy.name}"`);
  const shape = strategy.params.shape as Record<string, z.ZodType>;
  for (const key of Object.keys(shape)) {
    if (m.parameters[key] === undefined)
      throw new ConfigError(at(`parameters.${key}`), "not declared (the strategy accepts it)");
  }
  for (const [key, p] of Object.entries(m.parameters)) {
    const schema = shape[key];
    if (schema === undefined)
      throw new ConfigError(at(`parameters.${key}`), "the strategy has no such parameter");
    checkDeclared(schema, p, at(`parameters.${key}`));
  }
  for (const [i, prefix] of m.instruments.entries()) {
    if (!strategy.instruments.some((own) => prefix.startsWith(own)))
      throw new ConfigError(
        at(`instruments.${i}`),
        `"${prefix}" is outside the strategy's instruments (${strategy.instruments.join(", ")})`,
      );
  }
}

/** The strategy's schema must accept every value the declaration allows at its edges. */
function checkDeclared(schema: z.ZodType, p: ManifestParameter, field: string): void {
  const accepts = (v: unknown) => schema.safeParse(v).success;
  if (p.type === "integer") {
    if (!accepts(p.min))
      throw new ConfigError(`${field}.min`, `${p.min} is refused by the strategy`);
    if (!accepts(p.max))
      throw new ConfigError(`${field}.max`, `${p.max} is refused by the strategy`);
    if (p.nullable && !accepts(null))
      throw new ConfigError(`${field}.nullable`, "the strategy does not accept null");
    return;
  }
  for (const [i, v] of p.values.entries()) {
    if (!accepts(v))
      throw new ConfigError(`${field}.values.${i}`, `"${v}" is refused by the strategy`);
  }
}

/** A configured value (after the strategy's defaults) must lie within the manifest's declaration. */
export function checkParams(m: StrategyManifest, params: Record<string, unknown>): void {
  for (const [key, p] of Object.entries(m.parameters)) {
    const v = params[key];
    const field = `strategy.params.${m.name}.${key}`;
    if (p.type === "enum") {
      if (typeof v !== "string" || !p.values.includes(v))
        throw new ConfigError(
          field,
          `${JSON.stringify(v)} is not one of the manifest's ${p.values.join(", ")}`,
        );
      continue;
    }
    if (v === null && p.nullable) continue;
    if (typeof v !== "number" || v < p.min || v > p.max)
      throw new ConfigError(
        field,
        `${JSON.stringify(v)} is outside the manifest's [${p.min}, ${p.max}]`,
      );
  }
}
