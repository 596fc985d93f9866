/** Display helpers: money, prices and sizes arrive as integer micro-units. */
const MICRO = 1_000_000;

export function usd(micro: number | null | undefined): string {
  if (micro === null || micro === undefined) return "–";
  const sign = micro < 0 ? "−" : "";
  return `${sign}$${(Math.abs(micro) / MICRO).toFixed(2)}`;
}

export function price(micro: number | null | undefined): string {
  if (micro === null || micro === undefined) return "–";
  return (micro / MICRO).toFixed(3);
}

export function shares(micro: number): string {
  return (micro / MICRO).toFixed(2);
}

export function time(ts: number): string {
  return new Date(ts).toISOString().slice(11, 19);
}

export function dateTime(ts: number): string {
  return new Date(ts).toISOString().replace("T", " ").slice(0, 19);
}

export function ageMs(now: number, then: number | null): string {
  if (then === null) return "–";
  const ms = Math.max(0, now - then);
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

export function pnlClass(micro: number): string {
  if (micro > 0) return "text-emerald-600 dark:text-emerald-400";
  if (micro < 0) return "text-rose-600 dark:text-rose-400";
  return "";
}
