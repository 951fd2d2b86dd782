// Charts drawn as SVG with d3-scale and d3-shape: the board's sparklines and the
// mission page's target chart (actuals, trajectory, forecast fan with 80% and 95%
// bands, target marker). Every chart carries a text alternative: sparklines an
// aria-label, target charts a title, a description and a data table (built by
// the caller from chartRows()).

import { scaleLinear } from 'd3-scale';
import { area, line } from 'd3-shape';
import type { FanPoint, PeriodValue, StatusTarget } from './api';
import { s, uid } from './dom';
import { fmtInterval, fmtNumber, fmtValue, periodStart } from './format';

interface XY {
  x: number;
  y: number;
}

function points(series: PeriodValue[]): XY[] {
  return series
    .map((p) => ({ x: periodStart(p.period), y: p.value }))
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .sort((a, b) => a.x - b.x);
}

/** A sparkline of a target's actuals, with a text alternative naming first and last values. */
export function sparkline(t: StatusTarget): SVGElement | null {
  const pts = points(t.actuals);
  if (pts.length === 0) return null;
  const W = 128;
  const H = 36;
  const pad = 4;
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const x = scaleLinear()
    .domain([Math.min(...xs), Math.max(...xs) === Math.min(...xs) ? Math.min(...xs) + 1 : Math.max(...xs)])
    .range([pad, W - pad]);
  const yMin = Math.min(...ys);
  const yMax = Math.max(...ys);
  const y = scaleLinear()
    .domain(yMin === yMax ? [yMin - 1, yMax + 1] : [yMin, yMax])
    .range([H - pad, pad]);
  const path = line<XY>()
    .x((p) => x(p.x))
    .y((p) => y(p.y))(pts);
  const first = t.actuals[0];
  const last = t.actuals[t.actuals.length - 1];
  const label =
    t.actuals.length === 1
      ? `One actual: ${fmtValue(first.value, t.unit)} in ${first.period}`
      : `Trend of ${t.actuals.length} actuals, from ${fmtValue(first.value, t.unit)} in ${first.period} to ${fmtValue(last.value, t.unit)} in ${last.period}`;
  const lp = pts[pts.length - 1];
  return s(
    'svg',
    {
      class: 'gp-sparkline',
      width: W,
      height: H,
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-label': label,
      'data-points': pts.length,
      focusable: 'false',
    },
    s('path', { d: path ?? '', class: 'gp-sparkline__line' }),
    s('circle', { cx: x(lp.x), cy: y(lp.y), r: 3, class: 'gp-sparkline__last' }),
  );
}

/** One row of a target chart's data table. */
export interface ChartRow {
  period: string;
  actual: number | null;
  trajectory: number | null;
  trajectoryIsPoint: boolean;
  fan: FanPoint | null;
}

function interpolate(pts: XY[], x: number): number | null {
  if (pts.length === 0) return null;
  if (x < pts[0].x - 1e-9 || x > pts[pts.length - 1].x + 1e-9) return null;
  for (let i = 0; i < pts.length; i++) {
    if (Math.abs(pts[i].x - x) < 1e-9) return pts[i].y;
    if (i + 1 < pts.length && pts[i].x < x && x < pts[i + 1].x) {
      const f = (x - pts[i].x) / (pts[i + 1].x - pts[i].x);
      return pts[i].y + f * (pts[i + 1].y - pts[i].y);
    }
  }
  return null;
}

/**
 * The chart's data as rows, one per period that has an actual, a trajectory point or a
 * forecast, in time order. Trajectory values between the plan's points are linear
 * interpolations (as drawn).
 */
export function chartRows(t: StatusTarget): ChartRow[] {
  const byPeriod = new Map<string, ChartRow>();
  const row = (period: string): ChartRow => {
    let r = byPeriod.get(period);
    if (!r) {
      r = { period, actual: null, trajectory: null, trajectoryIsPoint: false, fan: null };
      byPeriod.set(period, r);
    }
    return r;
  };
  for (const a of t.actuals) row(a.period).actual = a.value;
  for (const p of t.trajectory_points) {
    const r = row(p.period);
    r.trajectory = p.value;
    r.trajectoryIsPoint = true;
  }
  for (const f of t.fan) row(f.period).fan = f;
  const traj = points(t.trajectory_points);
  for (const r of byPeriod.values()) {
    if (r.trajectory === null) r.trajectory = interpolate(traj, periodStart(r.period));
  }
  return [...byPeriod.values()].sort((a, b) => periodStart(a.period) - periodStart(b.period));
}

/** A one-paragraph description of what the target chart shows. */
export function chartSummary(t: StatusTarget): string {
  const parts: string[] = [];
  if (t.latest) {
    parts.push(`Latest actual ${fmtValue(t.latest.value, t.unit)} in ${t.latest.period}.`);
    if (t.trajectory_value !== null) {
      parts.push(`The trajectory for ${t.latest.period} is ${fmtValue(t.trajectory_value, t.unit)}.`);
    }
  } else {
    parts.push('No actuals yet.');
  }
  if (t.forecast) {
    parts.push(
      `Forecast for ${t.forecast.period}: ${fmtValue(t.forecast.mean, t.unit)} ` +
        `(80% interval ${fmtInterval(t.forecast.pi80)}; 95% interval ${fmtInterval(t.forecast.pi95)}).`,
    );
  }
  parts.push(`Target ${fmtValue(t.target.value, t.unit)} by ${t.target.period}.`);
  return parts.join(' ');
}

/**
 * The target chart: actuals (solid line and points), the trajectory (dashed), the
 * forecast fan (95% and 80% bands and the mean) and the target marker. Returns an
 * SVG with role="img", a <title> and a <desc>.
 */
export function targetChart(t: StatusTarget, title: string, width = 720): SVGElement {
  // Drawn at the width it will be shown at, so its text stays at 14px on small screens.
  const W = Math.round(Math.max(280, Math.min(760, width)));
  const H = Math.round(Math.max(240, Math.min(340, W * 0.5)));
  const m = { top: 34, right: 16, bottom: 44, left: W < 480 ? 44 : 64 };
  const actual = points(t.actuals);
  const traj = points(t.trajectory_points);
  const fan = t.fan
    .map((f) => ({ x: periodStart(f.period), f }))
    .filter((p) => Number.isFinite(p.x))
    .sort((a, b) => a.x - b.x);
  const tx = periodStart(t.target.period);
  const bx = periodStart(t.baseline.period);

  const allX = [...actual.map((p) => p.x), ...traj.map((p) => p.x), ...fan.map((p) => p.x), tx, bx]
    .filter(Number.isFinite);
  const allY = [
    ...actual.map((p) => p.y),
    ...traj.map((p) => p.y),
    ...fan.flatMap((p) => [p.f.pi95[0], p.f.pi95[1], p.f.mean]),
    t.target.value,
    t.baseline.value,
  ].filter(Number.isFinite);
  let x0 = Math.min(...allX);
  let x1 = Math.max(...allX);
  if (x0 === x1) {
    x0 -= 1;
    x1 += 1;
  }
  let y0 = Math.min(...allY);
  let y1 = Math.max(...allY);
  if (y0 >= 0) y0 = 0;
  if (y0 === y1) y1 = y0 + 1;

  const x = scaleLinear().domain([x0, x1]).range([m.left, W - m.right]);
  const y = scaleLinear().domain([y0, y1]).nice(6).range([H - m.bottom, m.top]);

  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const svg = s('svg', {
    class: 'gp-chart',
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-labelledby': titleId,
    'aria-describedby': descId,
    focusable: 'false',
    'data-actuals': actual.length,
    'data-trajectory': traj.length,
    'data-fan': fan.length,
  });
  svg.appendChild(s('title', { id: titleId }, title));
  svg.appendChild(s('desc', { id: descId }, chartSummary(t)));

  // Grid and y axis.
  const gy = s('g', { class: 'gp-chart__axis gp-chart__axis--y' });
  for (const v of y.ticks(6)) {
    gy.appendChild(s('line', { x1: m.left, x2: W - m.right, y1: y(v), y2: y(v), class: 'gp-chart__grid' }));
    gy.appendChild(
      s('text', { x: m.left - 8, y: y(v), dy: '0.32em', 'text-anchor': 'end' }, fmtNumber(v)),
    );
  }
  gy.appendChild(s('text', { x: m.left - 8, y: m.top - 16, 'text-anchor': 'end', class: 'gp-chart__unit' }, t.unit));
  svg.appendChild(gy);

  // X axis: whole years, at most about 9 labels.
  const gx = s('g', { class: 'gp-chart__axis gp-chart__axis--x' });
  gx.appendChild(s('line', { x1: m.left, x2: W - m.right, y1: H - m.bottom, y2: H - m.bottom, class: 'gp-chart__baseline' }));
  // Count back from the last whole year so the target's year is always labelled.
  const first = Math.ceil(x0);
  const last = Math.floor(x1);
  const maxLabels = Math.max(3, Math.floor((W - m.left - m.right) / 64));
  const step = Math.max(1, Math.ceil((last - first) / maxLabels));
  for (let yr = last; yr >= first; yr -= step) {
    gx.appendChild(s('line', { x1: x(yr), x2: x(yr), y1: H - m.bottom, y2: H - m.bottom + 6, class: 'gp-chart__tick' }));
    gx.appendChild(s('text', { x: x(yr), y: H - m.bottom + 22, 'text-anchor': 'middle' }, String(yr)));
  }
  svg.appendChild(gx);

  // Forecast fan: 95% band, 80% band, mean.
  if (fan.length > 0) {
    const band = (k: 'pi95' | 'pi80') =>
      area<{ x: number; f: FanPoint }>()
        .x((p) => x(p.x))
        .y0((p) => y(p.f[k][0]))
        .y1((p) => y(p.f[k][1]))(fan) ?? '';
    svg.appendChild(s('path', { d: band('pi95'), class: 'gp-chart__band95', 'data-series': 'pi95' }));
    svg.appendChild(s('path', { d: band('pi80'), class: 'gp-chart__band80', 'data-series': 'pi80' }));
    const mean = line<{ x: number; f: FanPoint }>()
      .x((p) => x(p.x))
      .y((p) => y(p.f.mean))(fan);
    svg.appendChild(s('path', { d: mean ?? '', class: 'gp-chart__forecast', 'data-series': 'forecast' }));
  }

  // Trajectory.
  if (traj.length > 0) {
    const d = line<XY>()
      .x((p) => x(p.x))
      .y((p) => y(p.y))(traj);
    svg.appendChild(s('path', { d: d ?? '', class: 'gp-chart__trajectory', 'data-series': 'trajectory' }));
  }

  // Actuals.
  if (actual.length > 0) {
    const d = line<XY>()
      .x((p) => x(p.x))
      .y((p) => y(p.y))(actual);
    const g = s('g', { class: 'gp-chart__actuals', 'data-series': 'actuals' });
    g.appendChild(s('path', { d: d ?? '', class: 'gp-chart__actual-line' }));
    for (const p of actual) g.appendChild(s('circle', { cx: x(p.x), cy: y(p.y), r: 4, class: 'gp-chart__actual-point' }));
    svg.appendChild(g);
  }

  // Target marker: a diamond at the target period and value, labelled.
  if (Number.isFinite(tx)) {
    const cx = x(tx);
    const cy = y(t.target.value);
    const r = 8;
    const g = s('g', { class: 'gp-chart__target', 'data-series': 'target' });
    g.appendChild(s('path', { d: `M${cx} ${cy - r}L${cx + r} ${cy}L${cx} ${cy + r}L${cx - r} ${cy}Z` }));
    const labelAbove = cy > m.top + 30;
    g.appendChild(
      s(
        'text',
        { x: cx - r - 4, y: labelAbove ? cy - r - 6 : cy + r + 16, 'text-anchor': 'end' },
        `Target ${fmtValue(t.target.value, t.unit)}`,
      ),
    );
    svg.appendChild(g);
  }
  return svg;
}

/** One point of an observation chart: a value and, when known, its interval. */
export interface ObservedPoint {
  period: string;
  value: number;
  lower: number | null;
  upper: number | null;
}

/**
 * A line chart of one series of observations (the headline or one breakdown), with
 * each observation's interval as a vertical bar when it has one. Returns an SVG
 * with role="img", a <title> and a <desc>; the page's observations table is its
 * data.
 */
export function observationChart(
  series: ObservedPoint[],
  unit: string,
  title: string,
  width = 720,
): SVGElement | null {
  const pts = series
    .map((o) => ({ ...o, x: periodStart(o.period) }))
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.value))
    .sort((a, b) => a.x - b.x);
  if (pts.length < 2) return null;
  const W = Math.round(Math.max(280, Math.min(760, width)));
  const H = Math.round(Math.max(220, Math.min(300, W * 0.42)));
  const m = { top: 34, right: 16, bottom: 44, left: W < 480 ? 44 : 64 };
  const ys = pts.flatMap((p) => [p.value, p.lower ?? p.value, p.upper ?? p.value]);
  let y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  if (y0 >= 0) y0 = 0;
  const x0 = pts[0].x;
  const x1 = pts[pts.length - 1].x;
  const x = scaleLinear().domain([x0, x1]).range([m.left, W - m.right]);
  const y = scaleLinear().domain([y0, y1 === y0 ? y0 + 1 : y1]).nice(5).range([H - m.bottom, m.top]);
  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const first = pts[0];
  const last = pts[pts.length - 1];
  const svg = s('svg', {
    class: 'gp-chart gp-chart--observations',
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-labelledby': titleId,
    'aria-describedby': descId,
    focusable: 'false',
    'data-points': pts.length,
  });
  svg.appendChild(s('title', { id: titleId }, title));
  svg.appendChild(
    s(
      'desc',
      { id: descId },
      `${pts.length} observations from ${fmtValue(first.value, unit)} in ${first.period} to ` +
        `${fmtValue(last.value, unit)} in ${last.period}. The values are in the table below.`,
    ),
  );
  const gy = s('g', { class: 'gp-chart__axis gp-chart__axis--y' });
  for (const v of y.ticks(5)) {
    gy.appendChild(s('line', { x1: m.left, x2: W - m.right, y1: y(v), y2: y(v), class: 'gp-chart__grid' }));
    gy.appendChild(s('text', { x: m.left - 8, y: y(v), dy: '0.32em', 'text-anchor': 'end' }, fmtNumber(v)));
  }
  gy.appendChild(s('text', { x: m.left - 8, y: m.top - 16, 'text-anchor': 'end', class: 'gp-chart__unit' }, unit));
  svg.appendChild(gy);
  const gx = s('g', { class: 'gp-chart__axis gp-chart__axis--x' });
  gx.appendChild(s('line', { x1: m.left, x2: W - m.right, y1: H - m.bottom, y2: H - m.bottom, class: 'gp-chart__baseline' }));
  const fy = Math.ceil(x0);
  const ly = Math.floor(x1);
  const step = Math.max(1, Math.ceil((ly - fy) / Math.max(3, Math.floor((W - m.left - m.right) / 64))));
  for (let yr = ly; yr >= fy; yr -= step) {
    gx.appendChild(s('line', { x1: x(yr), x2: x(yr), y1: H - m.bottom, y2: H - m.bottom + 6, class: 'gp-chart__tick' }));
    gx.appendChild(s('text', { x: x(yr), y: H - m.bottom + 22, 'text-anchor': 'middle' }, String(yr)));
  }
  svg.appendChild(gx);
  const g = s('g', { class: 'gp-chart__actuals', 'data-series': 'observations' });
  for (const p of pts) {
    if (p.lower !== null && p.upper !== null) {
      g.appendChild(s('line', { x1: x(p.x), x2: x(p.x), y1: y(p.lower), y2: y(p.upper), class: 'gp-chart__interval' }));
    }
  }
  const d = line<{ x: number; value: number }>()
    .x((p) => x(p.x))
    .y((p) => y(p.value))(pts);
  g.appendChild(s('path', { d: d ?? '', class: 'gp-chart__actual-line' }));
  for (const p of pts) g.appendChild(s('circle', { cx: x(p.x), cy: y(p.value), r: 4, class: 'gp-chart__actual-point' }));
  svg.appendChild(g);
  return svg;
}
