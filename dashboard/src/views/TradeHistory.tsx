/**
 * Trade History: filtered on the server, paged by cursor, drawn as a virtualised list (only the
 * rows in view are in the DOM, so 100,000 trades stay responsive). The CSV export asks the server
 * for exactly the rows of the current filter.
 */
import { useCallback, useEffect, useId, useState } from "react";
import type { Page, TradeRow } from "../../../contracts/console.ts";
import { getJson, getText } from "../api.ts";
import { dateTime, price, pnlClass, shares, usd } from "../format.ts";

const ROW_HEIGHT_PX = 28;
const VIEW_ROWS = 16;
const PAGE_ROWS = 500;

interface Filter {
  strategy: string;
  instrument: string;
  from: string;
  to: string;
  outcome: string;
}

const EMPTY: Filter = { strategy: "", instrument: "", from: "", to: "", outcome: "" };

export function filterQuery(f: Filter): string {
  const q = new URLSearchParams();
  if (f.strategy !== "") q.set("strategy", f.strategy);
  if (f.instrument !== "") q.set("instrument", f.instrument);
  if (f.from !== "") q.set("from", new Date(f.from).toISOString());
  if (f.to !== "") q.set("to", new Date(f.to).toISOString());
  if (f.outcome !== "") q.set("outcome", f.outcome);
  return q.toString();
}

const COLUMNS =
  "grid grid-cols-[9rem_6rem_minmax(8rem,1fr)_5rem_4rem_4rem_4rem_4rem_4rem_5rem_5rem_4rem] gap-2";

export function TradeHistory(props: { token: string }) {
  const [draft, setDraft] = useState<Filter>(EMPTY);
  const [filter, setFilter] = useState<Filter>(EMPTY);
  const [rows, setRows] = useState<TradeRow[]>([]);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const ids = {
    strategy: useId(),
    instrument: useId(),
    from: useId(),
    to: useId(),
    outcome: useId(),
  };

  const load = useCallback(
    async (f: Filter, cursor: string | null) => {
      const q = filterQuery(f);
      const params = `${q === "" ? "" : `${q}&`}limit=${PAGE_ROWS}${cursor === null ? "" : `&cursor=${cursor}`}`;
      try {
        const page = await getJson<Page<TradeRow> & { total: number }>(
          props.token,
          `/api/trades?${params}`,
        );
        setRows((r) => (cursor === null ? page.rows : [...r, ...page.rows]));
        setTotal(page.total);
        setNext(page.next);
        setError(null);
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
      }
    },
    [props.token],
  );
  useEffect(() => {
    void load(filter, null);
  }, [filter, load]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT_PX) - 4);
  const visible = rows.slice(first, first + VIEW_ROWS + 8);
  useEffect(() => {
    if (next !== null && first + VIEW_ROWS + 8 >= rows.length) void load(filter, next);
  }, [first, rows.length, next, filter, load]);

  const exportCsv = async () => {
    const csv = await getText(props.token, `/api/trades.csv?${filterQuery(filter)}`);
    const url = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "trades.csv";
    a.click();
    URL.revokeObjectURL(url);
  };
  const apply = (e: { preventDefault(): void }) => {
    e.preventDefault();
    setScrollTop(0);
    setFilter(draft);
  };
  const field = (key: keyof Filter, label: string, type = "text") => (
    <div>
      <label htmlFor={ids[key]} className="block text-xs font-medium">
        {label}
      </label>
      <input
        id={ids[key]}
        type={type}
        value={draft[key]}
        onChange={(e) => {
          setDraft({ ...draft, [key]: e.target.value });
        }}
        className="w-40 rounded border border-slate-400 bg-transparent p-1 text-sm"
      />
    </div>
  );

  return (
    <div className="space-y-3">
      <form onSubmit={apply} aria-label="Trade filters" className="flex flex-wrap items-end gap-2">
        {field("strategy", "Strategy")}
        {field("instrument", "Instrument")}
        {field("from", "From", "datetime-local")}
        {field("to", "To", "datetime-local")}
        <div>
          <label htmlFor={ids.outcome} className="block text-xs font-medium">
            Outcome
          </label>
          <select
            id={ids.outcome}
            value={draft.outcome}
            onChange={(e) => {
              setDraft({ ...draft, outcome: e.target.value });
            }}
            className="rounded border border-slate-400 bg-transparent p-1 text-sm"
          >
            <option value="">any</option>
            <option value="win">win</option>
            <option value="loss">loss</option>
            <option value="open">open</option>
            <option value="none">none</option>
          </select>
        </div>
        <button type="submit" className="rounded bg-sky-700 px-3 py-1 text-white">
          Apply filters
        </button>
        <button
          type="button"
          onClick={() => void exportCsv()}
          className="rounded border border-slate-400 px-3 py-1"
        >
          Export CSV
        </button>
      </form>
      {error !== null && (
        <p role="alert" className="text-rose-600">
          {error}
        </p>
      )}
      <p role="status" aria-label="Trade count" className="text-sm">
        {total} trades match
      </p>
      <div className="overflow-x-auto">
        <div className="min-w-[70rem] text-xs">
          <div className={`${COLUMNS} border-b border-slate-400 font-semibold`} role="row">
            <span>time</span>
            <span>strategy</span>
            <span>instrument</span>
            <span>fill</span>
            <span>price</span>
            <span>intended</span>
            <span>slippage</span>
            <span>size</span>
            <span>fee</span>
            <span>PnL gross</span>
            <span>PnL net of fees</span>
            <span>outcome</span>
          </div>
          <div
            role="table"
            aria-label="Trades"
            aria-rowcount={total}
            tabIndex={0}
            className="overflow-y-auto"
            style={{ height: ROW_HEIGHT_PX * VIEW_ROWS }}
            onScroll={(e) => {
              setScrollTop(e.currentTarget.scrollTop);
            }}
          >
            <div style={{ height: rows.length * ROW_HEIGHT_PX, position: "relative" }}>
              {visible.map((t, i) => (
                <div
                  key={t.tradeId}
                  role="row"
                  aria-rowindex={first + i + 1}
                  data-trade-id={t.tradeId}
                  className={`${COLUMNS} absolute left-0 right-0 items-center border-b border-slate-200 dark:border-slate-800`}
                  style={{ top: (first + i) * ROW_HEIGHT_PX, height: ROW_HEIGHT_PX }}
                >
                  <span role="cell">{dateTime(t.ts)}</span>
                  <span role="cell">{t.strategy}</span>
                  <span role="cell" className="truncate">
                    {t.windowId}
                  </span>
                  <span role="cell">
                    {t.kind} {t.side}
                  </span>
                  <span role="cell">{price(t.price)}</span>
                  <span role="cell">{price(t.intendedPrice)}</span>
                  <span role="cell">{price(t.slippage)}</span>
                  <span role="cell">{shares(t.size)}</span>
                  <span role="cell">{usd(t.fee)}</span>
                  <span role="cell" className={pnlClass(t.grossPnl ?? 0)}>
                    {usd(t.grossPnl)}
                  </span>
                  <span role="cell" className={pnlClass(t.realizedPnl ?? 0)}>
                    {usd(t.realizedPnl)}
                  </span>
                  <span role="cell">{t.outcome}</span>
                </div>
              ))}
            </div>
          </div>
        </div>
      </div>
    </div>
  );
}
