import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import { EmbeddedFleet } from "../../../infra/app/embedded.ts";
import { createLogger } from "../../../agents/runtime/logger.ts";
import { Actor, type AgentDefinition } from "../../../agents/runtime/actor.ts";

/** Logs once at start and once per cro.state it sees (under that message's correlation id). */
class Talker extends Actor {
  override async start(): Promise<void> {
    await Promise.resolve();
    this.ctx.log.info("talker up");
  }
}

const talker: AgentDefinition = {
  name: "talker",
  singleton: false,
  create: (ctx) => new Talker(ctx),
};

/** How many times `"key":` appears at the top level of one JSON line (pino writes duplicates). */
function keyCount(line: string, key: string): number {
  return line.split(`"${key}":`).length - 1;
}

describe("embedded fleet logs (the main job's in-process fleet)", () => {
  it("name each line's agent and instance exactly once, with the agent's own values", async () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", destination: { write: (s) => lines.push(s) } });
    const fleet = new EmbeddedFleet({
      clock: new VirtualClock(0),
      rng: new SeededRng(1),
      store: new MemoryStore(),
      log,
      mode: "SIM",
    });
    await fleet.start(talker, "7");
    await fleet.stop();
    const mine = lines.filter((l) => l.includes('"talker up"') || l.includes('"running"'));
    expect(mine.length).toBeGreaterThanOrEqual(2);
    for (const line of mine) {
      expect(keyCount(line, "agent"), line).toBe(1);
      expect(keyCount(line, "instance"), line).toBe(1);
      expect(JSON.parse(line)).toMatchObject({ agent: "talker", instance: "7" });
    }
  });

  it("a process logger made with an agent keeps writing it (one process per agent)", () => {
    const lines: string[] = [];
    const log = createLogger({
      agent: "cro",
      instance: "2",
      level: "info",
      destination: { write: (s) => lines.push(s) },
    });
    log.child({ correlationId: "c1" }).info("hello");
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      agent: "cro",
      instance: "2",
      correlationId: "c1",
      msg: "hello",
    });
  });
});
