/** System health, on every view: feeds, store, clock offset, leases, agents. */
import type { ConsoleSnapshot } from "../../../contracts/console.ts";
import { ageMs } from "../format.ts";

/** Tick age colours: green under 2 s, yellow under 5 s, red beyond. */
export function tickClass(ageMsValue: number | null): string {
  if (ageMsValue === null) return "bg-rose-600";
  if (ageMsValue < 2_000) return "bg-emerald-600";
  if (ageMsValue < 5_000) return "bg-amber-500";
  return "bg-rose-600";
}

const AGENT_SILENT_MS = 5_000;

/** "complete 98.5% this window, 100% last": share of 1-s buckets with data (docs/operations.md). */
export function completenessText(
  windows: ConsoleSnapshot["feeds"][number]["completeness"],
): string {
  const pct = (w: (typeof windows)[number] | undefined) =>
    w === undefined || w.pct === null ? "–" : `${w.pct}%`;
  return `complete ${pct(windows[0])} this window, ${pct(windows[1])} last`;
}

export function HealthStrip(props: { snapshot: ConsoleSnapshot; receivedAt: number }) {
  const s = props.snapshot;
  const now = Date.now();
  const offset = s.now - props.receivedAt;
  const leaders = s.agents.filter((a) => a.leader === true);
  return (
    <section
      aria-label="System health"
      className="flex flex-wrap items-center gap-x-4 gap-y-1 border-b border-slate-300 px-3 py-1 text-xs dark:border-slate-700"
    >
      {s.feeds.length === 0 && <span>feeds: none heard yet</span>}
      {s.feeds.map((f) => {
        const age = f.lastMessageAgeMs === null ? null : f.lastMessageAgeMs + (now - f.heardAt);
        return (
          <span key={f.feed} className="flex items-center gap-1">
            <span aria-hidden className={`inline-block h-2 w-2 rounded-full ${tickClass(age)}`} />
            feed {f.feed} {f.status}, last tick {age === null ? "never" : ageMs(age, 0)}
            {f.completeness.length > 0 && `, ${completenessText(f.completeness)}`}
          </span>
        );
      })}
      <span>store: {s.store === "embedded" ? "embedded (in process)" : "PostgreSQL"}</span>
      <span>clock offset: {offset} ms</span>
      <span>
        sole trader:{" "}
        {leaders.length === 0
          ? "no leases heard"
          : leaders.map((a) => `${a.agent}.${a.instance}`).join(", ")}
        {s.cro !== null && ` (CRO epoch ${s.cro.epoch})`}
      </span>
      <span>
        agents:{" "}
        {s.agents.map((a) => {
          const alive = now - a.heardAt < AGENT_SILENT_MS && a.lifecycle === "running";
          return (
            <span
              key={`${a.agent}.${a.instance}`}
              className={alive ? "text-emerald-700 dark:text-emerald-400" : "text-rose-600"}
            >
              {a.agent}
              {alive ? "✓" : "✗"}{" "}
            </span>
          );
        })}
      </span>
    </section>
  );
}
