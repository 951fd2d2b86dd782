// The theory-of-change graph: a layered layout (dagre, left to right: activities,
// outputs, outcomes, the mission metric) drawn as SVG. Nodes are coloured by the weakest
// evidence feeding them and say it in words too; each edge is labelled with its effect
// (mean ± sd) and its evidence level. Nodes and edge labels are buttons (Tab, Enter or
// Space, or a click) that call `onSelect`. The page carries the same content as tables.

import { graphlib, layout } from '@dagrejs/dagre';
import { curveBasis, line } from 'd3-shape';
import type { PlanDoc, PlanEdge, PlanNode } from './api';
import { s, uid } from './dom';
import {
  NODE_KIND_LABEL,
  STAGE_LABEL,
  assumptionsOn,
  distMean,
  distSd,
  edgeRef,
  nodeName,
  nodeRef,
  shortDist,
  shortLabel,
  weakestEvidence,
  wrap,
} from './plan';

/** What the user picked: a node id or an edge (from, to). */
export type Selection = { kind: 'node'; id: string } | { kind: 'edge'; from: string; to: string } | null;

const NODE_W = 184;
const NODE_H = 70;
const LABEL_H = 20;

/** A number to two significant digits, for the compact edge labels ("0.78", "−1.5", "1,200"). */
function sig2(v: number): string {
  if (!Number.isFinite(v)) return '?';
  if (v === 0) return '0';
  const r = Number(v.toPrecision(2));
  return r.toLocaleString('en-GB', { maximumSignificantDigits: 2 }).replace('-', '−');
}

/** Evidence class for colour: gp-ev-1 … gp-ev-5, or gp-ev-none (nothing feeds the node). */
export function evidenceClass(level: number | null | undefined): string {
  return level ? `gp-ev-${Math.max(1, Math.min(5, Math.round(level)))}` : 'gp-ev-none';
}

/** The edge's label: its effect's mean ± sd (two significant digits) and its evidence level. */
export function edgeText(e: PlanEdge): string {
  const m = distMean(e.effect);
  const sd = distSd(e.effect);
  const eff = sd ? `${sig2(m)} ± ${sig2(sd)}` : sig2(m);
  return `${eff} · E${e.evidence ?? '?'}`;
}

function nodeAria(plan: PlanDoc, n: PlanNode, weakest: number | null): string {
  const kind = NODE_KIND_LABEL[n.kind] ?? n.kind;
  const parts = [`${kind}: ${nodeName(n, n.id)}.`];
  if (n.kind === 'activity' && n.stage) parts.push(`Stage: ${STAGE_LABEL[n.stage] ?? n.stage}.`);
  parts.push(weakest ? `Weakest evidence feeding it: level ${weakest}.` : 'Nothing feeds it.');
  const a = assumptionsOn(plan, nodeRef(n)).length;
  if (a) parts.push(`${a} ${a === 1 ? 'assumption' : 'assumptions'}.`);
  return parts.join(' ');
}

function edgeAria(plan: PlanDoc, e: PlanEdge, names: Map<string, string>): string {
  const a = assumptionsOn(plan, edgeRef(e)).length;
  return (
    `Link from ${names.get(e.from) ?? e.from} to ${names.get(e.to) ?? e.to}: effect ${shortDist(e.effect)}, ` +
    `evidence level ${e.evidence ?? 'not given'}` +
    (e.lag ? `, lag ${e.lag} years` : '') +
    (a ? `, ${a} ${a === 1 ? 'assumption' : 'assumptions'}` : '') +
    '.'
  );
}

function activate(el: SVGElement, fn: () => void): void {
  el.addEventListener('click', fn);
  el.addEventListener('keydown', (ev) => {
    const k = (ev as KeyboardEvent).key;
    if (k === 'Enter' || k === ' ') {
      ev.preventDefault();
      fn();
    }
  });
}

/**
 * Lays out and draws the plan's graph. Returns the SVG (with data-nodes and data-edges
 * counts for tests) and its natural width.
 */
export function tocGraph(
  plan: PlanDoc,
  selected: Selection,
  onSelect: (sel: Selection) => void,
  title: string,
): { svg: SVGElement; width: number; height: number } {
  const nodes = plan.nodes ?? [];
  const edges = (plan.edges ?? []).filter((e) => nodes.some((n) => n.id === e.from) && nodes.some((n) => n.id === e.to));
  const weakest = weakestEvidence(plan);
  const names = new Map(nodes.map((n) => [n.id, shortLabel(nodeName(n, n.id), 80)]));

  const g = new graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'LR', nodesep: 12, ranksep: 22, edgesep: 6, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { width: NODE_W, height: NODE_H });
  for (const e of edges) {
    const text = edgeText(e);
    g.setEdge(e.from, e.to, { width: Math.ceil(text.length * 6.6) + 10, height: LABEL_H, labelpos: 'c' });
  }
  layout(g);
  const graphLabel = g.graph();
  const W = Math.ceil(graphLabel.width ?? 600);
  const H = Math.ceil(graphLabel.height ?? 400);

  const titleId = uid('toc-title');
  const arrowId = uid('toc-arrow');
  const svg = s('svg', {
    class: 'gp-toc',
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: 'group',
    'aria-labelledby': titleId,
    'data-nodes': nodes.length,
    'data-edges': edges.length,
  });
  svg.appendChild(s('title', { id: titleId }, title));
  svg.appendChild(
    s(
      'defs',
      null,
      s(
        'marker',
        { id: arrowId, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0 0L10 5L0 10Z', class: 'gp-toc__arrow' }),
      ),
    ),
  );

  const path = line<{ x: number; y: number }>()
    .x((p) => p.x)
    .y((p) => p.y)
    .curve(curveBasis);

  // Edges first (under the nodes), then their labels, then the nodes.
  const gEdges = s('g', { class: 'gp-toc__edges' });
  const gLabels = s('g', { class: 'gp-toc__labels' });
  for (const e of edges) {
    const lab = g.edge(e.from, e.to);
    const pts = lab.points ?? [];
    const isSel = selected?.kind === 'edge' && selected.from === e.from && selected.to === e.to;
    const d = path(pts) ?? '';
    const ge = s('g', {
      class: `gp-toc__edge ${evidenceClass(e.evidence)}${isSel ? ' gp-toc__edge--selected' : ''}`,
      'data-edge': `${e.from}->${e.to}`,
    });
    ge.appendChild(s('path', { d, class: 'gp-toc__edge-line', 'marker-end': `url(#${arrowId})` }));
    const hit = s('path', { d, class: 'gp-toc__edge-hit' });
    hit.addEventListener('click', () => onSelect({ kind: 'edge', from: e.from, to: e.to }));
    ge.appendChild(hit);
    gEdges.appendChild(ge);

    if (lab.x !== undefined && lab.y !== undefined) {
      const w = lab.width ?? 60;
      const button = s('g', {
        class: `gp-toc__label ${evidenceClass(e.evidence)}${isSel ? ' gp-toc__label--selected' : ''}`,
        role: 'button',
        tabindex: '0',
        // The visible text first (WCAG 2.5.3, label in name), then the rest in words.
        'aria-label': `${edgeText(e)}. ${edgeAria(plan, e, names)}`,
        'aria-pressed': isSel ? 'true' : 'false',
        'data-edge': `${e.from}->${e.to}`,
        transform: `translate(${lab.x - w / 2},${lab.y - LABEL_H / 2})`,
      });
      button.appendChild(s('rect', { width: w, height: LABEL_H, rx: 3, class: 'gp-toc__label-box' }));
      button.appendChild(s('text', { x: w / 2, y: LABEL_H / 2, dy: '0.35em', 'text-anchor': 'middle' }, edgeText(e)));
      activate(button, () => onSelect({ kind: 'edge', from: e.from, to: e.to }));
      gLabels.appendChild(button);
    }
  }
  svg.appendChild(gEdges);
  svg.appendChild(gLabels);

  const gNodes = s('g', { class: 'gp-toc__nodes' });
  for (const n of nodes) {
    const p = g.node(n.id);
    if (p?.x === undefined || p.y === undefined) continue;
    const w = weakest.get(n.id) ?? null;
    const isSel = selected?.kind === 'node' && selected.id === n.id;
    const kind = NODE_KIND_LABEL[n.kind] ?? n.kind;
    const carriesMetric = n.metric ? ' · metric' : '';
    const first =
      n.kind === 'activity'
        ? `${kind} · ${STAGE_LABEL[n.stage ?? ''] ?? 'no stage'}`
        : `${kind}${carriesMetric} · ${w ? `evidence ${w}` : 'nothing feeds it'}`;
    const lines = wrap(shortLabel(nodeName(n, n.id), 70), 24, 3);
    const a = assumptionsOn(plan, nodeRef(n)).length;
    const countText = a ? `${a} assum.` : '';
    const visible = [first, countText, ...lines].filter(Boolean).join(' ');
    const gn = s('g', {
      class: `gp-toc__node gp-toc__node--${n.kind} ${evidenceClass(n.kind === 'activity' ? null : w)}${isSel ? ' gp-toc__node--selected' : ''}${n.stage === 'stopped' ? ' gp-toc__node--stopped' : ''}`,
      role: 'button',
      tabindex: '0',
      // The visible text first (WCAG 2.5.3, label in name), then the rest in words.
      'aria-label': `${visible}. ${nodeAria(plan, n, w)}`,
      'aria-pressed': isSel ? 'true' : 'false',
      'data-node': n.id,
      'data-evidence': w ?? '',
      transform: `translate(${p.x - NODE_W / 2},${p.y - NODE_H / 2})`,
    });
    gn.appendChild(s('rect', { width: NODE_W, height: NODE_H, rx: n.kind === 'activity' ? 0 : 10, class: 'gp-toc__box' }));
    // Each line ends with a space, so that the lines' text read together keeps its words apart.
    gn.appendChild(s('text', { x: 8, y: 16, class: 'gp-toc__kind' }, `${first} `));
    if (countText) {
      gn.appendChild(s('text', { x: NODE_W - 6, y: 16, 'text-anchor': 'end', class: 'gp-toc__count' }, `${countText} `));
    }
    lines.forEach((ln, i) => gn.appendChild(s('text', { x: 8, y: 34 + i * 15, class: 'gp-toc__name' }, `${ln} `)));
    activate(gn, () => onSelect({ kind: 'node', id: n.id }));
    gNodes.appendChild(gn);
  }
  svg.appendChild(gNodes);
  return { svg, width: W, height: H };
}
