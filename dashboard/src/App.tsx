/** The console shell: token, live connection, navigation, health strip, views, dialogs. */
import { useEffect, useMemo, useState } from "react";
import type { ConsoleSnapshot } from "../../contracts/console.ts";
import type { Position } from "../../contracts/positions.ts";
import { command, forgetToken, saveToken, takeToken } from "./api.ts";
import { ConfirmDialog, type ConfirmSpec } from "./components/ConfirmDialog.tsx";
import { HealthStrip } from "./components/HealthStrip.tsx";
import { TokenPrompt } from "./components/TokenPrompt.tsx";
import { useLive, type EventFeed } from "./live.ts";
import {
  ActivityFeed,
  KillSwitch,
  Positions,
  StatusBar,
  Strategies,
  type CommandKind,
} from "./views/CommandCenter.tsx";
import { Instrument } from "./views/Instrument.tsx";
import { Risk } from "./views/Risk.tsx";
import { TradeHistory } from "./views/TradeHistory.tsx";

const VIEWS = [
  { id: "command", label: "Command Center" },
  { id: "instrument", label: "Instrument" },
  { id: "risk", label: "Risk" },
  { id: "trades", label: "Trade History" },
] as const;
type ViewId = (typeof VIEWS)[number]["id"];

function viewFromHash(): ViewId {
  const id = window.location.hash.replace(/^#\/?/, "");
  return VIEWS.find((v) => v.id === id)?.id ?? "command";
}

const COMMANDS: Record<CommandKind, Omit<ConfirmSpec, "run">> = {
  pause: {
    title: "Pause trading",
    effect: "No new entries. Exits and cancels still pass. Trading stays paused until RESUME.",
    confirmLabel: "Confirm PAUSE",
    danger: true,
  },
  flatten: {
    title: "Flatten",
    effect: "Cancels every open order and closes every position, then stays paused.",
    confirmLabel: "Confirm FLATTEN",
    danger: true,
  },
  emergency: {
    title: "Emergency stop",
    effect: "HALTED: cancels all open orders and sends nothing else at all until RESUME.",
    confirmLabel: "Confirm EMERGENCY STOP",
    danger: true,
  },
  resume: {
    title: "Resume trading",
    effect:
      "Clears the operator halt. The CRO goes ACTIVE only once every agent is alive and the last reconciliation is clean.",
    confirmLabel: "Confirm RESUME",
    danger: false,
  },
};

function useDarkMode(): [boolean, (dark: boolean) => void] {
  const [dark, setDark] = useState(() => {
    const saved = localStorage.getItem("predator.theme");
    return saved === null
      ? window.matchMedia("(prefers-color-scheme: dark)").matches
      : saved === "dark";
  });
  useEffect(() => {
    document.documentElement.classList.toggle("dark", dark);
  }, [dark]);
  return [
    dark,
    (d: boolean) => {
      localStorage.setItem("predator.theme", d ? "dark" : "light");
      setDark(d);
    },
  ];
}

export function App() {
  const [token, setToken] = useState<string | null>(() => takeToken());
  const live = useLive(token);
  const [view, setView] = useState<ViewId>(viewFromHash);
  const [dialog, setDialog] = useState<ConfirmSpec | null>(null);
  const [dark, setDark] = useDarkMode();
  const [receivedAt, setReceivedAt] = useState(() => Date.now());
  useEffect(() => {
    setReceivedAt(Date.now());
  }, [live.snapshot]);
  useEffect(() => {
    const onHash = () => {
      setView(viewFromHash());
    };
    window.addEventListener("hashchange", onHash);
    return () => {
      window.removeEventListener("hashchange", onHash);
    };
  }, []);

  if (token === null || live.unauthorized)
    return (
      <TokenPrompt
        refused={live.unauthorized}
        onToken={(t) => {
          forgetToken();
          saveToken(t);
          setToken(t);
        }}
      />
    );

  const open = (kind: CommandKind) => {
    setDialog({
      ...COMMANDS[kind],
      run: async (reason) => {
        const reply =
          kind === "resume"
            ? await command(token, "/api/resume", { reason })
            : await command(token, "/api/halt", { level: kind, reason });
        live.refresh();
        return reply.ok ? null : `The CRO refused: ${reply.error ?? "no reason given"}`;
      },
    });
  };
  const resumeStrategy = (strategy: string) => {
    setDialog({
      title: `Resume strategy ${strategy}`,
      effect: `The CRO stops vetoing ${strategy}'s entries; its results count again from now. Other strategies are not affected.`,
      confirmLabel: "Resume strategy",
      danger: false,
      run: async (reason) => {
        const reply = await command(token, "/api/strategy/resume", { strategy, reason });
        live.refresh();
        return reply.ok ? null : `The CRO refused: ${reply.error ?? "no reason given"}`;
      },
    });
  };
  const canEdit = live.role === "operator";

  return (
    <div className="min-h-screen">
      <header className="flex flex-wrap items-center gap-3 border-b border-slate-300 px-3 py-2 dark:border-slate-700">
        <h1 className="text-lg font-bold">predator</h1>
        <nav aria-label="Views" className="flex flex-wrap gap-1">
          {VIEWS.map((v) => (
            <a
              key={v.id}
              href={`#/${v.id}`}
              aria-current={view === v.id ? "page" : undefined}
              className={`rounded px-2 py-1 text-sm ${view === v.id ? "bg-sky-700 text-white" : "underline"}`}
            >
              {v.label}
            </a>
          ))}
        </nav>
        <span className="ml-auto text-xs" role="status" aria-label="Connection">
          {live.connection === "connected" ? "live" : live.connection}
          {live.role === "viewer" && " · read-only"}
        </span>
        <button
          type="button"
          onClick={() => {
            setDark(!dark);
          }}
          className="rounded border border-slate-400 px-2 py-1 text-xs"
        >
          {dark ? "Light theme" : "Dark theme"}
        </button>
      </header>
      {live.connection === "disconnected" && (
        <div role="alert" className="bg-rose-700 px-3 py-2 font-semibold text-white">
          Disconnected from the server — reconnecting…
        </div>
      )}
      {live.snapshot === null ? (
        <p className="p-4">Loading…</p>
      ) : (
        <>
          <HealthStrip snapshot={live.snapshot} receivedAt={receivedAt} />
          <main className="space-y-4 p-3">
            <ViewBody
              view={view}
              snapshot={live.snapshot}
              token={token}
              canEdit={canEdit}
              feed={live.feed}
              onCommand={open}
              onResumeStrategy={resumeStrategy}
            />
          </main>
        </>
      )}
      <ConfirmDialog
        spec={dialog}
        onClose={() => {
          setDialog(null);
        }}
      />
    </div>
  );
}

function ViewBody(props: {
  view: ViewId;
  snapshot: ConsoleSnapshot;
  token: string;
  canEdit: boolean;
  feed: EventFeed;
  onCommand: (k: CommandKind) => void;
  onResumeStrategy: (strategy: string) => void;
}) {
  const s = props.snapshot;
  const positions = useMemo(() => s.positions as unknown as Position[], [s.positions]);
  const open = positions.filter((p) => p.state !== "CLOSED");
  const sl = Number(s.controls.stop_loss_pct ?? "0");
  const tp = Number(s.controls.take_profit_pct ?? "0");
  switch (props.view) {
    case "command":
      return (
        <>
          <StatusBar snapshot={s} />
          {props.canEdit && <KillSwitch state={s.cro?.state ?? null} onCommand={props.onCommand} />}
          <Strategies
            snapshot={s}
            {...(props.canEdit ? { onResume: props.onResumeStrategy } : {})}
          />
          <Positions
            title="Open positions"
            snapshot={s}
            positions={open}
            stopLossPct={sl}
            takeProfitPct={tp}
          />
          <ActivityFeed feed={props.feed} />
        </>
      );
    case "instrument":
      return <Instrument snapshot={s} stopLossPct={sl} takeProfitPct={tp} />;
    case "risk":
      return <Risk snapshot={s} token={props.token} canEdit={props.canEdit} />;
    case "trades":
      return <TradeHistory token={props.token} />;
  }
}
