// Charts of the trials page, drawn as SVG with d3-scale and d3-shape: the forest plot of
// effects with their 95% intervals, the always-valid confidence sequence over the looks,
// and the adaptive allocation (weight for the next batch and probability of being best
// per arm). Each returns an SVG with role="img", a <title> and a <desc>; the page gives
// the same numbers as tables (the text alternative).

import { scaleBand, scaleLinear } from 'd3-scale';
import { area, line } from 'd3-shape';
import { s, uid } from './dom';
import { fmtNumber } from './format';

const BLUE = '#1d70b8';
const BLACK = '#0b0c0c';
const GREY = '#505a5f';
const LIGHT = '#e1e1e1';
const GREEN = '#00703c';

/** One row of the forest plot. */
export interface ForestRow {
  /** What is compared, e.g. "treat vs control (lin)". */
  label: string;
  estimate: number;
  low: number;
  high: number;
}

/** One look of a confidence sequence. */
export interface SequencePoint {
  look: string;
  estimate: number;
  low: number;
  high: number;
}

/** One arm of an adaptive allocation. */
export interface AllocationBar {
  arm: string;
  weight: number;
  probBest: number;
}

function frame(cls: string, W: number, H: number, title: string, desc: string): SVGElement {
  const titleId = uid(`${cls}-title`);
  const descId = uid(`${cls}-desc`);
  const svg = s('svg', {
    class: `gp-chart ${cls}`,
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-labelledby': titleId,
    'aria-describedby': descId,
    focusable: 'false',
  });
  svg.appendChild(s('title', { id: titleId }, title));
  svg.appendChild(s('desc', { id: descId }, desc));
  return svg;
}

const cut = (t: string, n: number) => (t.length > n ? `${t.slice(0, n - 1).trimEnd()}…` : t);

/** The forest plot: one row per comparison, the estimate as a square, its 95% interval as a line. */
export function forestPlot(rows: ForestRow[], title: string, desc: string, width = 720): SVGElement {
  const W = Math.round(Math.max(320, Math.min(760, width)));
  const labelW = Math.round(W * 0.38);
  const rowH = 34;
  const m = { top: 10, right: 24, bottom: 40, left: labelW + 10 };
  const H = m.top + m.bottom + rowH * Math.max(1, rows.length);
  const lo = Math.min(0, ...rows.map((r) => r.low));
  const hi = Math.max(0, ...rows.map((r) => r.high));
  const pad = (hi - lo || 1) * 0.05;
  const x = scaleLinear().domain([lo - pad, hi + pad]).nice(6).range([m.left, W - m.right]);
  const svg = frame('gp-forest', W, H, title, desc);
  svg.setAttribute('data-rows', String(rows.length));
  const gx = s('g', { class: 'gp-chart__axis gp-chart__axis--x' });
  for (const v of x.ticks(6)) {
    gx.appendChild(s('line', { x1: x(v), x2: x(v), y1: m.top, y2: H - m.bottom, stroke: LIGHT }));
    gx.appendChild(s('text', { x: x(v), y: H - m.bottom + 18, 'text-anchor': 'middle' }, fmtNumber(v)));
  }
  gx.appendChild(
    s('text', { x: (m.left + W - m.right) / 2, y: H - 6, 'text-anchor': 'middle', 'font-weight': 700 }, 'Effect (difference from control), 95% interval'),
  );
  svg.appendChild(gx);
  svg.appendChild(s('line', { x1: x(0), x2: x(0), y1: m.top, y2: H - m.bottom, stroke: BLACK, 'stroke-width': 1.5, 'stroke-dasharray': '4 3' }));
  rows.forEach((r, i) => {
    const cy = m.top + i * rowH + rowH / 2;
    const g = s('g', { class: 'gp-forest__row', 'data-label': r.label });
    g.appendChild(s('text', { x: labelW, y: cy, dy: '0.35em', 'text-anchor': 'end' }, cut(r.label, Math.floor(labelW / 7))));
    g.appendChild(s('line', { x1: x(r.low), x2: x(r.high), y1: cy, y2: cy, stroke: BLUE, 'stroke-width': 3 }));
    for (const v of [r.low, r.high])
      g.appendChild(s('line', { x1: x(v), x2: x(v), y1: cy - 6, y2: cy + 6, stroke: BLUE, 'stroke-width': 2 }));
    g.appendChild(s('rect', { x: x(r.estimate) - 6, y: cy - 6, width: 12, height: 12, fill: BLACK, class: 'gp-forest__estimate' }));
    svg.appendChild(g);
  });
  return svg;
}

/** The confidence sequence over the looks: the band of the always-valid interval and the estimate. */
export function sequenceChart(points: SequencePoint[], title: string, desc: string, width = 720): SVGElement {
  const W = Math.round(Math.max(320, Math.min(760, width)));
  const H = 300;
  const m = { top: 14, right: 20, bottom: 48, left: 64 };
  const x = scaleLinear().domain([0, Math.max(1, points.length - 1)]).range([m.left, W - m.right]);
  // The first looks' intervals can be very wide: show up to 3 final widths either side
  // of the final interval (the band is clipped; the table has every number).
  const finite = points.filter((p) => Number.isFinite(p.low) && Number.isFinite(p.high));
  const last = finite[finite.length - 1];
  const span = last ? last.high - last.low : 1;
  const lo = Math.min(0, Math.max(Math.min(...finite.map((p) => p.low)), (last?.low ?? 0) - 3 * span));
  const hi = Math.max(0, Math.min(Math.max(...finite.map((p) => p.high)), (last?.high ?? 0) + 3 * span));
  const y = scaleLinear().domain([lo, hi === lo ? lo + 1 : hi]).nice(6).range([H - m.bottom, m.top]);
  const svg = frame('gp-sequence', W, H, title, desc);
  const clipId = uid('gp-sequence-clip');
  svg.appendChild(
    s('clipPath', { id: clipId }, s('rect', { x: m.left, y: m.top, width: W - m.left - m.right, height: H - m.top - m.bottom })),
  );
  svg.setAttribute('data-points', String(points.length));
  const g = s('g', { class: 'gp-chart__axis' });
  for (const v of y.ticks(6)) {
    g.appendChild(s('line', { x1: m.left, x2: W - m.right, y1: y(v), y2: y(v), stroke: LIGHT }));
    g.appendChild(s('text', { x: m.left - 6, y: y(v), dy: '0.35em', 'text-anchor': 'end' }, fmtNumber(v)));
  }
  const step = Math.max(1, Math.ceil(points.length / 8));
  points.forEach((p, i) => {
    if (i % step === 0 || i === points.length - 1)
      g.appendChild(s('text', { x: x(i), y: H - m.bottom + 18, 'text-anchor': 'middle' }, cut(p.look, 10)));
  });
  g.appendChild(s('text', { x: (m.left + W - m.right) / 2, y: H - 6, 'text-anchor': 'middle', 'font-weight': 700 }, 'Look'));
  svg.appendChild(g);
  const band = area<SequencePoint>()
    .defined((p) => Number.isFinite(p.low) && Number.isFinite(p.high))
    .x((_, i) => x(i))
    .y0((p) => y(p.low))
    .y1((p) => y(p.high));
  const mid = line<SequencePoint>()
    .defined((p) => Number.isFinite(p.estimate))
    .x((_, i) => x(i))
    .y((p) => y(p.estimate));
  svg.appendChild(s('path', { d: band(points) ?? '', fill: BLUE, 'fill-opacity': 0.25, class: 'gp-sequence__band', 'clip-path': `url(#${clipId})` }));
  svg.appendChild(s('path', { d: mid(points) ?? '', fill: 'none', stroke: BLACK, 'stroke-width': 2.5, class: 'gp-sequence__estimate', 'clip-path': `url(#${clipId})` }));
  svg.appendChild(s('line', { x1: m.left, x2: W - m.right, y1: y(0), y2: y(0), stroke: BLACK, 'stroke-dasharray': '4 3' }));
  return svg;
}

/** The allocation chart: per arm, the weight for the next batch and P(best), as paired bars. */
export function allocationChart(bars: AllocationBar[], title: string, desc: string, width = 720): SVGElement {
  const W = Math.round(Math.max(320, Math.min(760, width)));
  const labelW = Math.round(W * 0.22);
  const rowH = 44;
  const m = { top: 30, right: 60, bottom: 30, left: labelW + 10 };
  const H = m.top + m.bottom + rowH * bars.length;
  const x = scaleLinear().domain([0, 1]).range([m.left, W - m.right]);
  const yb = scaleBand<number>().domain(bars.map((_, i) => i)).range([m.top, H - m.bottom]).padding(0.15);
  const svg = frame('gp-allocation', W, H, title, desc);
  svg.setAttribute('data-bars', String(bars.length));
  const legend = s('g', { class: 'gp-allocation__legend' });
  legend.appendChild(s('rect', { x: m.left, y: 6, width: 14, height: 12, fill: BLUE }));
  legend.appendChild(s('text', { x: m.left + 20, y: 16 }, 'Weight for the next batch'));
  legend.appendChild(s('rect', { x: m.left + 220, y: 6, width: 14, height: 12, fill: GREEN }));
  legend.appendChild(s('text', { x: m.left + 240, y: 16 }, 'Probability of being best'));
  svg.appendChild(legend);
  for (const v of x.ticks(5)) {
    svg.appendChild(s('line', { x1: x(v), x2: x(v), y1: m.top, y2: H - m.bottom, stroke: LIGHT }));
    svg.appendChild(s('text', { x: x(v), y: H - m.bottom + 18, 'text-anchor': 'middle' }, `${Math.round(v * 100)}%`));
  }
  bars.forEach((b, i) => {
    const top = yb(i) ?? 0;
    const bh = yb.bandwidth() / 2;
    const g = s('g', { class: 'gp-allocation__row', 'data-arm': b.arm });
    g.appendChild(s('text', { x: labelW, y: top + bh, dy: '0.35em', 'text-anchor': 'end' }, cut(b.arm, Math.floor(labelW / 7))));
    g.appendChild(s('rect', { x: x(0), y: top, width: Math.max(1, x(b.weight) - x(0)), height: bh - 1, fill: BLUE }));
    g.appendChild(s('text', { x: x(b.weight) + 4, y: top + bh / 2, dy: '0.35em', fill: GREY }, `${(b.weight * 100).toFixed(1)}%`));
    g.appendChild(s('rect', { x: x(0), y: top + bh, width: Math.max(1, x(b.probBest) - x(0)), height: bh - 1, fill: GREEN }));
    g.appendChild(s('text', { x: x(b.probBest) + 4, y: top + 1.5 * bh, dy: '0.35em', fill: GREY }, `${(b.probBest * 100).toFixed(1)}%`));
    svg.appendChild(g);
  });
  svg.appendChild(s('line', { x1: x(0), x2: x(0), y1: m.top, y2: H - m.bottom, stroke: BLACK }));
  return svg;
}

/** One arm's allocation weight at each look. */
export interface WeightSeries {
  arm: string;
  /** Weight at each look (NaN: no allocation at that look). */
  weights: number[];
}

const SERIES_COLOURS = ['#1d70b8', '#d4351c', '#00703c', '#4c2c92', '#b58840', '#5694ca', '#0b0c0c', '#f47738'];
const SERIES_DASHES = ['', '8 4', '2 4', '12 4 2 4', '6 6', '1 3', '10 2', '4 2 1 2'];

/** Allocation weights over the looks: one line per arm (colour and dash pattern, labelled at the end). */
export function weightsOverTimeChart(looks: string[], series: WeightSeries[], title: string, desc: string, width = 720): SVGElement {
  const W = Math.round(Math.max(320, Math.min(760, width)));
  const H = 280;
  const m = { top: 14, right: 90, bottom: 48, left: 56 };
  const x = scaleLinear().domain([0, Math.max(1, looks.length - 1)]).range([m.left, W - m.right]);
  const y = scaleLinear().domain([0, 1]).range([H - m.bottom, m.top]);
  const svg = frame('gp-weights', W, H, title, desc);
  svg.setAttribute('data-looks', String(looks.length));
  for (const v of y.ticks(5)) {
    svg.appendChild(s('line', { x1: m.left, x2: W - m.right, y1: y(v), y2: y(v), stroke: LIGHT }));
    svg.appendChild(s('text', { x: m.left - 6, y: y(v), dy: '0.35em', 'text-anchor': 'end' }, `${Math.round(v * 100)}%`));
  }
  const step = Math.max(1, Math.ceil(looks.length / 8));
  looks.forEach((l, i) => {
    if (i % step === 0 || i === looks.length - 1)
      svg.appendChild(s('text', { x: x(i), y: H - m.bottom + 18, 'text-anchor': 'middle' }, cut(l, 10)));
  });
  svg.appendChild(s('text', { x: (m.left + W - m.right) / 2, y: H - 6, 'text-anchor': 'middle', 'font-weight': 700 }, 'Look'));
  // End labels, nudged apart so that equal weights do not overprint.
  const ends = series
    .map((sr, k) => {
      const i = sr.weights.map((w, j) => (Number.isFinite(w) ? j : -1)).reduce((a, b) => Math.max(a, b), -1);
      return { k, i, y: i >= 0 ? y(sr.weights[i]) : NaN };
    })
    .filter((e) => e.i >= 0)
    .sort((a, b) => a.y - b.y);
  for (let j = 1; j < ends.length; j++) if (ends[j].y - ends[j - 1].y < 15) ends[j].y = ends[j - 1].y + 15;
  series.forEach((sr, k) => {
    const pts = sr.weights.map((w, i) => ({ i, w }));
    const path = line<{ i: number; w: number }>()
      .defined((p) => Number.isFinite(p.w))
      .x((p) => x(p.i))
      .y((p) => y(p.w));
    const colour = SERIES_COLOURS[k % SERIES_COLOURS.length];
    svg.appendChild(
      s('path', { d: path(pts) ?? '', fill: 'none', stroke: colour, 'stroke-width': 2.5, 'stroke-dasharray': SERIES_DASHES[k % SERIES_DASHES.length] || null, 'data-arm': sr.arm }),
    );
    const end = ends.find((e) => e.k === k);
    if (end) svg.appendChild(s('text', { x: x(end.i) + 6, y: end.y, dy: '0.35em', fill: colour }, cut(sr.arm, 12)));
  });
  return svg;
}
