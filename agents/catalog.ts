/**
 * The seven agents and what each needs beyond its ActorContext. One place builds every agent's
 * definition, so `predator agent <name>`, the embedded fleet and the simulator run identical code.
 */
import type { AgentDefinition } from "./runtime/actor.ts";
import type { Venue } from "./runtime/venue.ts";
import type { ConnectionEvents } from "../bus/connection-events.ts";
import type { ApprovalKey } from "../contracts/approval-signature.ts";
import { ConfigError } from "./runtime/errors.ts";
import { createMarketDataAgent } from "./market-data/index.ts";
import { venueFeed } from "./market-data/feed.ts";
import {
  createStrategyAgent,
  strategyConfigSchema,
  type StrategyConfig,
} from "./strategy/index.ts";
import { defaultStrategies } from "./strategy/registry.ts";
import { loadManifests } from "./strategy/manifests.ts";
import { createCroAgent, type CroConfig } from "./cro/index.ts";
import { createExecutionAgent, type ExecutionConfig } from "./execution/index.ts";
import { createPortfolioAgent, type PortfolioConfig } from "./portfolio/index.ts";
import { createReconcilerAgent, type ReconcilerConfig } from "./reconciler/index.ts";
import { createAlertAgent, type AlertConfigInput } from "./alert/index.ts";
import type { MarketDataConfig } from "./market-data/index.ts";
import { fetchHttp, type HttpPort } from "./alert/http.ts";
import type { AlertFormat } from "../contracts/alerts.ts";
import type { StrategyManifest } from "../contracts/strategy-manifest.ts";

export const AGENT_NAMES = [
  "market-data",
  "strategy",
  "cro",
  "execution",
  "portfolio",
  "reconciler",
  "alert",
] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

export function isAgentName(name: string): name is AgentName {
  return (AGENT_NAMES as readonly string[]).includes(name);
}

export interface AgentDeps {
  /** The venue as this agent sees it: in-process SimVenue, or a RemoteVenue over the bus. */
  venue: (agent: AgentName) => Venue;
  http?: HttpPort;
  webhooks?: Array<{ format: AlertFormat; url: string }>;
  /** Strategy agent settings (which strategies run, their parameters); defaults when absent. */
  strategy?: Partial<StrategyConfig>;
  /** Bus connection events for the CRO (NATS `$SYS` or the embedded fleet's); absent: heartbeats only. */
  connectionEvents?: ConnectionEvents;
  /** Signs (CRO) and checks (Execution) every approval: PREDATOR_APPROVAL_KEY; absent: unsigned. */
  approvalKey?: ApprovalKey;
  /**
   * Per-agent settings over the defaults (the simulator's cadence profile); absent: the defaults
   * every deployed process runs with.
   */
  tuning?: AgentTuning;
  /**
   * The strategies' manifests (Strategy checks them at load, the CRO applies their kill
   * criteria and session max loss, Portfolio their stop-loss and take-profit); absent: the
   * shipped ones (agents/strategy/manifests.ts).
   */
  manifests?: readonly StrategyManifest[];
}

/** Settings an agent takes over its defaults, by agent. */
export interface AgentTuning {
  "market-data"?: Partial<MarketDataConfig>;
  cro?: Partial<CroConfig>;
  execution?: Partial<ExecutionConfig>;
  portfolio?: Partial<PortfolioConfig>;
  reconciler?: Partial<ReconcilerConfig>;
  alert?: Omit<AlertConfigInput, "webhooks">;
}

export function agentDefinition(name: AgentName, deps: AgentDeps): AgentDefinition {
  switch (name) {
    case "market-data":
      return createMarketDataAgent({
        feed: venueFeed(deps.venue(name)),
        ...(deps.tuning?.[name] === undefined ? {} : { config: deps.tuning[name] }),
      });
    case "strategy":
      return createStrategyAgent({
        strategies: defaultStrategies(),
        ...(deps.strategy === undefined ? {} : { config: deps.strategy }),
        ...(deps.manifests === undefined ? {} : { manifests: deps.manifests }),
      });
    case "cro":
      return createCroAgent({
        ...(deps.tuning?.cro === undefined ? {} : { config: deps.tuning.cro }),
        ...(deps.connectionEvents === undefined ? {} : { connectionEvents: deps.connectionEvents }),
        ...(deps.approvalKey === undefined ? {} : { approvalKey: deps.approvalKey }),
        ...(deps.manifests === undefined ? {} : { manifests: deps.manifests }),
      });
    case "execution":
      return createExecutionAgent({
        venue: deps.venue(name),
        ...(deps.tuning?.execution === undefined ? {} : { config: deps.tuning.execution }),
        ...(deps.approvalKey === undefined ? {} : { approvalKey: deps.approvalKey }),
      });
    case "portfolio":
      return createPortfolioAgent({
        ...(deps.tuning?.portfolio === undefined ? {} : { config: deps.tuning.portfolio }),
        manifests: deps.manifests ?? loadManifests(),
      });
    case "reconciler":
      return createReconcilerAgent({
        venue: deps.venue(name),
        ...(deps.tuning?.reconciler === undefined ? {} : { config: deps.tuning.reconciler }),
      });
    case "alert":
      return createAlertAgent({
        http: deps.http ?? fetchHttp(),
        config: { ...deps.tuning?.alert, webhooks: deps.webhooks ?? [] },
      });
  }
}

/** Parses PREDATOR_ALERT_WEBHOOKS: "discord=https://…,json=http://…". */
export function parseWebhooks(
  value: string | undefined,
): Array<{ format: AlertFormat; url: string }> {
  if (value === undefined || value.trim() === "") return [];
  return value.split(",").map((entry) => {
    const eq = entry.indexOf("=");
    const format = entry.slice(0, eq).trim();
    const url = entry.slice(eq + 1).trim();
    if (
      eq < 1 ||
      !["discord", "slack", "telegram", "json"].includes(format) ||
      !/^https?:\/\//.test(url)
    ) {
      throw new ConfigError(
        "PREDATOR_ALERT_WEBHOOKS",
        `bad entry ${JSON.stringify(entry)}: expected format=url with format discord|slack|telegram|json`,
      );
    }
    return { format: format as AlertFormat, url };
  });
}

/**
 * Parses PREDATOR_STRATEGY_CONFIG: the Strategy agent's config as JSON, e.g.
 * `{"enabled":["probe"],"params":{"probe":{"askMax":450000}}}`. Unset or blank: the defaults.
 */
export function parseStrategyConfig(value: string | undefined): StrategyConfig | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (error) {
    throw new ConfigError("PREDATOR_STRATEGY_CONFIG", `not JSON: ${(error as Error).message}`);
  }
  const parsed = strategyConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") ?? "";
    throw new ConfigError("PREDATOR_STRATEGY_CONFIG", `${where} ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}
