/**
 * Evidence ids: the kind, the run's start (virtual or real clock) and its seed, so the same seeded
 * simulation gets the same id and a stored run says what it was at a glance.
 */
export function runId(kind: string, seed: number | null, startedAt: number): string {
  const stamp = new Date(startedAt).toISOString().replace(/[-:]/g, "").replace(".", "");
  return `${kind}-${stamp}-${seed === null ? "live" : `s${seed}`}`;
}
