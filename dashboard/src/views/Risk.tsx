/** Risk: drawdown chart, per-strategy PnL, exit triggers, the controls editor, assertion board. */
import { useCallback, useEffect, useId, useState } from "react";
import {
  Area,
  AreaChart,
  CartesianGrid,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { ConsoleSnapshot, ControlView } from "../../../contracts/console.ts";
import { parseControl } from "../../../contracts/controls.ts";
import { command, getJson } from "../api.ts";
import { dateTime, price, pnlClass, time, usd } from "../format.ts";

export function DrawdownChart(props: { snapshot: ConsoleSnapshot }) {
  const data = props.snapshot.pnlSeries.map((p) => ({
    t: time(p.ts),
    net: p.net / 1_000_000,
    drawdown: p.drawdown / 1_000_000,
  }));
  return (
    <section aria-labelledby="dd-h">
      <h2 id="dd-h" className="font-semibold">
        Session drawdown
      </h2>
      {data.length === 0 ? (
        <p className="text-sm">No PnL yet.</p>
      ) : (
        <div
          className="h-56 w-full"
          role="img"
          aria-label="Session net PnL and drawdown in dollars over time"
        >
          <ResponsiveContainer width="100%" height="100%">
            <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
              <XAxis dataKey="t" minTickGap={40} fontSize={11} />
              <YAxis fontSize={11} width={48} />
              <Tooltip />
              <Area
                type="stepAfter"
                dataKey="net"
                stroke="#0284c7"
                fill="#0284c7"
                fillOpacity={0.15}
                isAnimationActive={false}
              />
              <Area
                type="stepAfter"
                dataKey="drawdown"
                stroke="#e11d48"
                fill="#e11d48"
                fillOpacity={0.3}
                isAnimationActive={false}
              />
            </AreaChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}

export function AssertionBoard(props: { snapshot: ConsoleSnapshot }) {
  const list = props.snapshot.assertions;
  return (
    <section aria-labelledby="assert-h">
      <h2 id="assert-h" className="font-semibold">
        Assertions ({list.filter((a) => a.passed).length}/{list.length} hold)
      </h2>
      {list.length === 0 ? (
        <p className="text-sm">No reconciliation run yet.</p>
      ) : (
        <ul className="grid grid-cols-1 gap-1 text-sm sm:grid-cols-2">
          {list.map((a) => (
            <li
              key={a.name}
              className={`rounded border px-2 py-1 ${a.passed ? "border-emerald-600" : "border-rose-600 bg-rose-50 dark:bg-rose-950"}`}
            >
              <span className="font-semibold">
                {a.passed ? "✓ " : "✗ "}
                {a.name}
              </span>{" "}
              <span className="sr-only">{a.passed ? "holds" : "failed"}</span>
              <span className="text-xs">last run {time(a.lastRunAt)}</span>
              {a.lastFailure !== null && (
                <div className="text-xs text-rose-700 dark:text-rose-400">
                  last failure {a.lastFailureAt === null ? "" : time(a.lastFailureAt)}:{" "}
                  {a.lastFailure}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ExitTriggers(props: { snapshot: ConsoleSnapshot }) {
  const exits = props.snapshot.exits.slice(-20).reverse();
  return (
    <section aria-labelledby="exits-h">
      <h2 id="exits-h" className="font-semibold">
        Stop-loss / take-profit triggers
      </h2>
      {exits.length === 0 ? (
        <p className="text-sm">None yet.</p>
      ) : (
        <ul className="text-sm">
          {exits.map((e, i) => (
            <li key={i}>
              {time(Number(e.ts))} {String(e.exitReason)} {String(e.positionId)}: limit{" "}
              {price(Number(e.limitPrice))} — {String(e.reason)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function ControlsEditor(props: { token: string; canEdit: boolean }) {
  const [rows, setRows] = useState<ControlView[]>([]);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const reasonId = useId();
  const load = useCallback(async () => {
    const r = await getJson<{ rows: ControlView[] }>(props.token, "/api/controls");
    setRows(r.rows);
  }, [props.token]);
  useEffect(() => {
    void load();
  }, [load]);

  const save = async (key: string) => {
    const value = drafts[key] ?? "";
    setSaved(null);
    const local = parseControl(key, value);
    if (!local.ok) {
      setErrors((e) => ({ ...e, [key]: local.error }));
      return;
    }
    if (reason.trim() === "") {
      setErrors((e) => ({ ...e, [key]: "a reason is required (above the table)" }));
      return;
    }
    const reply = await command(props.token, "/api/controls", {
      key,
      value,
      reason: reason.trim(),
    });
    if (!reply.ok) {
      setErrors((e) => ({ ...e, [key]: `refused: ${reply.error ?? "no reason given"}` }));
      return;
    }
    setErrors(({ [key]: _gone, ...rest }) => rest);
    setDrafts(({ [key]: _gone, ...rest }) => rest);
    setSaved(`${key} = ${value}`);
    await load();
  };

  return (
    <section aria-labelledby="controls-h">
      <h2 id="controls-h" className="font-semibold">
        Runtime controls
      </h2>
      {props.canEdit && (
        <div className="my-2">
          <label htmlFor={reasonId} className="text-sm font-medium">
            Reason for changes (required)
          </label>
          <input
            id={reasonId}
            value={reason}
            onChange={(e) => {
              setReason(e.target.value);
            }}
            className="ml-2 w-64 max-w-full rounded border border-slate-400 bg-transparent p-1"
          />
        </div>
      )}
      {saved !== null && (
        <p role="status" className="text-sm text-emerald-700">
          Saved {saved}.
        </p>
      )}
      <div className="overflow-x-auto">
        <table className="w-full text-sm">
          <thead>
            <tr className="text-left">
              <th>control</th>
              <th>value</th>
              <th>default</th>
              <th>set by</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const errorId = `control-error-${r.key}`;
              const error = errors[r.key];
              return (
                <tr key={r.key} className="align-top">
                  <td className="font-mono">{r.key}</td>
                  <td>
                    {props.canEdit ? (
                      <form
                        className="flex gap-1"
                        onSubmit={(e) => {
                          e.preventDefault();
                          void save(r.key);
                        }}
                      >
                        <input
                          aria-label={r.key}
                          aria-invalid={error !== undefined}
                          aria-describedby={error === undefined ? undefined : errorId}
                          value={drafts[r.key] ?? r.value}
                          onChange={(e) => {
                            const value = e.target.value;
                            setDrafts((d) => ({ ...d, [r.key]: value }));
                          }}
                          className="w-36 rounded border border-slate-400 bg-transparent px-1"
                        />
                        <button
                          type="submit"
                          className="rounded border border-slate-400 px-2"
                          aria-label={`Save ${r.key}`}
                        >
                          Save
                        </button>
                      </form>
                    ) : (
                      <span className="font-mono">{r.value}</span>
                    )}
                    {error !== undefined && (
                      <div
                        id={errorId}
                        role="alert"
                        className="text-xs text-rose-600 dark:text-rose-400"
                      >
                        {error}
                      </div>
                    )}
                  </td>
                  <td className="font-mono">{r.default}</td>
                  <td className="text-xs">
                    {r.updatedBy === null
                      ? "default"
                      : `${r.updatedBy}, ${r.updatedAt === null ? "" : dateTime(r.updatedAt)}`}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function Risk(props: { snapshot: ConsoleSnapshot; token: string; canEdit: boolean }) {
  const s = props.snapshot;
  return (
    <div className="space-y-4">
      <DrawdownChart snapshot={s} />
      <section aria-labelledby="per-strategy-h">
        <h2 id="per-strategy-h" className="font-semibold">
          PnL per strategy
        </h2>
        <ul className="text-sm">
          {s.strategies.map((st) => (
            <li key={st.name}>
              {st.name}: <span className={pnlClass(st.realizedPnl)}>{usd(st.realizedPnl)}</span>{" "}
              realized
            </li>
          ))}
          {s.strategies.length === 0 && <li>No strategy has traded yet.</li>}
        </ul>
      </section>
      <ExitTriggers snapshot={s} />
      <AssertionBoard snapshot={s} />
      <ControlsEditor token={props.token} canEdit={props.canEdit} />
    </div>
  );
}
