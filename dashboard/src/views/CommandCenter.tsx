/** Command Center: the state where the eye lands, the kill switch, strategies, positions, feed. */
import { memo, useId } from "react";
import { useFeed, type EventFeed } from "../live.ts";
import type { ConsoleSnapshot } from "../../../contracts/console.ts";
import type { Position } from "../../../contracts/positions.ts";
import { price, pnlClass, shares, time, usd } from "../format.ts";

export type CommandKind = "pause" | "flatten" | "emergency" | "resume";

const STATE_CLASS: Record<string, string> = {
  ACTIVE: "bg-emerald-700",
  PAUSED: "bg-amber-600",
  FLATTENING: "bg-orange-700",
  HALTED: "bg-rose-700",
};

export function StatusBar(props: { snapshot: ConsoleSnapshot }) {
  const s = props.snapshot;
  const state = s.cro?.state ?? "UNKNOWN";
  return (
    <section aria-label="Trading status" className="flex flex-wrap items-stretch gap-2">
      <div
        role="status"
        aria-label="Trading state"
        className={`rounded px-3 py-2 text-white ${STATE_CLASS[state] ?? "bg-slate-600"}`}
      >
        <div className="text-2xl font-bold" data-testid="trading-state">
          {state}
        </div>
        <div className="text-sm" data-testid="trading-reason">
          {s.cro?.reason ?? "the CRO has not been heard"}
        </div>
      </div>
      <Stat label="Mode" value={s.mode} />
      <Stat label="Balance" value={usd(s.balance)} />
      <Stat label="Session PnL gross" value={usd(s.pnl.gross)} tone={s.pnl.gross} />
      <Stat label="Session PnL net of fees" value={usd(s.pnl.net)} tone={s.pnl.net} />
    </section>
  );
}

function Stat(props: { label: string; value: string; tone?: number }) {
  return (
    <div className="rounded border border-slate-300 px-3 py-2 dark:border-slate-700">
      <div className="text-xs uppercase text-slate-500 dark:text-slate-400">{props.label}</div>
      <div className={`text-lg font-semibold ${pnlClass(props.tone ?? 0)}`}>{props.value}</div>
    </div>
  );
}

export function KillSwitch(props: { state: string | null; onCommand: (k: CommandKind) => void }) {
  const btn = "rounded px-4 py-3 font-bold text-white focus:outline-4 focus:outline-sky-500";
  return (
    <section aria-label="Kill switch" className="flex flex-wrap gap-2">
      <button
        className={`${btn} bg-amber-600`}
        onClick={() => {
          props.onCommand("pause");
        }}
      >
        PAUSE
      </button>
      <button
        className={`${btn} bg-orange-700`}
        onClick={() => {
          props.onCommand("flatten");
        }}
      >
        FLATTEN
      </button>
      <button
        className={`${btn} bg-rose-700`}
        onClick={() => {
          props.onCommand("emergency");
        }}
      >
        EMERGENCY STOP
      </button>
      <button
        className={`${btn} bg-emerald-700`}
        onClick={() => {
          props.onCommand("resume");
        }}
        aria-describedby="resume-note"
      >
        RESUME
      </button>
      <span id="resume-note" className="sr-only">
        Clears an operator halt; the CRO goes ACTIVE once every check passes.
      </span>
      {props.state !== null && props.state !== "ACTIVE" && (
        <span className="self-center text-sm">Trading is {props.state}.</span>
      )}
    </section>
  );
}

/** `onResume` (operators only) puts a RESUME button on each strategy the CRO halted. */
export function Strategies(props: {
  snapshot: ConsoleSnapshot;
  onResume?: (strategy: string) => void;
}) {
  const onResume = props.onResume;
  return (
    <section aria-labelledby="strategies-h">
      <h2 id="strategies-h" className="font-semibold">
        Strategies
      </h2>
      {props.snapshot.strategies.length === 0 ? (
        <p className="text-sm">No strategy has asked for anything yet.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-sm">
            <thead>
              <tr className="text-left">
                <th>name</th>
                <th>status</th>
                <th>intents</th>
                <th>approved</th>
                <th>vetoed</th>
                <th>realized PnL</th>
                <th>last intent</th>
              </tr>
            </thead>
            <tbody>
              {props.snapshot.strategies.map((s) => (
                <tr key={s.name}>
                  <td>{s.name}</td>
                  <td>
                    {s.halt === null ? (
                      "trading"
                    ) : (
                      <>
                        <span
                          className="font-semibold text-red-700 dark:text-red-400"
                          title={`since ${new Date(s.halt.since).toISOString()}`}
                        >
                          HALTED by {s.halt.actor}: {s.halt.reason}
                        </span>
                        {onResume !== undefined && (
                          <button
                            type="button"
                            className="ml-2 rounded bg-emerald-700 px-2 py-0.5 text-xs font-semibold text-white"
                            aria-label={`Resume strategy ${s.name}`}
                            onClick={() => {
                              onResume(s.name);
                            }}
                          >
                            RESUME
                          </button>
                        )}
                      </>
                    )}
                  </td>
                  <td>{s.intents}</td>
                  <td>{s.approved}</td>
                  <td>{s.vetoed}</td>
                  <td className={pnlClass(s.realizedPnl)}>{usd(s.realizedPnl)}</td>
                  <td className="max-w-64 truncate">{s.lastIntent ?? "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** "Up" or "Down" for a token of a known window; the token id otherwise. */
export function outcomeOf(snapshot: ConsoleSnapshot, tokenId: string): string {
  for (const w of snapshot.windows) {
    if (w.upTokenId === tokenId) return "Up";
    if (w.downTokenId === tokenId) return "Down";
  }
  return tokenId.slice(0, 10);
}

export function Positions(props: {
  snapshot: ConsoleSnapshot;
  positions: Position[];
  stopLossPct: number;
  takeProfitPct: number;
  title: string;
}) {
  // An id from the title would hold a space, which aria-labelledby reads as two ids.
  const headingId = useId();
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId} className="font-semibold">
        {props.title}
      </h2>
      {props.positions.length === 0 ? (
        <p className="text-sm">None.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-sm">
            <thead>
              <tr className="text-left">
                <th>instrument</th>
                <th>side</th>
                <th>size</th>
                <th>entry</th>
                <th>current</th>
                <th>PnL</th>
                <th>stop / take</th>
                <th>state</th>
              </tr>
            </thead>
            <tbody>
              {props.positions.map((p) => {
                const entry = p.avgEntryPrice;
                const sl =
                  entry === null ? null : Math.round(entry * (1 - props.stopLossPct / 100));
                const tp =
                  entry === null ? null : Math.round(entry * (1 + props.takeProfitPct / 100));
                const pnl = p.realizedPnl + p.unrealizedPnl;
                return (
                  <tr key={p.positionId}>
                    <td className="max-w-48 truncate">{p.windowId}</td>
                    <td>{outcomeOf(props.snapshot, p.tokenId)}</td>
                    <td>{shares(p.size + p.provisionalSize)}</td>
                    <td>{price(entry)}</td>
                    <td>{price(p.markPrice)}</td>
                    <td className={pnlClass(pnl)}>{usd(pnl)}</td>
                    <td>
                      {price(sl)} / {price(tp)}
                    </td>
                    <td>{p.state}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Rows the feed draws: the newest; the rest stay in the EventFeed. */
export const FEED_ROWS = 100;

/** Subscribes to the live feed alone: new events re-render this list, not the whole view. */
export const ActivityFeed = memo(function ActivityFeed(props: { feed: EventFeed }) {
  const events = useFeed(props.feed);
  const shown = events.slice(-FEED_ROWS).reverse();
  return (
    <section aria-labelledby="activity-h">
      <h2 id="activity-h" className="font-semibold">
        Activity
      </h2>
      {/* Not a live region: at 1,000 events/s a screen reader would read nothing else. The
          containment keeps the row churn's layout inside the list. */}
      <ol aria-label="Activity feed" className="max-h-96 overflow-y-auto text-sm [contain:content]">
        {shown.length === 0 && <li>Waiting for events…</li>}
        {shown.map((e) => (
          <li
            key={e.id}
            data-event-id={e.id}
            className="border-b border-slate-200 py-0.5 dark:border-slate-800"
          >
            <span className="font-mono text-xs text-slate-500">{time(e.ts)}</span>{" "}
            <span className="font-semibold">{e.kind}</span> {e.text}
          </li>
        ))}
      </ol>
    </section>
  );
});
