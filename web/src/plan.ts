// Helpers for the game plan document: distributions (mean, words), the weakest evidence
// feeding each node, assumption references ("edge:A->B", "node:X"), and the words the UI
// uses for stages, statuses, test methods and evidence levels. Pure functions, no DOM.

import type { Assumption, Dist, PlanDoc, PlanEdge, PlanNode, PlanTest } from './api';
import { fmtNumber } from './format';

/** The mean of a distribution (a fixed number is its own mean). */
export function distMean(d: Dist | undefined | null): number {
  if (d === undefined || d === null) return Number.NaN;
  if (typeof d === 'number') return d;
  switch (d.dist) {
    case 'normal':
      return d.mean;
    case 'lognormal':
      return Math.exp(d.mu + (d.sigma * d.sigma) / 2);
    case 'uniform':
      return (d.min + d.max) / 2;
    case 'triangular':
      return (d.min + d.mode + d.max) / 3;
    case 'pert':
      return (d.min + 4 * d.mode + d.max) / 6;
    case 'beta':
      return d.a / (d.a + d.b);
    case 'bernoulli':
      return d.p;
    default:
      return Number.NaN;
  }
}

/** The standard deviation of a distribution (0 for a fixed number). */
export function distSd(d: Dist | undefined | null): number {
  if (d === undefined || d === null) return Number.NaN;
  if (typeof d === 'number') return 0;
  switch (d.dist) {
    case 'normal':
      return d.sd;
    case 'lognormal': {
      const s2 = d.sigma * d.sigma;
      return Math.sqrt((Math.exp(s2) - 1) * Math.exp(2 * d.mu + s2));
    }
    case 'uniform':
      return (d.max - d.min) / Math.sqrt(12);
    case 'triangular': {
      const { min: a, mode: c, max: b } = d;
      return Math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18);
    }
    case 'pert': {
      const m = distMean(d);
      return Math.sqrt(((m - d.min) * (d.max - m)) / 7);
    }
    case 'beta': {
      const n = d.a + d.b;
      return Math.sqrt((d.a * d.b) / (n * n * (n + 1)));
    }
    case 'bernoulli':
      return Math.sqrt(d.p * (1 - d.p));
    default:
      return Number.NaN;
  }
}

export const DIST_LABEL: Record<string, string> = {
  fixed: 'Fixed number',
  normal: 'Normal',
  lognormal: 'Lognormal',
  uniform: 'Uniform',
  triangular: 'Triangular',
  pert: 'PERT',
  beta: 'Beta',
  bernoulli: 'Bernoulli',
};

/** The parameters of each family, in the order the plan file writes them. */
export const DIST_PARAMS: Record<string, string[]> = {
  fixed: ['value'],
  normal: ['mean', 'sd'],
  lognormal: ['mu', 'sigma'],
  uniform: ['min', 'max'],
  triangular: ['min', 'mode', 'max'],
  pert: ['min', 'mode', 'max'],
  beta: ['a', 'b'],
  bernoulli: ['p'],
};

/** The family of a distribution ('fixed' for a number). */
export function distKind(d: Dist | undefined | null): string {
  if (d === undefined || d === null || typeof d === 'number') return 'fixed';
  return d.dist;
}

/** A distribution in words: "Normal (mean −0.43, sd 0.1)" or "Fixed at 1". */
export function fmtDist(d: Dist | undefined | null): string {
  if (d === undefined || d === null) return 'Not given';
  if (typeof d === 'number') return `Fixed at ${fmtNumber(d)}`;
  const rec = d as unknown as Record<string, number>;
  const params = (DIST_PARAMS[d.dist] ?? []).map((k) => `${k} ${fmtNumber(rec[k])}`).join(', ');
  return `${DIST_LABEL[d.dist] ?? d.dist} (${params})`;
}

/** A short summary for a graph label: the mean, and ± the sd when uncertain. */
export function shortDist(d: Dist | undefined | null): string {
  const m = distMean(d);
  const sd = distSd(d);
  if (!Number.isFinite(m)) return '?';
  if (!sd) return fmtNumber(m);
  return `${fmtNumber(m)} ± ${fmtNumber(sd)}`;
}

/** The reference an assumption uses for an edge. */
export function edgeRef(e: Pick<PlanEdge, 'from' | 'to'>): string {
  return `edge:${e.from}->${e.to}`;
}

/** The reference an assumption uses for a node. */
export function nodeRef(n: Pick<PlanNode, 'id'>): string {
  return `node:${n.id}`;
}

/** The assumptions on a node or edge reference. */
export function assumptionsOn(plan: PlanDoc, ref: string): Assumption[] {
  return (plan.assumptions ?? []).filter((a) => a.on === ref);
}

/** The tests of an assumption. */
export function testsOf(plan: PlanDoc, assumptionId: string): PlanTest[] {
  return (plan.tests ?? []).filter((t) => t.assumption === assumptionId);
}

/**
 * For every node, the weakest evidence level (1–5) of any edge on a path that feeds it;
 * null for nodes that nothing feeds (activities). The plan is acyclic (the server refuses
 * cycles); a cycle here only stops the walk.
 */
export function weakestEvidence(plan: PlanDoc): Map<string, number | null> {
  const incoming = new Map<string, PlanEdge[]>();
  for (const e of plan.edges ?? []) {
    const list = incoming.get(e.to) ?? [];
    list.push(e);
    incoming.set(e.to, list);
  }
  const memo = new Map<string, number | null>();
  const visiting = new Set<string>();
  const walk = (id: string): number | null => {
    if (memo.has(id)) return memo.get(id) ?? null;
    if (visiting.has(id)) return null;
    visiting.add(id);
    let weakest: number | null = null;
    for (const e of incoming.get(id) ?? []) {
      const ev = e.evidence ?? 1;
      const up = walk(e.from);
      const w = up === null ? ev : Math.min(ev, up);
      weakest = weakest === null ? w : Math.min(weakest, w);
    }
    visiting.delete(id);
    memo.set(id, weakest);
    return weakest;
  };
  for (const n of plan.nodes ?? []) walk(n.id);
  return memo;
}

/** A node's label for people: its label, or its id. */
export function nodeName(n: PlanNode | undefined, id: string): string {
  return n?.label?.trim() || id;
}

/** A shorter label for the graph: without a trailing parenthesis, at most `max` characters. */
export function shortLabel(label: string, max = 60): string {
  let s = label.replace(/\s*\([^)]*\)\s*$/, '').trim() || label;
  if (s.length > max) s = `${s.slice(0, max - 1).trimEnd()}…`;
  return s;
}

/** Splits text into at most `lines` lines of about `width` characters (the last one cut with …). */
export function wrap(text: string, width: number, lines: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let cur = '';
  for (const w of words) {
    if (!cur) cur = w;
    else if (cur.length + 1 + w.length <= width) cur += ` ${w}`;
    else {
      out.push(cur);
      cur = w;
    }
  }
  if (cur) out.push(cur);
  if (out.length > lines) {
    const kept = out.slice(0, lines);
    let last = kept[lines - 1];
    if (last.length > width - 1) last = last.slice(0, width - 1);
    kept[lines - 1] = `${last}…`;
    return kept;
  }
  return out;
}

export const NODE_KIND_LABEL: Record<string, string> = {
  activity: 'Activity',
  output: 'Output',
  outcome: 'Outcome',
};

export const STAGE_LABEL: Record<string, string> = {
  explore: 'Explore',
  test: 'Test',
  scale: 'Scale',
  stopped: 'Stopped',
};

export const ASSUMPTION_STATUS_LABEL: Record<string, string> = {
  untested: 'Untested',
  testing: 'Testing',
  supported: 'Supported',
  refuted: 'Refuted',
  mixed: 'Mixed',
};

/** GOV.UK tag colour of each assumption status. */
export const ASSUMPTION_STATUS_TAG: Record<string, string> = {
  untested: 'govuk-tag--grey',
  testing: 'govuk-tag--blue',
  supported: 'govuk-tag--green',
  refuted: 'govuk-tag--red',
  mixed: 'govuk-tag--yellow',
};

export const TEST_STATUS_LABEL: Record<string, string> = {
  planned: 'Planned',
  running: 'Running',
  done: 'Done',
};

export const TEST_METHOD_LABEL: Record<string, string> = {
  red_team: 'Red team',
  prototype: 'Prototype',
  pilot: 'Pilot',
  user_research: 'User research',
  external_research: 'External research',
  rct: 'Randomised controlled trial',
  adaptive_trial: 'Adaptive trial',
  quasi_experiment: 'Quasi-experiment',
};

/** Nesta Standards of Evidence, levels 1 to 5, in a few words. */
export const EVIDENCE_LABEL: Record<number, string> = {
  1: 'Level 1: a logical reason why it should work',
  2: 'Level 2: data show a change, not that we caused it',
  3: 'Level 3: a causal effect, with a comparison group',
  4: 'Level 4: the effect replicated independently',
  5: 'Level 5: proven to work at scale, with manuals',
};

/** A reference ("edge:A->B", "node:X") in words, using node labels. */
export function refName(plan: PlanDoc, ref: string): string {
  const nodes = new Map((plan.nodes ?? []).map((n) => [n.id, n]));
  let m = /^edge:(.+?)->(.+)$/.exec(ref);
  if (m) return `Link from ${shortLabel(nodeName(nodes.get(m[1]), m[1]), 48)} to ${shortLabel(nodeName(nodes.get(m[2]), m[2]), 48)}`;
  m = /^node:(.+)$/.exec(ref);
  if (m) return shortLabel(nodeName(nodes.get(m[1]), m[1]), 80);
  return ref;
}

/** A sensitivity input ("edge:A->B", "delivery:X", "counterfactual:M") in words. */
export function inputName(plan: PlanDoc, input: string, kind: string): string {
  const nodes = new Map((plan.nodes ?? []).map((n) => [n.id, n]));
  const m = /^(\w+):(.+)$/.exec(input);
  if (!m) return input;
  const [, what, rest] = m;
  if (what === 'edge') {
    const e = /^(.+?)->(.+)$/.exec(rest);
    if (e) return `Effect: ${shortLabel(nodeName(nodes.get(e[1]), e[1]), 36)} → ${shortLabel(nodeName(nodes.get(e[2]), e[2]), 36)}`;
  }
  if (what === 'counterfactual') return `Counterfactual trend of ${rest}`;
  if (what === 'node' || what === 'delivery') {
    const word = kind === 'delivery' || what === 'delivery' ? 'Delivery' : 'Node';
    return `${word}: ${shortLabel(nodeName(nodes.get(rest), rest), 60)}`;
  }
  return `${kind}: ${rest}`;
}

/** A sensitivity input as two lines for a chart: what it is, and what it is about. */
export function inputLines(plan: PlanDoc, input: string, kind: string): [string, string] {
  const nodes = new Map((plan.nodes ?? []).map((n) => [n.id, n]));
  const m = /^(\w+):(.+)$/.exec(input);
  if (!m) return [input, kind];
  const [, what, rest] = m;
  const nm = (id: string) => shortLabel(nodeName(nodes.get(id), id), 200);
  if (what === 'edge') {
    const e = /^(.+?)->(.+)$/.exec(rest);
    if (e) return [`Effect of: ${nm(e[1])}`, `on: ${nm(e[2])}`];
  }
  if (what === 'counterfactual') return ['Counterfactual trend', `of ${rest}, without the plan`];
  if (what === 'node' || what === 'delivery') return ['Delivery of the activity', nm(rest)];
  return [kind, rest];
}
