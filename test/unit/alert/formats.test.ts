import { describe, expect, it } from "vitest";
import {
  SEVERITY_COLOR,
  discord,
  json,
  render,
  slack,
  telegram,
  type AlertView,
} from "../../../agents/alert/formats.ts";

const view: AlertView = {
  alertId: "alt-1",
  incidentKey: "recon:POSITION:tok-up",
  severity: "CRITICAL",
  title: "Reconciliation mismatch (1)",
  body: "- POSITION tok-up: expected 5 < 7 & more",
  ts: 1_767_225_600_000,
};
const ISO = "2026-01-01T00:00:00.000Z";

describe("alert formats", () => {
  it("Discord: content headline and one embed with title, description, colour, time and footer", () => {
    const b = discord(view);
    expect(b.content).toBe("[CRITICAL] Reconciliation mismatch (1)");
    expect(b.embeds).toHaveLength(1);
    expect(b.embeds[0]).toEqual({
      title: "Reconciliation mismatch (1)",
      description: view.body,
      color: SEVERITY_COLOR.CRITICAL,
      timestamp: ISO,
      footer: { text: `recon:POSITION:tok-up · alert alt-1 · ${ISO}` },
    });
    expect(discord({ ...view, severity: "INFO" }).embeds[0]?.color).toBe(0x5865f2);
    expect(discord({ ...view, severity: "WARNING" }).embeds[0]?.color).toBe(0xfee75c);
  });

  it("Discord: clips to its limits", () => {
    const b = discord({ ...view, title: "t".repeat(300), body: "b".repeat(5000) });
    expect(b.embeds[0]?.title).toHaveLength(256);
    expect(b.embeds[0]?.description).toHaveLength(4096);
    expect(b.embeds[0]?.description.endsWith("…")).toBe(true);
  });

  it("Slack: fallback text and header, section, context blocks, with mrkdwn escaped", () => {
    const b = slack(view);
    expect(b.text).toBe("[CRITICAL] Reconciliation mismatch (1)");
    expect(b.blocks).toEqual([
      {
        type: "header",
        text: { type: "plain_text", text: "[CRITICAL] Reconciliation mismatch (1)" },
      },
      {
        type: "section",
        text: { type: "mrkdwn", text: "- POSITION tok-up: expected 5 &lt; 7 &amp; more" },
      },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: `recon:POSITION:tok-up · alert alt-1 · ${ISO}` }],
      },
    ]);
    const long = slack({ ...view, title: "x".repeat(200), body: "" });
    const header = long.blocks[0];
    expect(header?.type === "header" ? header.text.text.length : 0).toBe(150);
    expect(long.blocks[1]).toEqual({ type: "section", text: { type: "mrkdwn", text: "-" } });
  });

  it("Telegram: chat id, HTML parse mode, escaped text within 4096 characters", () => {
    const b = telegram(view, "42");
    expect(b.chat_id).toBe("42");
    expect(b.parse_mode).toBe("HTML");
    expect(b.text).toBe(
      `<b>[CRITICAL] Reconciliation mismatch (1)</b>\n\n- POSITION tok-up: expected 5 &lt; 7 &amp; more\n\n` +
        `<i>recon:POSITION:tok-up · alert alt-1 · ${ISO}</i>`,
    );
    const huge = telegram({ ...view, body: "&".repeat(4000) }, "42");
    expect(huge.text.length).toBeLessThanOrEqual(4096);
    expect(huge.text).toMatch(/(&amp;)+…\n\n<i>/); // never half an entity
  });

  it("JSON: every field of the alert plus source and ISO time", () => {
    expect(json(view)).toEqual({ source: "predator", ...view, time: ISO });
  });

  it("render picks the format", () => {
    expect(render("discord", view, null)).toEqual(discord(view));
    expect(render("slack", view, null)).toEqual(slack(view));
    expect(render("telegram", view, "7")).toEqual(telegram(view, "7"));
    expect(render("json", view, null)).toEqual(json(view));
  });
});
