// Charts of the simulation page, drawn as SVG with d3-scale and d3-shape: the fan chart
// of the simulated trajectory (5–95%, 10–90% and 25–75% bands and the median per period)
// against the target trajectory and the targets, and the tornado chart of variance
// shares (first-order sensitivity indices, with ±2 standard errors). Each returns an SVG
// with role="img", a <title> and a <desc>; the page gives their data as tables too.

import { scaleLinear } from 'd3-scale';
import { area, line } from 'd3-shape';
import type { SimTrajectoryPoint, Target } from './api';
import { s, uid } from './dom';
import { fmtNumber, fmtShare, fmtValue, periodStart } from './format';

interface XY {
  x: number;
  y: number;
}

/** The target trajectory of a plan target as points: baseline, the plan's points, target. */
export function targetPath(t: Target): { period: string; value: number }[] {
  const pts = [t.baseline, ...(Array.isArray(t.trajectory) ? t.trajectory : []), t.target];
  const seen = new Map<string, number>();
  for (const p of pts) if (p && Number.isFinite(periodStart(p.period))) seen.set(p.period, p.value);
  return [...seen.entries()]
    .map(([period, value]) => ({ period, value }))
    .sort((a, b) => periodStart(a.period) - periodStart(b.period));
}

function yearAxis(svg: SVGElement, x: (v: number) => number, x0: number, x1: number, W: number, H: number, m: { left: number; right: number; bottom: number }): void {
  const gx = s('g', { class: 'gp-chart__axis gp-chart__axis--x' });
  gx.appendChild(s('line', { x1: m.left, x2: W - m.right, y1: H - m.bottom, y2: H - m.bottom, class: 'gp-chart__baseline' }));
  const first = Math.ceil(x0);
  const last = Math.floor(x1);
  const step = Math.max(1, Math.ceil((last - first) / Math.max(3, Math.floor((W - m.left - m.right) / 64))));
  for (let yr = last; yr >= first; yr -= step) {
    gx.appendChild(s('line', { x1: x(yr), x2: x(yr), y1: H - m.bottom, y2: H - m.bottom + 6, class: 'gp-chart__tick' }));
    gx.appendChild(s('text', { x: x(yr), y: H - m.bottom + 22, 'text-anchor': 'middle' }, String(yr)));
  }
  svg.appendChild(gx);
}

/**
 * The fan chart of one metric: bands of the simulated distribution per period, its
 * median, each target's trajectory (dashed) and each target (a diamond, labelled).
 */
export function fanChart(
  traj: SimTrajectoryPoint[],
  targets: Target[],
  unit: string,
  title: string,
  desc: string,
  width = 720,
): SVGElement {
  const W = Math.round(Math.max(300, Math.min(760, width)));
  const H = Math.round(Math.max(260, Math.min(380, W * 0.52)));
  const m = { top: 34, right: 16, bottom: 44, left: W < 480 ? 48 : 64 };
  const pts = traj
    .map((p) => ({ x: periodStart(p.period), p }))
    .filter((p) => Number.isFinite(p.x))
    .sort((a, b) => a.x - b.x);
  const paths = targets.map((t) => ({ t, pts: targetPath(t).map((p) => ({ x: periodStart(p.period), y: p.value })) }));
  const allX = [...pts.map((p) => p.x), ...paths.flatMap((p) => p.pts.map((q) => q.x))];
  const allY = [...pts.flatMap((p) => [p.p.p5, p.p.p95]), ...paths.flatMap((p) => p.pts.map((q) => q.y))].filter(Number.isFinite);
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
  const titleId = uid('fan-title');
  const descId = uid('fan-desc');
  const svg = s('svg', {
    class: 'gp-chart gp-fan',
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-labelledby': titleId,
    'aria-describedby': descId,
    focusable: 'false',
    'data-periods': pts.length,
    'data-targets': targets.length,
  });
  svg.appendChild(s('title', { id: titleId }, title));
  svg.appendChild(s('desc', { id: descId }, desc));
  const gy = s('g', { class: 'gp-chart__axis gp-chart__axis--y' });
  for (const v of y.ticks(6)) {
    gy.appendChild(s('line', { x1: m.left, x2: W - m.right, y1: y(v), y2: y(v), class: 'gp-chart__grid' }));
    gy.appendChild(s('text', { x: m.left - 8, y: y(v), dy: '0.32em', 'text-anchor': 'end' }, fmtNumber(v)));
  }
  gy.appendChild(s('text', { x: m.left - 8, y: m.top - 16, 'text-anchor': 'end', class: 'gp-chart__unit' }, unit));
  svg.appendChild(gy);
  yearAxis(svg, x, x0, x1, W, H, m);

  type P = { x: number; p: SimTrajectoryPoint };
  const band = (lo: keyof SimTrajectoryPoint, hi: keyof SimTrajectoryPoint) =>
    area<P>()
      .x((d) => x(d.x))
      .y0((d) => y(d.p[lo] as number))
      .y1((d) => y(d.p[hi] as number))(pts) ?? '';
  svg.appendChild(s('path', { d: band('p5', 'p95'), class: 'gp-fan__band90', 'data-series': 'p5-p95' }));
  svg.appendChild(s('path', { d: band('p10', 'p90'), class: 'gp-fan__band80', 'data-series': 'p10-p90' }));
  svg.appendChild(s('path', { d: band('p25', 'p75'), class: 'gp-fan__band50', 'data-series': 'p25-p75' }));
  const median = line<P>()
    .x((d) => x(d.x))
    .y((d) => y(d.p.p50))(pts);
  svg.appendChild(s('path', { d: median ?? '', class: 'gp-fan__median', 'data-series': 'median' }));

  for (const { t, pts: tp } of paths) {
    const d = line<XY>()
      .x((p) => x(p.x))
      .y((p) => y(p.y))(tp);
    svg.appendChild(s('path', { d: d ?? '', class: 'gp-chart__trajectory', 'data-series': `trajectory:${t.id}` }));
  }
  // Targets: diamonds, labels to the left; labels of targets at the same period are stacked.
  const placed: number[] = [];
  for (const t of targets) {
    const tx = periodStart(t.target.period);
    if (!Number.isFinite(tx)) continue;
    const cx = x(tx);
    const cy = y(t.target.value);
    const r = 8;
    const g = s('g', { class: 'gp-chart__target', 'data-series': `target:${t.id}` });
    g.appendChild(s('path', { d: `M${cx} ${cy - r}L${cx + r} ${cy}L${cx} ${cy + r}L${cx - r} ${cy}Z` }));
    let ly = cy + 5;
    while (placed.some((p) => Math.abs(p - ly) < 18)) ly += 18;
    placed.push(ly);
    g.appendChild(s('text', { x: cx - r - 6, y: ly, 'text-anchor': 'end' }, `${t.id}: ${fmtValue(t.target.value, unit)}`));
    svg.appendChild(g);
  }
  return svg;
}

/** One bar of the tornado chart. */
export interface TornadoBar {
  label: string;
  /** A second, smaller line under the label. */
  sub: string;
  share: number;
  se: number | null;
}

/** The tornado chart: variance shares, largest first, each with ±2 standard errors. */
export function tornadoChart(bars: TornadoBar[], title: string, desc: string, width = 720): SVGElement {
  const W = Math.round(Math.max(300, Math.min(760, width)));
  const narrow = W < 560;
  const labelW = narrow ? 0 : Math.round(W * 0.5);
  const rowH = narrow ? 52 : 38;
  const m = { top: 8, right: 56, bottom: 36, left: narrow ? 16 : labelW + 8 };
  const H = m.top + m.bottom + rowH * bars.length;
  const max = Math.max(0.05, ...bars.map((b) => b.share + 2 * (b.se ?? 0)));
  const x = scaleLinear().domain([0, Math.min(1, max)]).nice(5).range([m.left, W - m.right]);
  const titleId = uid('tornado-title');
  const descId = uid('tornado-desc');
  const svg = s('svg', {
    class: 'gp-chart gp-tornado',
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-labelledby': titleId,
    'aria-describedby': descId,
    focusable: 'false',
    'data-bars': bars.length,
  });
  svg.appendChild(s('title', { id: titleId }, title));
  svg.appendChild(s('desc', { id: descId }, desc));
  const gx = s('g', { class: 'gp-chart__axis gp-chart__axis--x' });
  for (const v of x.ticks(5)) {
    gx.appendChild(s('line', { x1: x(v), x2: x(v), y1: m.top, y2: H - m.bottom, class: 'gp-chart__grid' }));
    gx.appendChild(s('text', { x: x(v), y: H - m.bottom + 20, 'text-anchor': 'middle' }, `${Math.round(v * 100)}%`));
  }
  svg.appendChild(gx);
  bars.forEach((b, i) => {
    const top = m.top + i * rowH;
    const barH = narrow ? 14 : 18;
    const by = narrow ? top + 30 : top + (rowH - barH) / 2;
    const g = s('g', { class: 'gp-tornado__row', 'data-input': b.label });
    const cut = (t: string, n: number) => (t.length > n ? `${t.slice(0, n - 1).trimEnd()}…` : t);
    const max = narrow ? Math.floor(W / 7.2) : Math.floor(labelW / 6.9);
    const tx = narrow ? 2 : labelW;
    const anchor = narrow ? 'start' : 'end';
    g.appendChild(s('text', { x: tx, y: top + 14, 'text-anchor': anchor, class: 'gp-tornado__label' }, cut(b.label, max)));
    g.appendChild(s('text', { x: tx, y: top + 28, 'text-anchor': anchor, class: 'gp-tornado__sub' }, cut(b.sub, max)));
    g.appendChild(s('rect', { x: x(0), y: by, width: Math.max(1, x(b.share) - x(0)), height: barH, class: 'gp-tornado__bar' }));
    if (b.se) {
      const lo = x(Math.max(0, b.share - 2 * b.se));
      const hi = x(Math.min(1, b.share + 2 * b.se));
      g.appendChild(s('line', { x1: lo, x2: hi, y1: by + barH / 2, y2: by + barH / 2, class: 'gp-tornado__err' }));
    }
    g.appendChild(
      s('text', { x: Math.max(x(b.share), b.se ? x(Math.min(1, b.share + 2 * b.se)) : 0) + 6, y: by + barH / 2, dy: '0.35em', class: 'gp-tornado__value' }, fmtShare(b.share)),
    );
    svg.appendChild(g);
  });
  svg.appendChild(s('line', { x1: x(0), x2: x(0), y1: m.top, y2: H - m.bottom, class: 'gp-chart__baseline' }));
  return svg;
}
