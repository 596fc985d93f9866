/**
 * `predator review`: review mode (issue 20, Phase 3). `list` prints the trades waiting for an
 * operator's review (PostgreSQL, DATABASE_URL); `mark` marks one reviewed through the CRO, which
 * stores and audits it — a strategy in review mode scales up only once all its first N windows'
 * trades are reviewed (STRATEGY_REVIEW_PENDING).
 */
import type { Command } from "commander";
import { PgStore } from "../../store/index.ts";
import type { TradeReviewRecord } from "../../../agents/runtime/store.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { reportReply, requireReason } from "../args.ts";
import { connectOps } from "../connect.ts";
import { cliActor } from "../../app/operator.ts";
import { localCommand, localTarget } from "../console-client.ts";
import { print } from "../output.ts";

const STRATEGY = /^[a-z0-9][a-z0-9-]{0,63}$/;
const POSITION = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$/;

/** One line per trade: pending first by age, then reviewed (with who and the note). */
export function renderReviews(rows: readonly TradeReviewRecord[]): string {
  if (rows.length === 0) return "no trades waiting for review";
  return rows
    .map((r) => {
      const at = new Date(r.createdAt).toISOString();
      const state =
        r.reviewedAt === null
          ? "PENDING"
          : `reviewed by ${r.reviewedBy ?? "?"} at ${new Date(r.reviewedAt).toISOString()}: ${r.note ?? ""}`;
      return `${r.positionId}  ${r.strategy}  ${r.windowId}  ${at}  ${state}`;
    })
    .join("\n");
}

export function reviewCommand(program: Command): void {
  const review = program
    .command("review")
    .description("review mode: trades of a new strategy waiting for an operator's review");
  review
    .command("list")
    .description("the trades waiting for review (DATABASE_URL); --all includes reviewed ones")
    .option("--strategy <name>", "only this strategy")
    .option("--all", "include the trades already reviewed")
    .option("--json", "print JSON")
    .action(async (options: { strategy?: string; all?: boolean; json?: boolean }) => {
      if (options.strategy !== undefined && !STRATEGY.test(options.strategy))
        throw new ConfigError("--strategy", `expected a strategy name, got ${options.strategy}`);
      const url = process.env.DATABASE_URL;
      if (url === undefined || url === "")
        throw new ConfigError("DATABASE_URL", "required by predator review list (the store)");
      const store = await PgStore.open(url);
      try {
        const rows = await store.listTradeReviews({
          ...(options.strategy === undefined ? {} : { strategy: options.strategy }),
          pending: options.all !== true,
        });
        print(options.json === true ? JSON.stringify(rows, null, 2) : renderReviews(rows));
      } finally {
        await store.close();
      }
    });
  review
    .command("mark <positionId>")
    .description("mark one trade reviewed, through the CRO (audited); the reason is the note")
    .requiredOption("--reason <text>", "what the review found (stored as the note)")
    .option("--json", "print the CRO's reply as JSON")
    .action(async (positionId: string, options: { reason: string; json?: boolean }) => {
      if (!POSITION.test(positionId))
        throw new ConfigError("<positionId>", `expected a position id, got ${positionId}`);
      const reason = requireReason(options.reason);
      const target = localTarget();
      if (target !== null) {
        const reply = await localCommand(target, "/api/review/mark", { positionId, reason });
        reportReply(reply, options.json === true);
        return;
      }
      const ops = await connectOps("cli");
      try {
        const command = { kind: "review.mark" as const, positionId };
        reportReply(await ops.operator.send(command, cliActor(), reason), options.json === true);
      } finally {
        await ops.close();
      }
    });
}
