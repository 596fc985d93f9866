/**
 * Strategy manifests (issue 20, Phase 3): a bad manifest fails load with an error naming the
 * field; a manifest must match the strategy it deploys; configured parameters must lie within it.
 */
import { describe, expect, it } from "vitest";
import { parseManifest } from "../../../contracts/strategy-manifest.ts";
import {
  SHIPPED_MANIFESTS,
  activeStrategies,
  createStrategyAgent,
  defaultStrategies,
  loadManifests,
  strategyConfig,
} from "../../../agents/strategy/index.ts";

const cheapSide = () => {
  const m = SHIPPED_MANIFESTS.find((x) => x.name === "cheap-side");
  if (m === undefined) throw new Error("no cheap-side manifest");
  return structuredClone(m) as Record<string, unknown> & typeof m;
};

/** A copy of the cheap-side manifest with one field (by path) replaced or removed. */
function withField(path: string, value: unknown): unknown {
  const m = cheapSide() as Record<string, unknown>;
  const keys = path.split(".");
  let at = m;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  const last = keys.at(-1) ?? "";
  if (value === undefined) Reflect.deleteProperty(at, last);
  else at[last] = value;
  return m;
}

describe("a manifest is checked at load", () => {
  it("every shipped strategy has a manifest that parses and matches it", () => {
    const manifests = loadManifests();
    expect(manifests.map((m) => m.name).sort()).toEqual(
      defaultStrategies()
        .list()
        .map((s) => s.name)
        .sort(),
    );
    const all = strategyConfig({});
    expect(activeStrategies(defaultStrategies(), all, manifests)).toHaveLength(4);
  });

  it.each([
    ["version", "1.0", /manifest\.cheap-side\.version: expected MAJOR\.MINOR\.PATCH/],
    [
      "expectations.winRatePct.min",
      80,
      /manifest\.cheap-side\.expectations\.winRatePct\.min: min 80 is above max 70/,
    ],
    ["expectations.winRatePct.max", 101, /manifest\.cheap-side\.expectations\.winRatePct\.max:/],
    ["expectations.pnlPerTrade.min", 0.5, /manifest\.cheap-side\.expectations\.pnlPerTrade\.min:/],
    ["kill.minTrades", 0, /manifest\.cheap-side\.kill\.minTrades:/],
    [
      "kill.lookbackTrades",
      5,
      /manifest\.cheap-side\.kill\.lookbackTrades: must be at least minTrades \(20\)/,
    ],
    ["risk.sessionMaxLoss", -1, /manifest\.cheap-side\.risk\.sessionMaxLoss:/],
    ["risk.stopLossPct", undefined, /manifest\.cheap-side\.risk\.stopLossPct:/],
    ["scaleUp.criteria", "  ", /manifest\.cheap-side\.scaleUp\.criteria:/],
    ["instruments", [], /manifest\.cheap-side\.instruments:/],
    ["parameters.askMax.type", "float", /manifest\.cheap-side\.parameters\.askMax\.type:/],
    [
      "parameters.askMax.min",
      600_000,
      /manifest\.cheap-side\.parameters\.askMax\.min: min 600000 is above max 500000/,
    ],
    ["risk.leverage", 3, /manifest\.cheap-side\.risk: Unrecognized key: "leverage"/],
  ])("a bad %s is refused, naming the field", (path, value, message) => {
    expect(() => loadManifests([withField(path, value)])).toThrow(message);
  });

  it("parseManifest reports the field and changes nothing", () => {
    const input = withField("kill.minTrades", "ten");
    const before = JSON.stringify(input);
    const r = parseManifest(input);
    expect(r).toMatchObject({ ok: false, field: "kill.minTrades" });
    expect(JSON.stringify(input)).toBe(before);
  });

  it("a duplicate manifest is refused", () => {
    expect(() => loadManifests([cheapSide(), cheapSide()])).toThrow(
      /manifest\.cheap-side\.name: duplicate manifest/,
    );
  });

  it("must declare exactly the strategy's parameters, within what it accepts", () => {
    const registry = defaultStrategies();
    const cfg = strategyConfig({ enabled: ["cheap-side"] });
    const load = (m: unknown) => activeStrategies(registry, cfg, loadManifests([m]));
    expect(() => load(withField("parameters.orderType", undefined))).toThrow(
      /manifest\.cheap-side\.parameters\.orderType: not declared/,
    );
    expect(() => load(withField("parameters.spread", { type: "integer", min: 0, max: 5 }))).toThrow(
      /manifest\.cheap-side\.parameters\.spread: the strategy has no such parameter/,
    );
    expect(() =>
      load(
        withField("parameters.askMax", { type: "integer", min: 0, max: 500_000, nullable: true }),
      ),
    ).toThrow(/manifest\.cheap-side\.parameters\.askMax\.min: 0 is refused by the strategy/);
    expect(() =>
      load(withField("parameters.orderType", { type: "enum", values: ["FAK", "GTD"] })),
    ).toThrow(/manifest\.cheap-side\.parameters\.orderType\.values\.1: "GTD" is refused/);
    expect(() =>
      load(withField("parameters.askMax", { type: "integer", min: 1, max: 500_000 })),
    ).toThrow(/strategy\.params\.cheap-side\.askMax: null is outside the manifest's \[1, 500000\]/);
    expect(() => load(withField("instruments", ["eth-updown"]))).toThrow(
      /manifest\.cheap-side\.instruments\.0: "eth-updown" is outside the strategy's instruments/,
    );
    expect(() => load(withField("name", "cheap-sides"))).toThrow(
      /manifest\.cheap-side: missing: a strategy is deployed from its manifest/,
    );
  });

  it("configured parameters must lie within the manifest", () => {
    const registry = defaultStrategies();
    const manifests = loadManifests();
    const cfg = (askMax: number) =>
      strategyConfig({ enabled: ["cheap-side"], params: { "cheap-side": { askMax } } });
    expect(activeStrategies(registry, cfg(480_000), manifests)[0]?.manifest?.version).toBe("1.0.0");
    expect(() => activeStrategies(registry, cfg(900_000), manifests)).toThrow(
      /strategy\.params\.cheap-side\.askMax: 900000 is outside the manifest's \[50000, 500000\]/,
    );
  });

  it("the Strategy agent does not load without a manifest for an enabled strategy", () => {
    expect(() =>
      createStrategyAgent({
        strategies: defaultStrategies(),
        config: { enabled: ["canary", "probe"] },
        manifests: loadManifests(SHIPPED_MANIFESTS.filter((m) => m.name !== "probe")),
      }),
    ).toThrow(/manifest\.probe: missing/);
  });
});
