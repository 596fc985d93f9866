/**
 * The simulated operator (issue 6): the person at the desk, who looks at the system once a
 * simulated day. The session loss limit is the one limit that never resets on its own (the daily
 * drawdown resets at midnight UTC; a session lasts until an operator starts a new one), so without
 * an operator a long campaign stops entering after its first bad session and proves little about
 * trading under chaos. At each daily review, if the session loss limit has been blocking entries
 * since the last review, the operator does what a desk would: pause, then resume, which opens a new
 * session (agents/cro/ops.ts). Both go through `ops.command` on the bus, as `predator pause` and
 * `predator resume` would, so they meet the same chaos as everything else.
 *
 * The operator never overrides anything else: an incident halt recovers by the recovery policy,
 * and a state the operator did not cause is left alone. Its own hold it watches for every minute
 * and resumes, so a lost reply, a pause delayed past its timeout, or a heal in the middle of a
 * review never leaves the system held by a pause nobody will lift.
 */
import type { TimerHandle } from "../../../bus/clock.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import { SeededRng } from "../../../bus/rng.ts";
import type { CroState } from "../../../contracts/cro.ts";
import type { OpsCommand, OpsReply } from "../../../contracts/ops.ts";
import type { SimWorld } from "./world.ts";

/** When the daily review happens: 00:30 UTC, just after the daily drawdown resets. */
export const REVIEW_OFFSET_MS = 30 * 60_000;
/** How often the operator checks whether a pause of its own needs its resume. */
export const WATCH_MS = 60_000;
const DAY_MS = 86_400_000;
const REPLY_TIMEOUT_MS = 5_000;
export const OPERATOR_ACTOR = "sim-operator";

export interface OperatorStats {
  reviews: number;
  /** Pauses the CRO accepted (the first half of opening a new session). */
  pauses: number;
  /** New sessions the operator opened (resumes the CRO accepted). */
  newSessions: number;
  /** Commands that got no reply (lost, or the CRO cut off) or a refusal. */
  failedCommands: number;
}

export interface OperatorView {
  /** The last `cro.state` seen on the bus, or null. */
  tradingState(): CroState | null;
  /** Entry vetoes for the session loss limit so far. */
  sessionLossVetoes(): number;
}

type Command = OpsCommand["command"];

export class SimOperator {
  readonly stats: OperatorStats = { reviews: 0, pauses: 0, newSessions: 0, failedCommands: 0 };
  private readonly factory: MessageFactory;
  private review: TimerHandle | null = null;
  private watch: TimerHandle | null = null;
  private vetoesAtLastReview = 0;
  /** A pause was sent and no resume has been accepted since: a hold may be ours. */
  private pauseOutstanding = false;
  private inFlight = false;
  private connections = 0;

  constructor(
    private readonly world: SimWorld,
    private readonly view: OperatorView,
  ) {
    // Its own stream from the seed: forking the world's Rng would draw from it and shift every
    // later consumer, so adding the operator would change runs in which it never acts.
    const rng = new SeededRng(`${world.seed}/sim-operator`);
    this.factory = new MessageFactory(world.clock, rng, {
      agent: "ops",
      instance: OPERATOR_ACTOR,
    });
  }

  /** Daily reviews until `untilMs`; the watch for its own holds runs until `close()`. */
  start(untilMs: number): void {
    this.scheduleReview(untilMs);
    this.watch ??= this.world.clock.setInterval(WATCH_MS, () => {
      this.releaseOwnHold();
    });
  }

  /** Stops the daily reviews. A pause of the operator's own is still resumed by the watch. */
  stopReviews(): void {
    if (this.review !== null) this.world.clock.clearTimer(this.review);
    this.review = null;
  }

  close(): void {
    this.stopReviews();
    if (this.watch !== null) this.world.clock.clearTimer(this.watch);
    this.watch = null;
  }

  private scheduleReview(untilMs: number): void {
    const now = this.world.clock.now();
    let next = now - (now % DAY_MS) + REVIEW_OFFSET_MS;
    if (next <= now) next += DAY_MS;
    if (next >= untilMs) return;
    this.review = this.world.clock.setTimer(next - now, () => {
      this.review = null;
      this.dailyReview();
      this.scheduleReview(untilMs);
    });
  }

  private dailyReview(): void {
    this.stats.reviews++;
    const vetoes = this.view.sessionLossVetoes();
    const vetoed = vetoes > this.vetoesAtLastReview;
    this.vetoesAtLastReview = vetoes;
    const state = this.view.tradingState();
    if (state === null || this.inFlight) return;
    const limitReached = vetoed || state.blockers.some(isSessionLoss);
    if (!limitReached) return;
    if (state.state === "ACTIVE") void this.command({ kind: "halt", level: "pause" });
    else if (state.state === "PAUSED" && !state.operatorHold) void this.command({ kind: "resume" });
  }

  /** Resumes a hold the operator's pause put on (perhaps one whose reply was lost). */
  private releaseOwnHold(): void {
    const state = this.view.tradingState();
    if (state === null || !state.operatorHold || this.inFlight) return;
    const ours = this.pauseOutstanding || state.reason.includes(`(by ${OPERATOR_ACTOR})`);
    if (ours) void this.command({ kind: "resume" });
  }

  private async command(command: Command): Promise<void> {
    this.inFlight = true;
    const pause = command.kind === "halt";
    // Sent is enough to count: the halt may arrive even when its reply does not.
    if (pause) this.pauseOutstanding = true;
    const reply = await this.send(command);
    this.inFlight = false;
    if (reply === null) return;
    if (pause) {
      if (reply.ok) this.stats.pauses++;
      return;
    }
    if (reply.ok) this.stats.newSessions++;
    // Accepted, or refused because there is nothing of ours to resume: either way, done.
    this.pauseOutstanding = false;
  }

  private async send(command: Command): Promise<OpsReply | null> {
    const bus = this.world.fleet.connect(`sim.operator-${this.connections++}`);
    const reason =
      command.kind === "halt"
        ? "daily review: session loss limit reached"
        : "daily review: new session";
    const message = this.factory.make("ops.command", { command, actor: OPERATOR_ACTOR, reason });
    try {
      const reply = await bus.request(message, "ops.reply", { timeoutMs: REPLY_TIMEOUT_MS });
      if (!reply.ok) this.stats.failedCommands++;
      return reply;
    } catch {
      this.stats.failedCommands++;
      return null;
    } finally {
      void bus.close();
    }
  }
}

function isSessionLoss(blocker: string): boolean {
  return blocker.startsWith("session PnL");
}
