/** Instrument: the current window, time left, both tokens' top levels, our positions, feeds. */
import type { BookTop, ConsoleSnapshot } from "../../../contracts/console.ts";
import type { Position } from "../../../contracts/positions.ts";
import { tickClass } from "../components/HealthStrip.tsx";
import { ageMs, price, shares } from "../format.ts";
import { Positions } from "./CommandCenter.tsx";

function Book(props: { label: string; book: BookTop | undefined }) {
  const b = props.book;
  return (
    <section aria-label={`${props.label} order book`} className="min-w-48 flex-1">
      <h3 className="font-semibold">{props.label}</h3>
      {b === undefined ? (
        <p className="text-sm">No book yet.</p>
      ) : (
        <table className="w-full font-mono text-sm">
          <thead>
            <tr>
              <th className="text-left">bid size</th>
              <th className="text-left">bid</th>
              <th className="text-left">ask</th>
              <th className="text-left">ask size</th>
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: Math.max(b.bids.length, b.asks.length) }, (_, i) => (
              <tr key={i}>
                <td>{b.bids[i] === undefined ? "" : shares(b.bids[i].size)}</td>
                <td className="text-emerald-600">{price(b.bids[i]?.price)}</td>
                <td className="text-rose-600">{price(b.asks[i]?.price)}</td>
                <td>{b.asks[i] === undefined ? "" : shares(b.asks[i].size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Instrument(props: {
  snapshot: ConsoleSnapshot;
  stopLossPct: number;
  takeProfitPct: number;
}) {
  const s = props.snapshot;
  const now = Date.now();
  const current =
    s.windows.find((w) => w.startTs <= s.now && s.now < w.endTs) ?? s.windows.at(-1) ?? null;
  const books = new Map(s.books.map((b) => [b.tokenId, b]));
  const ours = (s.positions as unknown as Position[]).filter(
    (p) => current !== null && p.windowId === current.windowId,
  );
  return (
    <div className="space-y-4">
      <section aria-labelledby="window-h">
        <h2 id="window-h" className="text-lg font-semibold">
          Current window
        </h2>
        {current === null ? (
          <p>No window announced yet.</p>
        ) : (
          <p>
            <span className="font-mono">{current.slug}</span> — {current.status}
            {current.outcome !== null && ` (${current.outcome})`}, time left{" "}
            {ageMs(current.endTs, Math.min(current.endTs, s.now))}. Underlying/oracle price and
            price to beat: not carried by the simulated feed.
          </p>
        )}
      </section>
      {current !== null && (
        <div className="flex flex-wrap gap-4">
          <Book label="Up" book={books.get(current.upTokenId)} />
          <Book label="Down" book={books.get(current.downTokenId)} />
        </div>
      )}
      <Positions
        title="Our positions in this window"
        snapshot={s}
        positions={ours}
        stopLossPct={props.stopLossPct}
        takeProfitPct={props.takeProfitPct}
      />
      <section aria-labelledby="feeds-h">
        <h2 id="feeds-h" className="font-semibold">
          Feed health
        </h2>
        <ul className="text-sm">
          {s.feeds.map((f) => {
            const age = f.lastMessageAgeMs === null ? null : f.lastMessageAgeMs + (now - f.heardAt);
            return (
              <li key={f.feed} className="flex items-center gap-2">
                <span
                  aria-hidden
                  className={`inline-block h-3 w-3 rounded-full ${tickClass(age)}`}
                />
                {f.feed}: {f.status}, tick age {age === null ? "never" : ageMs(age, 0)}, gaps{" "}
                {f.gapsTotal}
              </li>
            );
          })}
        </ul>
      </section>
      <section aria-labelledby="sees-h">
        <h2 id="sees-h" className="font-semibold">
          What each strategy sees now
        </h2>
        <ul className="text-sm">
          {s.strategies.map((st) => (
            <li key={st.name}>
              <span className="font-semibold">{st.name}</span>: {st.lastIntent ?? "no intent yet"}
            </li>
          ))}
          {s.strategies.length === 0 && <li>No strategy has asked for anything yet.</li>}
        </ul>
      </section>
    </div>
  );
}
