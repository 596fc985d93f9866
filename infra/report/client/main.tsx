/**
 * The report page's inline script: reads the chart specs the page embeds and draws each with
 * Recharts into the element of the same id. Bundled with React and Recharts into the page itself
 * (infra/report/bundle.ts), so a report opens offline.
 */
import { createRoot } from "react-dom/client";
import {
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  LabelList,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import {
  SPECS_ELEMENT_ID,
  type BandSpec,
  type BarChartSpec,
  type ChartSpec,
  type SegmentSpec,
  type TimeChartSpec,
  type TimelineChartSpec,
} from "../spec.ts";

const WIDTH = 880;
const MARGIN = { top: 8, right: 24, bottom: 28, left: 24 };
const BAND_FILL = "#8e24aa";
/** Every time chart's y axis is this wide, so their time axes line up on the page. */
const GUTTER = 180;
const MINUTE = 60_000;
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 20160, 43200].map(
  (m) => m * MINUTE,
);

/** Round UTC tick times, about `count` of them, across [from, to]. */
export function timeTicks(from: number, to: number, count = 8): { ticks: number[]; step: number } {
  const span = Math.max(1, to - from);
  const step = STEPS.find((s) => span / s <= count) ?? STEPS[STEPS.length - 1] ?? 43_200 * MINUTE;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return { ticks, step };
}

type ShapeProps = { x?: number; y?: number; width?: number; height?: number };

const pad = (n: number): string => String(n).padStart(2, "0");

/** "HH:MM" within a day's span, "MM-DD HH:MM" across days, "YYYY-MM-DD" for whole days. */
export function timeLabel(t: number, step: number, span: number): string {
  const d = new Date(t);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  const md = `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (step >= 1440 * MINUTE) return `${d.getUTCFullYear()}-${md}`;
  return span <= 1440 * MINUTE ? hm : `${md} ${hm}`;
}

function fullTime(t: number): string {
  return new Date(t)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

function bandTitle(b: BandSpec): string {
  return `${b.name}: ${fullTime(b.from)} to ${fullTime(b.to)}${b.detail === "" ? "" : ` (${b.detail})`}`;
}

/** A fault window: a translucent rectangle whose SVG title names the fault on hover. */
function bandShape(b: BandSpec) {
  return function BandShape(props: { x?: number; y?: number; width?: number; height?: number }) {
    return (
      <rect
        className="fault-band"
        data-fault={b.name}
        x={props.x}
        y={props.y}
        width={Math.max(1, props.width ?? 0)}
        height={props.height}
        fill={BAND_FILL}
        fillOpacity={0.07}
      >
        <title>{bandTitle(b)}</title>
      </rect>
    );
  };
}

function bands(list: BandSpec[]) {
  return list.map((b, i) => (
    <ReferenceArea
      key={`band-${i}`}
      x1={b.from}
      x2={b.to}
      ifOverflow="hidden"
      shape={bandShape(b)}
    />
  ));
}

function xAxis(domain: [number, number], label: string) {
  const { ticks, step } = timeTicks(domain[0], domain[1]);
  const span = domain[1] - domain[0];
  return (
    <XAxis
      dataKey="t"
      type="number"
      scale="time"
      domain={domain}
      ticks={ticks}
      tickFormatter={(t: number) => timeLabel(t, step, span)}
      label={{ value: label, position: "insideBottom", offset: -18, fontSize: 12 }}
      fontSize={11}
      allowDataOverflow
    />
  );
}

/** A y domain on round numbers and its ticks (1, 2 or 5 times a power of ten apart). */
export function niceScale(spec: TimeChartSpec): { domain: [number, number]; ticks: number[] } {
  const values = spec.points.flatMap((p) => spec.series.map((s) => p[s.key] ?? NaN));
  const finite = values.filter(Number.isFinite);
  let lo = finite.length === 0 ? 0 : Math.min(...finite);
  let hi = finite.length === 0 ? 1 : Math.max(...finite);
  // A flat line sits mid-chart, one unit either side, not on a sliver of a domain.
  if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
  const raw = Math.max(hi - lo, Math.abs(hi) * 1e-3, 1e-6) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const from = Math.floor(lo / step) * step;
  const to = Math.max(from + step, Math.ceil(hi / step) * step);
  const ticks: number[] = [];
  for (let t = from; t <= to + step / 2; t += step) ticks.push(Number(t.toFixed(10)));
  return { domain: [from, to], ticks };
}

function TimeChart({ spec }: { spec: TimeChartSpec }) {
  return (
    <LineChart width={WIDTH} height={spec.height} data={spec.points} margin={MARGIN}>
      <CartesianGrid stroke="#e5e5e5" strokeDasharray="3 3" />
      {bands(spec.bands)}
      {xAxis(spec.domain, spec.xLabel)}
      <YAxis
        width={GUTTER}
        fontSize={11}
        {...niceScale(spec)}
        tickFormatter={(v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 2 })}
        label={{
          value: spec.yLabel,
          angle: -90,
          position: "insideLeft",
          fontSize: 12,
          dx: 90,
          dy: 40,
        }}
      />
      <Tooltip
        labelFormatter={(t) => fullTime(Number(t))}
        formatter={(v) => `${Number(v).toFixed(2)} ${spec.unit}`}
      />
      <Legend position="top" height={24} />
      {spec.series.map((s) => (
        <Line
          key={s.key}
          dataKey={s.key}
          name={s.name}
          stroke={s.color}
          strokeWidth={1.6}
          dot={false}
          isAnimationActive={false}
        />
      ))}
    </LineChart>
  );
}

function segmentShape(seg: SegmentSpec) {
  return function Segment(p: ShapeProps) {
    return (
      <rect
        className={`${seg.role}-segment`}
        data-name={seg.name}
        x={p.x}
        y={p.y}
        width={Math.max(1.5, p.width ?? 0)}
        height={p.height}
        fill={seg.color}
        fillOpacity={seg.role === "fault" ? 0.75 : 1}
      >
        <title>{seg.title}</title>
      </rect>
    );
  };
}

function TimelineChart({ spec }: { spec: TimelineChartSpec }) {
  const n = spec.lanes.length;
  // An invisible line spans the axes: Recharts draws reference areas only on a chart with data.
  const data = [
    { t: spec.domain[0], y: -0.5 },
    { t: spec.domain[1], y: n - 0.5 },
  ];
  return (
    <ComposedChart width={WIDTH} height={60 + n * 22} data={data} margin={MARGIN}>
      <CartesianGrid stroke="#eee" horizontal={false} />
      {xAxis(spec.domain, spec.xLabel)}
      <YAxis
        type="number"
        domain={[-0.5, n - 0.5]}
        reversed
        ticks={spec.lanes.map((_, i) => i)}
        tickFormatter={(i: number) => spec.lanes[i]?.label ?? ""}
        width={GUTTER}
        fontSize={11}
        interval={0}
        allowDataOverflow
      />
      <Line
        dataKey="y"
        stroke="none"
        dot={false}
        activeDot={false}
        isAnimationActive={false}
        legendType="none"
      />
      {spec.lanes.flatMap((lane, i) =>
        lane.segments.map((seg, j) => (
          <ReferenceArea
            key={`lane-${i}-${j}`}
            x1={seg.from}
            x2={seg.to}
            y1={i - 0.38}
            y2={i + 0.38}
            ifOverflow="hidden"
            shape={segmentShape(seg)}
          />
        )),
      )}
    </ComposedChart>
  );
}

function BarsChart({ spec }: { spec: BarChartSpec }) {
  const height = 72 + spec.rows.length * 28;
  const longest = Math.max(6, ...spec.rows.map((r) => r.label.length));
  return (
    <BarChart
      width={WIDTH}
      height={height}
      data={spec.rows}
      layout="vertical"
      margin={{ ...MARGIN, right: 48 }}
    >
      <CartesianGrid stroke="#e5e5e5" strokeDasharray="3 3" horizontal={false} />
      <XAxis
        type="number"
        fontSize={11}
        allowDecimals={false}
        label={{ value: spec.xLabel, position: "insideBottom", offset: -18, fontSize: 12 }}
      />
      <YAxis
        type="category"
        dataKey="label"
        width={Math.min(360, longest * 8 + 16)}
        fontSize={11}
        interval={0}
      />
      <Tooltip />
      <Bar
        dataKey="value"
        name={spec.xLabel}
        isAnimationActive={false}
        fill="#5c6bc0"
        shape={(p: ShapeProps & { payload?: { color?: string } }) => (
          <rect
            className="bar"
            x={p.x}
            y={p.y}
            width={Math.max(0, p.width ?? 0)}
            height={p.height}
            fill={p.payload?.color ?? "#5c6bc0"}
          />
        )}
      >
        <LabelList dataKey="value" position="right" fontSize={11} />
      </Bar>
    </BarChart>
  );
}

function Chart({ spec }: { spec: ChartSpec }) {
  switch (spec.kind) {
    case "time":
      return <TimeChart spec={spec} />;
    case "timeline":
      return <TimelineChart spec={spec} />;
    case "bar":
      return <BarsChart spec={spec} />;
  }
}

const source = document.getElementById(SPECS_ELEMENT_ID)?.textContent ?? "[]";
for (const spec of JSON.parse(source) as ChartSpec[]) {
  const el = document.getElementById(spec.id);
  if (el !== null) createRoot(el).render(<Chart spec={spec} />);
}
