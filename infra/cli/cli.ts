/**
 * `predator`: the operator's CLI. Every subcommand has --help; those a machine may read have --json.
 * A bad argument gets a specific error and exit code 2; nothing is changed.
 */
import type { Command } from "commander";
import { contractsCommand } from "./commands/contracts.ts";
import { agentCommand } from "./commands/agent.ts";
import { startCommand } from "./commands/start.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { auditCommand } from "./commands/audit.ts";
import { venueSimCommand } from "./commands/venue-sim.ts";
import { venueCommand } from "./commands/venue.ts";
import { simCommand } from "./commands/sim.ts";
import { campaignCommand } from "./commands/campaign.ts";
import { replayCommand } from "./commands/replay.ts";
import { venueLiveCommand } from "./commands/venue-live.ts";
import { preflightCommand } from "./commands/preflight.ts";
import { tradeOnceCommand } from "./commands/trade-once.ts";
import { healthCommand } from "./commands/health.ts";
import { upCommand } from "./commands/up.ts";
import { statusCommand } from "./commands/status.ts";
import { haltCommand } from "./commands/halt.ts";
import { resumeCommand } from "./commands/resume.ts";
import { controlsCommand } from "./commands/controls.ts";
import { eventsCommand } from "./commands/events.ts";
import { killCommand } from "./commands/kill.ts";
import { verifyCommand } from "./commands/verify.ts";
import { drillCommand } from "./commands/drill.ts";
import { readinessCommand } from "./commands/readiness.ts";
import { strategyCommand } from "./commands/strategy.ts";
import { reviewCommand } from "./commands/review.ts";
import { reportCommand } from "./commands/report.ts";
import { applyHelpConventions } from "./help.ts";
import { newProgram, runProgram } from "./run.ts";

export function buildProgram(): Command {
  const program = newProgram();
  contractsCommand(program);
  agentCommand(program);
  startCommand(program);
  migrateCommand(program);
  auditCommand(program);
  venueSimCommand(program);
  venueCommand(program);
  simCommand(program);
  campaignCommand(program);
  healthCommand(program);
  replayCommand(program);
  venueLiveCommand(program);
  preflightCommand(program);
  tradeOnceCommand(program);
  upCommand(program);
  statusCommand(program);
  haltCommand(program);
  resumeCommand(program);
  controlsCommand(program);
  eventsCommand(program);
  killCommand(program);
  verifyCommand(program);
  drillCommand(program);
  readinessCommand(program);
  strategyCommand(program);
  reviewCommand(program);
  reportCommand(program);
  applyHelpConventions(program);
  return program;
}

// Imported by tests for its parser; run only as the CLI itself.
if (process.env.PREDATOR_CLI_NO_MAIN !== "1") await runProgram(buildProgram(), process.argv);
