/**
 * The Alert agent: webhook delivery (Discord, Slack, Telegram, plain JSON) of everything a person
 * must know, deduplicated, rate limited, retried and dead-lettered without loss. Not a singleton.
 */
import type { AgentDefinition } from "../runtime/actor.ts";
import { AlertAgent } from "./alert.ts";
import { channelsOf, resolveAlertConfig, type AlertConfigInput } from "./config.ts";
import type { HttpPort } from "./http.ts";

export { fetchHttp, HttpError, type HttpPort } from "./http.ts";
export { resolveAlertConfig, type AlertConfig, type AlertConfigInput } from "./config.ts";
export { render, type AlertView } from "./formats.ts";

export function createAlertAgent(deps: {
  http: HttpPort;
  config: AlertConfigInput;
}): AgentDefinition {
  const config = resolveAlertConfig(deps.config);
  const channels = channelsOf(config);
  return {
    name: "alert",
    singleton: false,
    create: (ctx) => new AlertAgent(ctx, deps.http, channels, config),
  };
}
