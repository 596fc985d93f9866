import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AGENT_NAMES } from "../../../agents/catalog.ts";
import { messageTypes, specOf, subjectMatches } from "../../../contracts/registry.ts";
import {
  NATS_USERS,
  passwordEnvOf,
  renderNatsConf,
  type NatsUser,
} from "../../../infra/nats/permissions.ts";
import { NATS_CONF_PATH } from "../../../infra/nats/render.ts";

function user(name: string): NatsUser {
  const u = NATS_USERS.find((x) => x.user === name);
  if (u === undefined) throw new Error(`no user ${name}`);
  return u;
}

const mayPublish = (u: NatsUser, subject: string) =>
  u.publish.some((pattern) => subjectMatches(pattern, subject));

/** A concrete subject of each registered type. */
const SAMPLE: Record<string, string> = { "md.book": "md.book.tok", "md.trade": "md.trade.tok" };
const sampleSubject = (type: string) =>
  SAMPLE[type] ?? (type === "hb" ? "hb.x.1" : specOf(type as never).pattern);

describe("NATS users and permissions (infra/nats/permissions.ts)", () => {
  it("the checked-in nats.conf is the rendered one (run `npx tsx infra/nats/render.ts`)", () => {
    expect(readFileSync(NATS_CONF_PATH, "utf8")).toBe(renderNatsConf());
  });

  it("every agent, the venue, the operator and the system watcher have a user", () => {
    const names = NATS_USERS.map((u) => u.user);
    for (const agent of AGENT_NAMES) expect(names).toContain(agent);
    expect(names).toEqual(expect.arrayContaining(["venue-sim", "ops", "sys"]));
    expect(new Set(names).size).toBe(names.length);
    expect(passwordEnvOf("market-data")).toBe("PREDATOR_NATS_PASSWORD_MARKET_DATA");
  });

  it("only the CRO publishes cro.>, only Execution exec.>, only the operator ops.>", () => {
    const owners = (subject: string) =>
      NATS_USERS.filter((u) => mayPublish(u, subject)).map((u) => u.user);
    expect(owners("cro.decision")).toEqual(["cro"]);
    expect(owners("cro.state")).toEqual(["cro"]);
    expect(owners("exec.order.accepted")).toEqual(["execution"]);
    expect(owners("exec.fill")).toEqual(["execution"]);
    expect(owners("ops.command")).toEqual(["ops"]);
    expect(owners("strategy.intent")).toEqual(["strategy"]);
  });

  it("nobody may publish into an inbox: replies go through allow_responses only", () => {
    for (const u of NATS_USERS) expect(mayPublish(u, "_INBOX.abc.1"), u.user).toBe(false);
    expect(NATS_USERS.filter((u) => u.allowResponses).map((u) => u.user)).toEqual([
      "cro",
      "venue-sim",
    ]);
  });

  it("each registered message type has exactly one publishing owner (hb: each its own)", () => {
    for (const type of messageTypes) {
      // Replies go to inboxes; venue.call is a request every venue user makes (checked below).
      if (["hb", "ops.reply", "venue.result", "venue.call"].includes(type)) continue;
      const owners = NATS_USERS.filter((u) => mayPublish(u, sampleSubject(type)));
      expect(
        owners.map((u) => u.user),
        type,
      ).toHaveLength(1);
    }
    const callers = NATS_USERS.filter((u) => mayPublish(u, "venue.call")).map((u) => u.user);
    expect(callers).toEqual(["market-data", "execution", "reconciler"]);
    expect(mayPublish(user("strategy"), "hb.strategy.1")).toBe(true);
    expect(mayPublish(user("strategy"), "hb.cro.1")).toBe(false);
  });

  it("agents cannot delete or purge streams; the system user only listens", () => {
    for (const u of NATS_USERS.filter((x) => x.account === "APP" && x.user !== "ops")) {
      expect(mayPublish(u, "$JS.API.STREAM.DELETE.DECISIONS"), u.user).toBe(false);
      expect(mayPublish(u, "$JS.API.STREAM.PURGE.DECISIONS"), u.user).toBe(false);
      expect(mayPublish(u, "$JS.API.STREAM.CREATE.DECISIONS"), u.user).toBe(true);
    }
    expect(user("sys").publish).toEqual([]);
    expect(renderNatsConf()).toContain('publish: { deny: [">"] }');
  });
});
