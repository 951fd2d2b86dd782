// The scan page's funnel plot (web/src/pages/scan.ts), drawn as SVG with d3-scale and
// d3-shape: every unit a point at (its funnel x, its indicator), the target line, and
// the control limits at each level from the scan document's "funnel" lines. Points are
// keyboard reachable with one tab stop (arrow keys move along the x axis, Home/End jump
// to the ends, Enter or Space opens the unit); hovering or focusing a point shows the unit
// in a tooltip, and the flagged-units table under the chart is its text alternative.

import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import { h, replaceChildren, s, uid } from './dom';
import { fmtNumber } from './format';

export type ScanFlag = 'high' | 'low' | 'none';

/** One unit of the scan document (src/io/gp_scanjson.h). */
export interface ScanUnit {
  unit: string;
  name: string | null;
  observed: number | null;
  expected: number | null;
  indicator: number | null;
  se: number | null;
  z: number | null;
  limits: Record<string, [number | null, number | null]>;
  flag: Record<string, ScanFlag>;
  q_value: number | null;
  shrunk: { estimate: number | null; lower: number | null; upper: number | null };
  persistence: number | null;
}

/** One point of the funnel's limit lines. */
export interface FunnelPoint {
  x: number;
  limits: Record<string, [number | null, number | null]>;
}

/** The scan document (GET /api/v1/metrics/{id}/scan). */
export interface ScanDoc {
  metric: string;
  period: string;
  type: string;
  analysed_as?: string;
  target: number | null;
  phi: number | null;
  tau2: number | null;
  overdispersion?: string;
  od_applied?: boolean;
  adjust?: string[];
  fdr?: number;
  counts?: Record<string, number>;
  model?: unknown;
  units: ScanUnit[];
  funnel: FunnelPoint[];
}

/** The level keys of a scan ("95", "99.8"), narrowest first. */
export function levelKeys(doc: ScanDoc): string[] {
  const first = doc.funnel[0] ?? doc.units[0];
  return first ? Object.keys(first.limits).sort((a, b) => Number(a) - Number(b)) : [];
}

/**
 * A unit's funnel x, as the engine defines it (src/engine/gp_scan.h): the expected count
 * for standardised ratios, the denominator for proportions and ratios (expected / target),
 * the precision 1/se² for scores.
 */
export function funnelX(doc: ScanDoc, u: ScanUnit): number | null {
  const kind = doc.analysed_as ?? doc.type;
  if (kind === 'score') return u.se && u.se > 0 ? 1 / (u.se * u.se) : null;
  if (kind === 'sr') return u.expected;
  if (u.expected === null || !doc.target) return null;
  return u.expected / doc.target;
}

/** The words for a unit's flags: "high at 95% and 99.8%", "not flagged". */
export function flagWords(u: ScanUnit, levels: string[]): string {
  const at = levels.filter((l) => u.flag[l] && u.flag[l] !== 'none');
  if (at.length === 0) return 'not flagged';
  return `${u.flag[at[0]]} at ${at.map((l) => `${l}%`).join(' and ')}`;
}

interface Plotted {
  u: ScanUnit;
  x: number;
  y: number;
}

/**
 * The funnel plot. `onSelect` is called with a unit's id when its point is clicked or
 * opened from the keyboard. Returns a figure-ready element: the SVG (role="group" with a
 * title and description; each point a button) inside a positioned box with the tooltip.
 */
export function funnelPlot(
  doc: ScanDoc,
  title: string,
  onSelect: (unit: string) => void,
  width = 760,
): HTMLElement {
  const levels = levelKeys(doc);
  const kind = doc.analysed_as ?? doc.type;
  const pts: Plotted[] = doc.units
    .map((u) => ({ u, x: funnelX(doc, u) ?? NaN, y: u.indicator ?? NaN }))
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .sort((a, b) => a.x - b.x);
  const W = Math.round(Math.max(300, Math.min(900, width)));
  const H = Math.round(Math.max(280, Math.min(480, W * 0.55)));
  const m = { top: 24, right: 20, bottom: 52, left: W < 480 ? 48 : 64 };
  const lines = doc.funnel.filter((f) => Number.isFinite(f.x));
  const xs = [...pts.map((p) => p.x), ...lines.map((f) => f.x)];
  const widest = levels[levels.length - 1];
  const ys = [
    ...pts.map((p) => p.y),
    ...(doc.target !== null ? [doc.target] : []),
    ...lines.flatMap((f) => (f.limits[widest] ?? []).filter((v): v is number => v !== null && Number.isFinite(v))),
  ];
  // the limit lines can fly off at tiny x: keep the y range to the points plus a margin
  const py = pts.map((p) => p.y);
  const pmin = Math.min(...py);
  const pmax = Math.max(...py);
  const span = Math.max(1e-9, pmax - pmin);
  const y0 = Math.max(Math.min(...ys), pmin - 0.5 * span);
  const y1 = Math.min(Math.max(...ys), pmax + 0.5 * span);
  const x = scaleLinear()
    .domain([Math.min(0, ...xs), Math.max(...xs)])
    .nice(6)
    .range([m.left, W - m.right]);
  const y = scaleLinear().domain([y0, y1 === y0 ? y0 + 1 : y1]).nice(6).range([H - m.bottom, m.top]);
  const titleId = uid('funnel-title');
  const descId = uid('funnel-desc');
  const flagged = pts.filter((p) => p.u.flag[levels[0]] !== 'none').length;
  const svg = s('svg', {
    class: 'gp-chart gp-funnel',
    viewBox: `0 0 ${W} ${H}`,
    role: 'group',
    'aria-labelledby': titleId,
    'aria-describedby': descId,
    'data-points': pts.length,
  });
  svg.appendChild(s('title', { id: titleId }, title));
  svg.appendChild(
    s(
      'desc',
      { id: descId },
      `${pts.length} units; ${flagged} outside the ${levels[0]}% limits. Use the arrow keys to move ` +
        'between units and Enter to open one. The flagged units are listed in the table below.',
    ),
  );
  const clipId = uid('funnel-clip');
  svg.appendChild(
    s('clipPath', { id: clipId }, s('rect', { x: m.left, y: m.top, width: W - m.left - m.right, height: H - m.top - m.bottom })),
  );
  const gy = s('g', { class: 'gp-chart__axis gp-chart__axis--y', 'aria-hidden': 'true' });
  for (const v of y.ticks(6)) {
    gy.appendChild(s('line', { x1: m.left, x2: W - m.right, y1: y(v), y2: y(v), class: 'gp-chart__grid' }));
    gy.appendChild(s('text', { x: m.left - 8, y: y(v), dy: '0.32em', 'text-anchor': 'end' }, fmtNumber(v)));
  }
  gy.appendChild(
    s('text', { x: 12, y: (m.top + H - m.bottom) / 2, transform: `rotate(-90 12 ${(m.top + H - m.bottom) / 2})`, 'text-anchor': 'middle', class: 'gp-chart__unit' },
      kind === 'score' ? 'Difference from expected' : 'Indicator'),
  );
  svg.appendChild(gy);
  const gx = s('g', { class: 'gp-chart__axis gp-chart__axis--x', 'aria-hidden': 'true' });
  gx.appendChild(s('line', { x1: m.left, x2: W - m.right, y1: H - m.bottom, y2: H - m.bottom, class: 'gp-chart__baseline' }));
  for (const v of x.ticks(6)) {
    gx.appendChild(s('line', { x1: x(v), x2: x(v), y1: H - m.bottom, y2: H - m.bottom + 6, class: 'gp-chart__tick' }));
    gx.appendChild(s('text', { x: x(v), y: H - m.bottom + 22, 'text-anchor': 'middle' }, fmtNumber(v)));
  }
  gx.appendChild(
    s('text', { x: (m.left + W - m.right) / 2, y: H - 8, 'text-anchor': 'middle', class: 'gp-chart__unit' },
      kind === 'score' ? 'Precision (1 / standard error²)' : kind === 'sr' ? 'Expected count' : 'Denominator'),
  );
  svg.appendChild(gx);
  // limits: the widest level dashed, the narrower solid
  const gl = s('g', { class: 'gp-funnel__limits', 'clip-path': `url(#${clipId})`, 'aria-hidden': 'true' });
  levels.forEach((lv, i) => {
    for (const side of [0, 1] as const) {
      const seg = lines
        .map((f) => ({ x: f.x, v: f.limits[lv]?.[side] ?? null }))
        .filter((p): p is { x: number; v: number } => p.v !== null && Number.isFinite(p.v));
      const d = line<{ x: number; v: number }>()
        .x((p) => x(p.x))
        .y((p) => y(p.v))(seg);
      gl.appendChild(
        s('path', { d: d ?? '', class: `gp-funnel__limit gp-funnel__limit--${i === 0 ? 'inner' : 'outer'}`, 'data-level': lv }),
      );
    }
  });
  if (doc.target !== null) {
    gl.appendChild(s('line', { x1: m.left, x2: W - m.right, y1: y(doc.target), y2: y(doc.target), class: 'gp-funnel__target' }));
  }
  svg.appendChild(gl);
  // legend
  const lg = s('g', { class: 'gp-funnel__legend', 'aria-hidden': 'true', transform: `translate(${m.left + 8},${m.top + 4})` });
  const legend: [string, string][] = [
    ['gp-funnel__limit gp-funnel__limit--inner', `${levels[0]}% limits`],
    ...(levels.length > 1 ? [['gp-funnel__limit gp-funnel__limit--outer', `${widest}% limits`] as [string, string]] : []),
  ];
  legend.forEach(([cls, text], i) => {
    lg.appendChild(s('line', { x1: 0, x2: 24, y1: i * 18 + 6, y2: i * 18 + 6, class: cls }));
    lg.appendChild(s('text', { x: 30, y: i * 18 + 6, dy: '0.32em' }, text));
  });
  const li = legend.length;
  lg.insertBefore(s('rect', { x: -6, y: -4, width: 200, height: (li + 2) * 18 + 2, class: 'gp-funnel__legend-bg' }), lg.firstChild);
  lg.appendChild(s('circle', { cx: 12, cy: li * 18 + 6, r: 5, class: 'gp-funnel__key gp-funnel__key--high' }));
  lg.appendChild(s('text', { x: 30, y: li * 18 + 6, dy: '0.32em' }, `Above the ${levels[0]}% limit`));
  lg.appendChild(s('rect', { x: 7, y: (li + 1) * 18 + 1, width: 10, height: 10, class: 'gp-funnel__key gp-funnel__key--low' }));
  lg.appendChild(s('text', { x: 30, y: (li + 1) * 18 + 6, dy: '0.32em' }, `Below the ${levels[0]}% limit`));
  svg.appendChild(lg);

  const box = h('div', { class: 'gp-funnel-box' });
  const tip = h('div', { class: 'gp-funnel__tip', 'aria-hidden': 'true', hidden: true });
  const gp = s('g', { class: 'gp-funnel__points' });
  const marks: SVGElement[] = [];
  pts.forEach((p, i) => {
    const f = p.u.flag[levels[0]] ?? 'none';
    const label = `${p.u.name ?? p.u.unit} (${p.u.unit}): ${fmtNumber(p.y)}, ${flagWords(p.u, levels)}`;
    const cx = x(p.x);
    const cy = y(p.y);
    const mark =
      f === 'low'
        ? s('rect', { x: cx - 4.5, y: cy - 4.5, width: 9, height: 9 })
        : s('circle', { cx, cy, r: f === 'high' ? 5 : 3.5 });
    mark.setAttribute('class', `gp-funnel__point gp-funnel__point--${f}`);
    mark.setAttribute('role', 'button');
    mark.setAttribute('aria-label', label);
    mark.setAttribute('tabindex', i === 0 ? '0' : '-1');
    mark.setAttribute('data-unit', p.u.unit);
    mark.setAttribute('data-flag', f);
    const show = () => {
      replaceChildren(
        tip,
        h('strong', null, p.u.name ?? p.u.unit),
        h('span', { class: 'gp-block' }, `${kind === 'score' ? 'Difference' : 'Indicator'} ${fmtNumber(p.y)}; ${flagWords(p.u, levels)}`),
        p.u.q_value !== null ? h('span', { class: 'gp-block' }, `q-value ${fmtNumber(p.u.q_value)}`) : null,
      );
      tip.hidden = false;
      const left = (cx / W) * 100;
      tip.style.left = `${Math.min(80, Math.max(0, left))}%`;
      tip.style.top = `${(cy / H) * 100}%`;
      mark.classList.add('gp-funnel__point--hover');
    };
    const hide = () => {
      tip.hidden = true;
      mark.classList.remove('gp-funnel__point--hover');
    };
    mark.addEventListener('mouseenter', show);
    mark.addEventListener('mouseleave', hide);
    mark.addEventListener('focus', show);
    mark.addEventListener('blur', hide);
    mark.addEventListener('click', () => onSelect(p.u.unit));
    mark.addEventListener('keydown', (ev) => {
      const e = ev as KeyboardEvent;
      let next = -1;
      if (e.key === 'ArrowRight' || e.key === 'ArrowUp') next = Math.min(marks.length - 1, i + 1);
      else if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') next = Math.max(0, i - 1);
      else if (e.key === 'Home') next = 0;
      else if (e.key === 'End') next = marks.length - 1;
      else if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        onSelect(p.u.unit);
        return;
      }
      if (next < 0) return;
      e.preventDefault();
      mark.setAttribute('tabindex', '-1');
      marks[next].setAttribute('tabindex', '0');
      (marks[next] as unknown as HTMLElement).focus();
    });
    marks.push(mark);
    gp.appendChild(mark);
  });
  svg.appendChild(gp);
  box.append(svg, tip);
  return box;
}
