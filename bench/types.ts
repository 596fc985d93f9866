/** What a bench module exports: `benches`, each returning rows for the runner's table. */
export interface BenchResult {
  /** What was measured, e.g. "request/reply p50 (NatsBus)". */
  metric: string;
  value: number;
  unit: string;
  /** A human-readable target such as "< 1.25", shown beside the value. */
  target?: string;
  /** Whether the target was met; absent when the row has no target. */
  pass?: boolean;
  note?: string;
}

export interface Bench {
  name: string;
  run(): Promise<BenchResult[]>;
}
