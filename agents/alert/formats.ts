/**
 * One alert rendered as each receiver expects its webhook body. Pure. Every format carries the
 * alert id, so a receiver can drop the rare duplicate of an at-least-once delivery (a crash
 * between the POST and recording it as DELIVERED).
 *
 * Limits: Discord content 2000 and embed title 256 / description 4096 characters; Slack header
 * text 150 and section text 3000; Telegram message text 4096.
 */
import type { AlertFormat, Severity } from "../../contracts/alerts.ts";

export interface AlertView {
  alertId: string;
  incidentKey: string;
  severity: Severity;
  title: string;
  body: string;
  /** When the alert was raised (ms). */
  ts: number;
}

export interface DiscordBody {
  content: string;
  embeds: {
    title: string;
    description: string;
    color: number;
    timestamp: string;
    footer: { text: string };
  }[];
}
export interface SlackBody {
  text: string;
  blocks: (
    | { type: "header"; text: { type: "plain_text"; text: string } }
    | { type: "section"; text: { type: "mrkdwn"; text: string } }
    | { type: "context"; elements: { type: "mrkdwn"; text: string }[] }
  )[];
}
export interface TelegramBody {
  chat_id: string;
  text: string;
  parse_mode: "HTML";
}
export interface JsonBody extends AlertView {
  source: "predator";
  time: string;
}

/** Discord embed colours: red, amber, blue. */
export const SEVERITY_COLOR: Record<Severity, number> = {
  CRITICAL: 0xed4245,
  WARNING: 0xfee75c,
  INFO: 0x5865f2,
};

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const iso = (ts: number) => new Date(ts).toISOString();
const headline = (v: AlertView) => `[${v.severity}] ${v.title}`;
const footer = (v: AlertView) => `${v.incidentKey} · alert ${v.alertId} · ${iso(v.ts)}`;

export function discord(v: AlertView): DiscordBody {
  return {
    content: clip(headline(v), 2000),
    embeds: [
      {
        title: clip(v.title, 256),
        description: clip(v.body, 4096),
        color: SEVERITY_COLOR[v.severity],
        timestamp: iso(v.ts),
        footer: { text: clip(footer(v), 2048) },
      },
    ],
  };
}

/** Slack mrkdwn treats &, < and > as control characters. */
function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function slack(v: AlertView): SlackBody {
  return {
    text: headline(v),
    blocks: [
      { type: "header", text: { type: "plain_text", text: clip(headline(v), 150) } },
      { type: "section", text: { type: "mrkdwn", text: clip(slackEscape(v.body) || "-", 3000) } },
      { type: "context", elements: [{ type: "mrkdwn", text: slackEscape(footer(v)) }] },
    ],
  };
}

function htmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function telegram(v: AlertView, chatId: string): TelegramBody {
  const head = `<b>${htmlEscape(headline(v))}</b>`;
  const tail = `<i>${htmlEscape(footer(v))}</i>`;
  const room = Math.max(0, 4096 - head.length - tail.length - 4);
  // Clipping may cut an entity (&amp;) in half; drop the broken tail before the ellipsis.
  const escaped = htmlEscape(v.body);
  const body =
    escaped.length <= room ? escaped : `${escaped.slice(0, room - 1).replace(/&[a-z]*$/, "")}…`;
  return { chat_id: chatId, text: `${head}\n\n${body}\n\n${tail}`, parse_mode: "HTML" };
}

export function json(v: AlertView): JsonBody {
  return { source: "predator", ...v, time: iso(v.ts) };
}

export function render(format: AlertFormat, view: AlertView, chatId: string | null): unknown {
  switch (format) {
    case "discord":
      return discord(view);
    case "slack":
      return slack(view);
    case "telegram":
      return telegram(view, chatId ?? "");
    case "json":
      return json(view);
  }
}
