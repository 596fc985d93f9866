/**
 * The hand check of heartbeats (contracts/heartbeats.ts `fastHeartbeat`) must give zod's answer:
 * the same object, keys in the same order, for every heartbeat zod accepts, and never accept one
 * zod refuses (it returns null there, and zod words the refusal). Random heartbeats with one
 * field at a time bent out of shape, or an unknown key added.
 */
import { describe, expect, it } from "vitest";
import { fastHeartbeat, heartbeat } from "../../../contracts/heartbeats.ts";
import { parseMessage } from "../../../contracts/registry.ts";
import { SeededRng } from "../../../bus/rng.ts";

function valid(rng: SeededRng): Record<string, unknown> {
  const id = rng.uuid();
  return {
    agent: "market-data",
    instance: `md-${rng.int(0, 9)}`,
    seq: rng.int(0, 1_000_000),
    lifecycle: ["starting", "running", "stopping", "stopped"][rng.int(0, 3)],
    leader: [true, false, null][rng.int(0, 2)],
    pid: rng.int(0, 99_999),
    startedAt: 1_767_225_600_000 + rng.int(0, 1_000),
    mailboxDepth: rng.int(0, 5),
    intervalMs: rng.int(1, 2_000),
    id,
    type: "hb",
    v: 1,
    ts: 1_767_225_600_000 + rng.int(0, 100_000),
    source: { agent: "market-data", instance: `md-${rng.int(0, 9)}` },
    correlationId: id,
    causationId: rng.int(0, 1) === 0 ? null : rng.uuid(),
  };
}

/** Values that some field of some schema refuses (or accepts: zod decides which). */
const ODD: unknown[] = [
  undefined,
  null,
  0,
  -0,
  -1,
  1,
  0.5,
  2 ** 53,
  -(2 ** 53),
  Number.NaN,
  Number.POSITIVE_INFINITY,
  "",
  "x",
  "A",
  "a".repeat(32),
  "a".repeat(33),
  "x".repeat(128),
  "x".repeat(129),
  "running",
  "hb",
  true,
  false,
  [],
  {},
  { agent: "a", instance: "b" },
  { agent: "A", instance: "b" },
  { agent: "a", instance: "-b" },
  "1",
];

const FIELDS = [
  "agent",
  "instance",
  "seq",
  "lifecycle",
  "leader",
  "pid",
  "startedAt",
  "mailboxDepth",
  "intervalMs",
  "id",
  "type",
  "v",
  "ts",
  "source",
  "correlationId",
  "causationId",
];

function agree(data: unknown): void {
  const zod = heartbeat.safeParse(data);
  const fast = fastHeartbeat(data);
  if (fast !== null) {
    expect(zod.success, JSON.stringify(data)).toBe(true);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
    expect(fast).toEqual(zod.data);
  }
}

describe("fastHeartbeat", () => {
  it("accepts every valid heartbeat, giving zod's object key for key", () => {
    const rng = new SeededRng(18);
    for (let i = 0; i < 500; i++) {
      const data = valid(rng);
      expect(fastHeartbeat(data)).not.toBeNull();
      agree(data);
      agree({ ...data, extra: 1, source: { ...(data.source as object), extra: 2 } });
    }
  });

  it("never accepts what zod refuses, one bent field at a time", () => {
    const rng = new SeededRng(19);
    for (const field of FIELDS) {
      for (const odd of ODD) {
        const data = valid(rng);
        agree({ ...data, [field]: odd });
        agree(Object.fromEntries(Object.entries(data).filter(([k]) => k !== field)));
        agree({ ...data, source: { ...(data.source as object), [field]: odd } });
      }
    }
    for (const odd of ODD) agree(odd);
  });

  it("leaves the wording of a refusal to zod", () => {
    const data = { ...valid(new SeededRng(20)), seq: -1 };
    const r = parseMessage("hb.market-data.md-1", {
      ...data,
      source: { agent: "market-data", instance: "md-1" },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^invalid hb: seq: /);
  });
});
