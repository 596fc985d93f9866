/**
 * `predator kill <agent> [--instance I]`: kill -9 of that agent's process, for testers. The pid
 * comes from the agent's heartbeat; it is killed only when that pid on this host is a
 * `predator agent <name>` process (a heartbeat from another host could name any local pid).
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { AGENT_NAMES, isAgentName } from "../../../agents/catalog.ts";
import { loadConfig, runtimeSettings } from "../../../agents/runtime/config.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { connectOps } from "../connect.ts";
import { HeartbeatTracker, type HeardInstance } from "../../app/fleet-view.ts";
import { print } from "../output.ts";

const LISTEN_MARGIN_MS = 500;

export function killCommand(program: Command): void {
  program
    .command("kill")
    .description("kill -9 one agent process on this host (pid from its heartbeat); for testers")
    .argument("<agent>", `agent name (${AGENT_NAMES.join(", ")})`)
    .option("--instance <id>", "which instance, when more than one runs")
    .option("--json", "print machine-readable output")
    .action(async (agent: string, options: { instance?: string; json?: boolean }) => {
      if (!isAgentName(agent))
        throw new ConfigError(
          "agent",
          `unknown agent "${agent}" (known: ${AGENT_NAMES.join(", ")})`,
        );
      const settings = loadConfig(runtimeSettings, process.env);
      const ops = await connectOps("kill");
      const tracker = new HeartbeatTracker(ops.clock);
      let heard: HeardInstance[];
      try {
        tracker.start(ops.bus);
        await ops.clock.sleep(settings.PREDATOR_HEARTBEAT_MS + LISTEN_MARGIN_MS);
        heard = tracker.instances().filter((h) => h.agent === agent && h.lifecycle !== "stopped");
      } finally {
        await tracker.stop();
        await ops.close();
      }
      const target = pickInstance(agent, heard, options.instance);
      if (!(await isLocalAgentProcess(target.pid, agent))) {
        throw new Error(
          `${agent}.${target.instance} reports pid ${target.pid}, which is not a "predator agent ${agent}" process on this host`,
        );
      }
      process.kill(target.pid, "SIGKILL");
      const result = { agent, instance: target.instance, pid: target.pid, signal: "SIGKILL" };
      print(
        options.json === true
          ? JSON.stringify(result)
          : `killed ${agent}.${target.instance} (pid ${target.pid}) with SIGKILL`,
      );
    });
}

function pickInstance(
  agent: string,
  heard: readonly HeardInstance[],
  instance: string | undefined,
): HeardInstance {
  if (instance !== undefined) {
    const match = heard.find((h) => h.instance === instance);
    if (match === undefined)
      throw new ConfigError(
        "--instance",
        `no heartbeat from ${agent}.${instance} (heard: ${heard.map((h) => h.instance).join(", ") || "none"})`,
      );
    return match;
  }
  const [only, ...more] = heard;
  if (only === undefined)
    throw new Error(`no heartbeat from any ${agent} instance: is it running?`);
  if (more.length > 0)
    throw new ConfigError(
      "--instance",
      `${agent} runs ${heard.length} instances (${heard.map((h) => h.instance).join(", ")}): name one`,
    );
  return only;
}

/** True when /proc says `pid` runs `… agent <name> …` (Linux; elsewhere nothing is killed). */
export async function isLocalAgentProcess(pid: number, agent: string): Promise<boolean> {
  const raw = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  const args = raw.split("\0");
  const at = args.indexOf("agent");
  return at >= 0 && args[at + 1] === agent;
}
