import { describe, expect, it } from "vitest";
import { loadConfig, runtimeSettings } from "../../../agents/runtime/config.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { parseControl, resolveControls } from "../../../contracts/controls.ts";

describe("configuration", () => {
  it("applies defaults", () => {
    const s = loadConfig(runtimeSettings, {});
    expect(s.PREDATOR_MODE).toBe("paper");
    expect(s.PREDATOR_HEARTBEAT_MS).toBe(200);
  });

  it("names the bad setting, what it expected and what it got", () => {
    const bad = () => loadConfig(runtimeSettings, { PREDATOR_HEARTBEAT_MS: "soon" });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/PREDATOR_HEARTBEAT_MS: expected an integer.*"soon"/);
    expect(() => loadConfig(runtimeSettings, { PREDATOR_MODE: "yolo" })).toThrow(/PREDATOR_MODE/);
    expect(() => loadConfig(runtimeSettings, { DATABASE_URL: "mysql://x" })).toThrow(
      /DATABASE_URL: expected a postgres:\/\/ URL/,
    );
  });
});

describe("runtime controls", () => {
  it("parses values into micro-units and refuses unknown keys and bad values", () => {
    expect(parseControl("position_cap_usd", "5")).toEqual({
      ok: true,
      key: "position_cap_usd",
      value: 5_000_000,
    });
    expect(parseControl("price_min", "0.05")).toMatchObject({ ok: true, value: 50_000 });
    expect(parseControl("nope", "1")).toMatchObject({ ok: false });
    expect(parseControl("kill_switch", "maybe")).toMatchObject({ ok: false });
  });

  it("reports a stored value that no longer parses instead of hiding it", () => {
    const { controls, errors } = resolveControls([{ key: "orders_per_window_max", value: "lots" }]);
    expect(errors).toHaveLength(1);
    expect(controls.orders_per_window_max).toBe(2);
  });

  it("resolves the same rows to equal, independent results and follows every change", () => {
    const rows = [{ key: "allowed_strategies", value: "canary" }];
    const first = resolveControls(rows);
    first.controls.allowed_strategies.push("momentum");
    first.errors.push("scribbled");
    const again = resolveControls(rows);
    expect(again.controls.allowed_strategies).toEqual(["canary"]);
    expect(again.errors).toEqual([]);
    const changed = resolveControls([...rows, { key: "session_loss_usd", value: "7.5" }]);
    expect(changed.controls.session_loss_usd).toBe(7_500_000);
    expect(changed.controls.allowed_strategies).toEqual(["canary"]);
    expect(resolveControls([]).controls.session_loss_usd).toBe(15_000_000);
    const bad = resolveControls([{ key: "session_loss_usd", value: "lots" }]);
    expect(bad.errors).toHaveLength(1);
    expect(resolveControls([{ key: "session_loss_usd", value: "lots" }]).errors).toHaveLength(1);
  });
});
