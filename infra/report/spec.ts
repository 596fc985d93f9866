/**
 * What a report's charts show, as data: the HTML page embeds these specs as JSON and the inline
 * client (client/main.tsx) draws them with Recharts. Shared by the page writer and the client.
 */

/** One line of a time chart: `key` names its value in every point. */
export interface SeriesSpec {
  key: string;
  name: string;
  color: string;
}

/** A window of time shaded under the lines (a fault), named on hover. */
export interface BandSpec {
  from: number;
  to: number;
  name: string;
  detail: string;
}

/** A stretch of time in one lane of a timeline: a state, or a fault's window. */
export interface SegmentSpec {
  from: number;
  to: number;
  color: string;
  /** Shown on hover (an SVG title). */
  title: string;
  /** "state" or "fault": the segment's class is `${role}-segment`, for styling and tests. */
  role: "state" | "fault";
  /** The state or fault name (the segment's data-name attribute). */
  name: string;
}

/** One labelled row of a timeline. */
export interface LaneSpec {
  label: string;
  segments: SegmentSpec[];
}

/** Lines over time (ms since the epoch, simulated or real) with bands and an optional strip. */
export interface TimeChartSpec {
  kind: "time";
  id: string;
  /** X axis label, e.g. "simulated time (UTC)". */
  xLabel: string;
  /** Y axis label with its unit, e.g. "equity (USD)". */
  yLabel: string;
  /** Appended to every value in the tooltip, e.g. "USD". */
  unit: string;
  series: SeriesSpec[];
  points: Record<string, number>[];
  bands: BandSpec[];
  domain: [number, number];
  height: number;
}

/** Labelled rows of coloured segments over time (the trading state, faults by kind). */
export interface TimelineChartSpec {
  kind: "timeline";
  id: string;
  xLabel: string;
  lanes: LaneSpec[];
  domain: [number, number];
}

/** Horizontal bars, one per label. */
export interface BarChartSpec {
  kind: "bar";
  id: string;
  /** X axis label with its unit, e.g. "count". */
  xLabel: string;
  rows: { label: string; value: number; color: string }[];
}

export type ChartSpec = TimeChartSpec | TimelineChartSpec | BarChartSpec;

/** The id of the `<script type="application/json">` that holds the page's chart specs. */
export const SPECS_ELEMENT_ID = "report-charts";
