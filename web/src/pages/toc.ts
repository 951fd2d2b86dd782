// The theory-of-change page: the plan's graph (activities → outputs → outcomes → the
// mission metric), nodes coloured by the weakest evidence feeding them with a text
// legend, edges labelled with effect and evidence. Choosing a node or edge (in the graph
// or in the tables below it, which are the graph's accessible alternative) shows its
// details, its assumptions and their tests, and a form to edit it: the edit is sent as
// the whole plan document with PUT /missions/{id}/plan and the API token. Nodes and links
// can also be added (a node with its id, kind, label and, for an activity, its cost, stage,
// start, ramp-up and chance of delivery; a link between two nodes with its effect) and
// deleted (a node with the links that touch it, and a node's or link's assumptions with
// their tests, after a confirmation), through the same PUT: the server's validation errors
// (a cycle, a duplicate) come back with their JSON path, shown in an error summary that
// links to the field the path names.
// ?version=N shows a former version, read-only; ?node=ID or ?edge=FROM->TO selects.

import {
  ApiError,
  api,
  type Assumption,
  type Dist,
  type MissionDoc,
  type PlanDoc,
  type PlanEdge,
  type PlanNode,
  type PlanVersion,
} from '../api';
import {
  details,
  errorSummary,
  hidden,
  markFieldErrors,
  navLink,
  notificationBanner,
  scrollable,
  selectInput,
  successBanner,
  summaryList,
  table,
  tag,
  textArea,
  textInput,
  warningText,
} from '../components';
import { h, replaceChildren, type Child } from '../dom';
import { fmtNumber, fmtTimestamp } from '../format';
import { evidenceClass, tocGraph, type Selection } from '../graph';
import {
  ASSUMPTION_STATUS_LABEL,
  ASSUMPTION_STATUS_TAG,
  DIST_LABEL,
  DIST_PARAMS,
  EVIDENCE_LABEL,
  NODE_KIND_LABEL,
  STAGE_LABEL,
  TEST_METHOD_LABEL,
  TEST_STATUS_LABEL,
  assumptionsOn,
  distKind,
  distMean,
  distSd,
  edgeRef,
  fmtDist,
  nodeName,
  nodeRef,
  shortLabel,
  testsOf,
  weakestEvidence,
} from '../plan';
import { getToken, setToken } from '../token';
import { currentVersion, missionSubPage } from './frame';
import type { Page } from './page';

/** The evidence legend: a swatch and the level in words for each colour. */
export function evidenceLegend(): HTMLElement {
  const item = (cls: string, text: string) =>
    h('li', { class: 'gp-ev-legend__item' }, h('span', { class: `gp-ev-legend__swatch ${cls}`, 'aria-hidden': 'true' }), text);
  return h(
    'div',
    { class: 'gp-ev-legend' },
    h('h2', { class: 'govuk-heading-s', id: 'evidence-key' }, 'Key: weakest evidence feeding each node'),
    h(
      'ul',
      { class: 'govuk-list gp-ev-legend__list', 'aria-labelledby': 'evidence-key' },
      [1, 2, 3, 4, 5].map((l) => item(evidenceClass(l), EVIDENCE_LABEL[l])),
      item('gp-ev-none', 'Activity: nothing feeds it (white, square corners)'),
    ),
    h(
      'p',
      { class: 'govuk-body-s gp-secondary' },
      'Each node also says its level in words (“evidence 2”). Each link is labelled with its effect (mean ± standard deviation) and its evidence level (E1 to E5, Nesta Standards of Evidence).',
    ),
  );
}

function fmtCost(v: number | undefined): string {
  if (v === undefined || v === null) return 'Not given';
  return fmtNumber(v);
}

/** Reads a distribution editor's fields back into a plan distribution, or an error. */
interface DistEditor {
  el: HTMLElement;
  read(): Dist | { error: string; field: string };
}

function distEditor(prefix: string, legend: string, d: Dist | undefined, hint: string): DistEditor {
  const kindSel = selectInput(
    `${prefix}-dist`,
    'Distribution',
    Object.entries(DIST_LABEL),
    distKind(d ?? 1),
  );
  const params = h('div', { class: 'gp-dist-params' });
  const valueOf = (k: string): string => {
    if (d === undefined) return '';
    if (typeof d === 'number') return k === 'value' ? String(d) : '';
    const v = (d as unknown as Record<string, number>)[k];
    return v === undefined ? '' : String(v);
  };
  const draw = (kind: string) => {
    replaceChildren(
      params,
      (DIST_PARAMS[kind] ?? []).map((k) =>
        textInput(`${prefix}-${k}`, k === 'value' ? 'Value' : k, distKind(d) === kind ? valueOf(k) : '', {
          width: '5',
          inputmode: 'decimal',
        }),
      ),
    );
  };
  const select = kindSel.querySelector('select') as HTMLSelectElement;
  select.addEventListener('change', () => draw(select.value));
  draw(select.value);
  const el = h(
    'fieldset',
    { class: 'govuk-fieldset gp-dist' },
    h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--s' }, legend),
    h('div', { class: 'govuk-hint' }, hint),
    kindSel,
    params,
  );
  return {
    el,
    read() {
      const kind = select.value;
      const vals: Record<string, number> = {};
      for (const k of DIST_PARAMS[kind] ?? []) {
        const input = el.querySelector<HTMLInputElement>(`#${prefix}-${k}`);
        const raw = (input?.value ?? '').trim();
        const v = Number(raw);
        if (raw === '' || !Number.isFinite(v)) return { error: `Enter a number for ${legend.toLowerCase()}: ${k}`, field: `${prefix}-${k}` };
        vals[k] = v;
      }
      if (kind === 'fixed') return vals.value;
      return { dist: kind, ...vals } as unknown as Dist;
    },
  };
}

interface State {
  doc: MissionDoc;
  plan: PlanDoc;
  version: number | null;
  versions: PlanVersion[] | null;
  selected: Selection;
  flash: HTMLElement | null;
  /** 'fit': the graph scaled to the page's width; 'actual': drawn at full size, scrolling. */
  zoom: 'fit' | 'actual';
}

/** Renders the theory-of-change page of mission `id`. */
export async function tocPage(id: string, query: URLSearchParams, signal: AbortSignal): Promise<Page> {
  const vq = Number(query.get('version'));
  const version = Number.isInteger(vq) && vq > 0 ? vq : null;
  const [doc, plan, versions] = await Promise.all([
    api.mission(id, signal),
    api.plan(id, version, signal),
    version ? api.planVersions(id, signal).then((r) => r.versions, () => null) : Promise.resolve(null),
  ]);
  let selected: Selection = null;
  const qn = query.get('node');
  const qe = query.get('edge');
  if (qn && (plan.nodes ?? []).some((n) => n.id === qn)) selected = { kind: 'node', id: qn };
  else if (qe) {
    const m = /^(.+?)->(.+)$/.exec(qe);
    if (m && (plan.edges ?? []).some((e) => e.from === m[1] && e.to === m[2])) selected = { kind: 'edge', from: m[1], to: m[2] };
  }
  const st: State = { doc, plan, version, versions, selected, flash: null, zoom: 'fit' };
  const root = h('div', { class: 'gp-toc-page' });
  draw(root, st, false);
  return missionSubPage(doc, 'toc', 'Theory of change', [root]);
}

function selectionUrl(st: State): string {
  const q = new URLSearchParams();
  if (st.version) q.set('version', String(st.version));
  if (st.selected?.kind === 'node') q.set('node', st.selected.id);
  if (st.selected?.kind === 'edge') q.set('edge', `${st.selected.from}->${st.selected.to}`);
  const qs = q.toString();
  return `/missions/${encodeURIComponent(st.doc.mission.id)}/plan${qs ? `?${qs}` : ''}`;
}

function draw(root: HTMLElement, st: State, focusPanel: boolean): void {
  const plan = st.plan;
  const nodes = plan.nodes ?? [];
  const edges = plan.edges ?? [];
  // A selection that no longer exists (deleted): nothing selected.
  const sel0 = st.selected;
  if (
    (sel0?.kind === 'node' && !nodes.some((n) => n.id === sel0.id)) ||
    (sel0?.kind === 'edge' && !edges.some((e) => e.from === sel0.from && e.to === sel0.to))
  ) {
    st.selected = null;
    window.history.replaceState(window.history.state, '', selectionUrl(st));
  }
  const select = (sel: Selection) => {
    st.selected = sel;
    st.flash = null;
    window.history.replaceState(window.history.state, '', selectionUrl(st));
    draw(root, st, true);
  };
  const out: Child[] = [];
  if (st.flash) out.push(st.flash);
  if (st.version) {
    const v = st.versions?.find((x) => x.version === st.version);
    const cur = currentVersion(st.doc);
    out.push(
      notificationBanner(
        'Former version',
        h(
          'p',
          { class: 'govuk-notification-banner__heading', 'data-version': st.version },
          `You are looking at version ${st.version} of this plan`,
          cur ? ` (the current version is ${cur})` : '',
          '.',
        ),
        v
          ? h('p', { class: 'govuk-body' }, `Saved ${fmtTimestamp(v.created_at)} by ${v.actor}`, v.reason ? `: ${v.reason}` : '.')
          : null,
        h(
          'p',
          { class: 'govuk-body' },
          navLink(`/missions/${encodeURIComponent(st.doc.mission.id)}/plan`, 'See the current plan'),
          ' or ',
          navLink(`/missions/${encodeURIComponent(st.doc.mission.id)}/versions`, 'all versions'),
          '. A former version cannot be edited.',
        ),
      ),
    );
  }
  if (nodes.length === 0 && st.version) {
    out.push(h('p', { class: 'govuk-body' }, `Version ${st.version} of the plan has no theory of change.`));
    replaceChildren(root, out);
    return;
  }
  if (nodes.length === 0) {
    out.push(
      h('p', { class: 'govuk-body' }, 'This plan has no theory of change yet.'),
      h(
        'p',
        { class: 'govuk-body' },
        'Add its activities, outputs and outcomes (nodes) below, one at a time, and then the links between them; or write them, with the assumptions and their tests, in the plan file and apply it with ',
        h('code', { class: 'gp-code' }, 'gameplan plan apply FILE'),
        ' or PUT it to the API.',
      ),
      changeSection(st, () => draw(root, st, true)),
    );
    replaceChildren(root, out);
    focusFlash(st, null, focusPanel);
    return;
  }
  const counts: Record<string, number> = {};
  for (const n of nodes) counts[n.kind] = (counts[n.kind] ?? 0) + 1;
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  out.push(
    h(
      'p',
      { class: 'govuk-body-l' },
      `${plural(counts.activity ?? 0, 'activity', 'activities')}, ${plural(counts.output ?? 0, 'output', 'outputs')} and ` +
        `${plural(counts.outcome ?? 0, 'outcome', 'outcomes')}, joined by ${plural(edges.length, 'link', 'links')}. ` +
        'Read from left to right: what the mission does, what that produces, and what changes as a result.',
    ),
    h(
      'p',
      { class: 'govuk-body' },
      'Select a node or a link to see its details, its assumptions and their tests',
      st.version ? '.' : ', and to edit it.',
      ' ',
      h('a', { class: 'govuk-link', href: '#toc-tables' }, 'Skip the graph: the same nodes and links as tables'),
      '.',
    ),
    evidenceLegend(),
  );
  const title = `Theory of change of ${st.doc.mission.title}`;
  const graph = tocGraph(plan, st.selected, select, title);
  if (st.zoom === 'actual') graph.svg.setAttribute('style', `width:${graph.width}px;max-width:none`);
  const zoomButton = (z: State['zoom'], text: string) =>
    h(
      'button',
      {
        type: 'button',
        class: 'govuk-button govuk-button--secondary gp-zoom__button',
        'aria-pressed': st.zoom === z ? 'true' : 'false',
        'data-zoom': z,
        onclick: () => {
          if (st.zoom === z) return;
          st.zoom = z;
          draw(root, st, false);
          (root.querySelector(`[data-zoom="${z}"]`) as HTMLElement | null)?.focus();
        },
      },
      text,
    );
  out.push(
    h(
      'div',
      { class: 'gp-zoom', role: 'group', 'aria-label': 'Size of the graph' },
      zoomButton('fit', 'Fit to the page'),
      zoomButton('actual', 'Actual size'),
    ),
    h(
      'figure',
      { class: `gp-figure gp-toc-figure gp-toc-figure--${st.zoom}`, id: 'toc-graph' },
      h(
        'div',
        { class: 'gp-toc-scroll', tabindex: '0', role: 'region', 'aria-label': 'Theory of change graph (scrolls sideways)' },
        graph.svg,
      ),
      h('figcaption', { class: 'govuk-body-s gp-secondary govuk-!-margin-top-2' }, title, '. Activities on the left; the mission metric on the right.'),
    ),
  );
  const panel = h('section', { class: 'gp-toc-panel', id: 'selected', 'aria-labelledby': 'selected-heading' });
  drawPanel(panel, st, select, () => draw(root, st, true));
  if (st.selected) {
    panel.appendChild(h('p', { class: 'govuk-body' }, h('a', { class: 'govuk-link', href: '#toc-graph' }, 'Back to the graph')));
  }
  out.push(panel);
  if (!st.version) out.push(changeSection(st, () => draw(root, st, true)));
  out.push(tables(st, select));
  replaceChildren(root, out);
  focusFlash(st, panel, focusPanel);
}

/** After a redraw: focus the success banner, else the panel's heading (when asked). */
function focusFlash(st: State, panel: HTMLElement | null, focusPanel: boolean): void {
  if (!focusPanel) return;
  const target = (st.flash ?? panel?.querySelector('h2')) as HTMLElement | null;
  if (target) {
    target.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: 'start' });
  }
}

function selectButton(text: Child, sel: Selection, select: (s: Selection) => void, cls = ''): HTMLButtonElement {
  return h(
    'button',
    { type: 'button', class: `gp-link-button ${cls}`.trim(), onclick: () => select(sel) },
    text,
  );
}

function tables(st: State, select: (s: Selection) => void): HTMLElement {
  const plan = st.plan;
  const nodes = plan.nodes ?? [];
  const names = new Map(nodes.map((n) => [n.id, nodeName(n, n.id)]));
  const weakest = weakestEvidence(plan);
  const nodeTable = table(
    'Nodes',
    [
      { head: 'Node' },
      { head: 'Kind' },
      { head: 'Stage' },
      { head: 'Cost a year', numeric: true },
      { head: 'Weakest evidence feeding it', numeric: true },
      { head: 'Assumptions', numeric: true },
    ],
    nodes.map((n) => [
      selectButton([shortLabel(nodeName(n, n.id), 90), hidden(` (${n.id})`)], { kind: 'node', id: n.id }, select),
      NODE_KIND_LABEL[n.kind] ?? n.kind,
      n.kind === 'activity' ? STAGE_LABEL[n.stage ?? ''] ?? '–' : '',
      n.kind === 'activity' ? fmtCost(n.cost) : '',
      weakest.get(n.id) ? String(weakest.get(n.id)) : '–',
      String(assumptionsOn(plan, nodeRef(n)).length),
    ]),
    { rowHeaders: true, cls: 'gp-toc-nodes' },
  );
  const edgeTable = table(
    'Links',
    [
      { head: 'From' },
      { head: 'To' },
      { head: 'Effect' },
      { head: 'Mean', numeric: true },
      { head: 'Lag (years)', numeric: true },
      { head: 'Evidence', numeric: true },
      { head: 'Assumptions', numeric: true },
    ],
    (plan.edges ?? []).map((e) => [
      selectButton(
        [shortLabel(names.get(e.from) ?? e.from, 60), hidden(` to ${shortLabel(names.get(e.to) ?? e.to, 60)}`)],
        { kind: 'edge', from: e.from, to: e.to },
        select,
      ),
      shortLabel(names.get(e.to) ?? e.to, 60),
      fmtDist(e.effect),
      fmtNumber(distMean(e.effect)),
      String(e.lag ?? 0),
      e.evidence ? String(e.evidence) : '–',
      String(assumptionsOn(plan, edgeRef(e)).length),
    ]),
    { rowHeaders: true, cls: 'gp-toc-edges' },
  );
  return h(
    'section',
    { id: 'toc-tables', class: 'gp-toc-tables', 'aria-labelledby': 'toc-tables-heading', tabindex: '-1' },
    h('h2', { class: 'govuk-heading-l', id: 'toc-tables-heading' }, 'The graph as tables'),
    scrollable('Nodes', nodeTable),
    scrollable('Links', edgeTable),
    plan.counterfactual
      ? summaryList([
          ['Counterfactual', `${fmtDist(plan.counterfactual.change_per_year)} a year in ${plan.counterfactual.metric}, without the plan`],
        ])
      : null,
  );
}

function sourcesList(sources: string[] | undefined): Child {
  if (!sources || sources.length === 0) return 'None given';
  return h('ul', { class: 'govuk-list govuk-list--bullet gp-sources' }, sources.map((x) => h('li', null, x)));
}

function assumptionsBlock(plan: PlanDoc, ref: string, what: string, edit: ((a: Assumption) => HTMLElement) | null): HTMLElement {
  const list = assumptionsOn(plan, ref);
  return h(
    'div',
    { class: 'gp-assumptions-on' },
    h('h3', { class: 'govuk-heading-m' }, `Assumptions (${list.length})`),
    list.length === 0
      ? h('p', { class: 'govuk-body' }, `No assumption is recorded on this ${what}.`)
      : list.map((a) =>
          h(
            'div',
            { class: 'gp-assumption', 'data-assumption': a.id },
            h(
              'h4',
              { class: 'govuk-heading-s' },
              h('span', { class: 'gp-secondary' }, `${a.id}: `),
              a.text,
            ),
            h(
              'p',
              { class: 'govuk-body-s' },
              tag(ASSUMPTION_STATUS_LABEL[a.status] ?? a.status, ASSUMPTION_STATUS_TAG[a.status] ?? 'govuk-tag--grey'),
              ` Importance ${a.importance} of 5 · evidence ${a.evidence} of 5`,
            ),
            testsList(plan, a.id),
            edit ? edit(a) : null,
          ),
        ),
  );
}

/** The tests of an assumption as a list (method, status, result, estimate). */
export function testsList(plan: PlanDoc, assumptionId: string): HTMLElement {
  const tests = testsOf(plan, assumptionId);
  if (tests.length === 0) return h('p', { class: 'govuk-body-s gp-secondary' }, 'No test planned yet.');
  return h(
    'ul',
    { class: 'govuk-list gp-tests', 'aria-label': `Tests of ${assumptionId}` },
    tests.map((t) =>
      h(
        'li',
        { class: 'gp-test', 'data-test': t.id },
        h('strong', null, `${t.id}: ${TEST_METHOD_LABEL[t.method] ?? t.method}`),
        ' ',
        h('span', { class: 'gp-secondary' }, `(${TEST_STATUS_LABEL[t.status] ?? t.status})`),
        t.result ? h('span', { class: 'gp-block' }, t.result) : null,
        t.estimate
          ? h(
              'span',
              { class: 'gp-block gp-secondary' },
              `Estimate ${fmtNumber(t.estimate.mean)} (standard error ${fmtNumber(t.estimate.se)}${t.estimate.n ? `, n = ${fmtNumber(t.estimate.n)}` : ''})`,
            )
          : null,
      ),
    ),
  );
}

function drawPanel(panel: HTMLElement, st: State, select: (s: Selection) => void, redraw: () => void): void {
  const plan = st.plan;
  const nodes = new Map((plan.nodes ?? []).map((n) => [n.id, n]));
  const sel = st.selected;
  if (!sel) {
    replaceChildren(
      panel,
      h('h2', { class: 'govuk-heading-m', id: 'selected-heading' }, 'Nothing selected'),
      h('p', { class: 'govuk-body' }, 'Select a node or a link in the graph, or in the tables below, to see its details here.'),
    );
    return;
  }
  if (sel.kind === 'node') {
    const n = nodes.get(sel.id);
    if (!n) return;
    const weakest = weakestEvidence(plan).get(n.id) ?? null;
    const ins = (plan.edges ?? []).filter((e) => e.to === n.id);
    const outs = (plan.edges ?? []).filter((e) => e.from === n.id);
    const linkList = (list: PlanEdge[], other: (e: PlanEdge) => string): Child =>
      list.length === 0
        ? 'None'
        : h(
            'ul',
            { class: 'govuk-list' },
            list.map((e) =>
              h('li', null, selectButton(shortLabel(nodeName(nodes.get(other(e)), other(e)), 70), { kind: 'edge', from: e.from, to: e.to }, select), ` (E${e.evidence ?? '?'})`),
            ),
          );
    const isActivity = n.kind === 'activity';
    replaceChildren(
      panel,
      h(
        'h2',
        { class: 'govuk-heading-m', id: 'selected-heading', 'data-selected': `node:${n.id}` },
        h('span', { class: 'govuk-caption-m' }, NODE_KIND_LABEL[n.kind] ?? n.kind, hidden(': ')),
        nodeName(n, n.id),
      ),
      summaryList([
        ['Id', h('code', { class: 'gp-code' }, n.id)],
        ['Stage', isActivity ? STAGE_LABEL[n.stage ?? ''] ?? 'Not given' : null],
        ['Cost a year', isActivity ? fmtCost(n.cost) : null],
        ['Starts', isActivity ? n.start ?? 'At the mission’s start' : null],
        ['Ramp-up', isActivity ? `${n.ramp ?? 0} ${(n.ramp ?? 0) === 1 ? 'year' : 'years'}` : null],
        ['Chance of delivery', isActivity ? (n.delivery === undefined ? 'Certain (not given)' : fmtDist(n.delivery)) : null],
        ['Carries the metric', n.metric ? navLink(`/metrics/${encodeURIComponent(n.metric)}`, (st.plan.metrics ?? []).find((x) => x.id === n.metric)?.name ?? n.metric) : null],
        [
          'Weakest evidence feeding it',
          weakest ? h('span', null, h('span', { class: `gp-ev-chip ${evidenceClass(weakest)}`, 'aria-hidden': 'true' }), EVIDENCE_LABEL[weakest]) : 'Nothing feeds it',
        ],
        ['Links in', isActivity ? null : linkList(ins, (e) => e.from)],
        ['Links out', linkList(outs, (e) => e.to)],
        ['Sources', sourcesList(n.sources)],
      ]),
      assumptionsBlock(plan, nodeRef(n), 'node', st.version ? null : (a) => assumptionForm(a, st, redraw)),
      st.version ? null : nodeForm(n, st, redraw),
      st.version ? null : deleteNodeForm(n, st, redraw),
    );
  } else {
    const e = (plan.edges ?? []).find((x) => x.from === sel.from && x.to === sel.to);
    if (!e) return;
    const fromName = nodeName(nodes.get(e.from), e.from);
    const toName = nodeName(nodes.get(e.to), e.to);
    replaceChildren(
      panel,
      h(
        'h2',
        { class: 'govuk-heading-m', id: 'selected-heading', 'data-selected': edgeRef(e) },
        h('span', { class: 'govuk-caption-m' }, 'Link', hidden(': ')),
        `${shortLabel(fromName, 60)} → ${shortLabel(toName, 60)}`,
      ),
      summaryList([
        ['From', selectButton(fromName, { kind: 'node', id: e.from }, select)],
        ['To', selectButton(toName, { kind: 'node', id: e.to }, select)],
        ['Effect', fmtDist(e.effect)],
        ['Mean and standard deviation', `${fmtNumber(distMean(e.effect))} ± ${fmtNumber(distSd(e.effect))}`],
        ['Lag', `${e.lag ?? 0} ${(e.lag ?? 0) === 1 ? 'year' : 'years'}`],
        [
          'Evidence',
          e.evidence ? h('span', null, h('span', { class: `gp-ev-chip ${evidenceClass(e.evidence)}`, 'aria-hidden': 'true' }), EVIDENCE_LABEL[e.evidence]) : 'Not given',
        ],
        ['Sources', sourcesList(e.sources)],
      ]),
      assumptionsBlock(plan, edgeRef(e), 'link', st.version ? null : (a) => assumptionForm(a, st, redraw)),
      st.version ? null : edgeForm(e, st, redraw),
      st.version ? null : deleteEdgeForm(e, st, redraw),
    );
  }
}

/** The API token field (kept in sessionStorage for this tab). */
function tokenField(prefix: string): HTMLElement {
  return textInput(`${prefix}-token`, 'API token', getToken(), {
    type: 'password',
    hint: 'Needed to save. Kept in this browser tab only (session storage), and sent only to this server. Make one with gameplan token new.',
    autocomplete: 'off',
  });
}

interface FieldError {
  error: string;
  field: string;
}

function isError(x: unknown): x is FieldError {
  return typeof x === 'object' && x !== null && 'error' in x && 'field' in x;
}

/** What a save does besides sending the plan. */
interface SaveOptions {
  /** Words for the success banner ("Added node 'x'."), before the version. */
  done?: string;
  /** The form's field a server error's JSON path names (null: none). */
  fieldFor?: (path: string) => string | null;
  /** Runs after a successful save, before the page is drawn again (e.g. to select). */
  after?: () => void;
}

/** Shows errors in the form's error summary and marks the fields they name. */
function showErrors(form: HTMLFormElement, items: [string, string | null][]): void {
  const box = form.querySelector('.gp-form-errors') as HTMLElement;
  replaceChildren(box, errorSummary(items));
  markFieldErrors(form, items);
  (box.firstChild as HTMLElement).focus();
}

/** Sends the edited plan; on success reloads the plan and shows a banner, else an error summary. */
async function save(
  form: HTMLFormElement,
  prefix: string,
  st: State,
  edited: PlanDoc,
  redraw: () => void,
  opts: SaveOptions = {},
): Promise<void> {
  const token = (form.querySelector(`#${prefix}-token`) as HTMLInputElement).value.trim();
  const reason = (form.querySelector(`#${prefix}-reason`) as HTMLInputElement).value.trim();
  const fail = (items: [string, string | null][]) => {
    // An earlier save's success banner no longer describes the page.
    st.flash?.remove();
    st.flash = null;
    showErrors(form, items);
  };
  if (!token) {
    fail([['Enter an API token to save changes', `${prefix}-token`]]);
    return;
  }
  setToken(token);
  const buttons = [...form.querySelectorAll<HTMLButtonElement>('button[type="submit"]')];
  for (const b of buttons) b.disabled = true;
  try {
    const res = await api.putPlan(st.doc.mission.id, edited, reason);
    st.plan = await api.plan(st.doc.mission.id, null);
    (st.doc.mission as unknown as { plan_version?: number }).plan_version = res.version;
    opts.after?.();
    st.flash = successBanner(
      res.changed ? `${opts.done ? `${opts.done} ` : ''}Saved as version ${res.version} of the plan.` : 'Nothing changed: the plan is the same as before.',
      h('p', { class: 'govuk-body', 'data-saved-version': res.version }, navLink(`/missions/${encodeURIComponent(st.doc.mission.id)}/versions`, 'See all versions of the plan')),
    );
    window.history.replaceState(window.history.state, '', selectionUrl(st));
    redraw();
  } catch (e) {
    for (const b of buttons) b.disabled = false;
    if (e instanceof ApiError) {
      const auth = e.status === 401 || e.status === 403;
      if (auth) setToken('');
      const field = auth ? `${prefix}-token` : e.where && opts.fieldFor ? opts.fieldFor(e.where) : null;
      fail([[`${e.message}${e.where ? ` (at ${e.where})` : ''}`, field]]);
    } else {
      fail([[String(e), null]]);
    }
  }
}

function assumptionForm(a: Assumption, st: State, redraw: () => void): HTMLElement {
  const p = `edit-assumption-${a.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const levels = (words: Record<number, string> | null) =>
    [1, 2, 3, 4, 5].map((l) => [String(l), words ? words[l] : String(l)] as [string, string]);
  const fields: Child[] = [
    textInput(`${p}-text`, 'Assumption', a.text),
    selectInput(`${p}-status`, 'Status', Object.entries(ASSUMPTION_STATUS_LABEL), a.status),
    selectInput(`${p}-importance`, 'Importance (1: low, 5: the plan depends on it)', levels(null), String(a.importance)),
    selectInput(`${p}-evidence`, 'Evidence', levels(EVIDENCE_LABEL), String(a.evidence)),
  ];
  return formShell(p, `Edit ${a.id}`, fields, (form) => {
    const edited = structuredClone(st.plan);
    const x = (edited.assumptions ?? []).find((y) => y.id === a.id);
    if (!x) return;
    const val = (k: string) => (form.querySelector(`#${p}-${k}`) as HTMLInputElement | HTMLSelectElement).value.trim();
    const text = val('text');
    if (!text) {
      showErrors(form, [['Enter the assumption', `${p}-text`]]);
      return;
    }
    x.text = text;
    x.status = val('status') as Assumption['status'];
    x.importance = Number(val('importance'));
    x.evidence = Number(val('evidence'));
    void save(form, p, st, edited, redraw);
  });
}

function formShell(
  prefix: string,
  heading: string,
  fields: Child[],
  onSubmit: (form: HTMLFormElement) => void,
  opts: { button?: string; warning?: boolean } = {},
): HTMLElement {
  const form = h(
    'form',
    { class: 'gp-edit-form', novalidate: true, 'data-edit': prefix },
    h('div', { class: 'gp-form-errors' }),
    fields,
    textInput(`${prefix}-reason`, 'Reason for the change (optional)', '', {
      hint: 'Kept with the new version of the plan. A change to a target needs one.',
    }),
    tokenField(prefix),
    h(
      'div',
      { class: 'govuk-button-group gp-form-buttons' },
      h(
        'button',
        { type: 'submit', class: `govuk-button${opts.warning ? ' govuk-button--warning' : ''}`, 'data-module': 'govuk-button' },
        opts.button ?? 'Save a new version of the plan',
      ),
    ),
  ) as HTMLFormElement;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    onSubmit(form);
  });
  return h('div', { class: 'gp-edit' }, details(heading, form));
}

function nodeForm(n: PlanNode, st: State, redraw: () => void): HTMLElement {
  const p = 'edit-node';
  const isActivity = n.kind === 'activity';
  const delivery = isActivity
    ? distEditor(`${p}-delivery`, 'Chance of delivery', n.delivery ?? 1, 'A number from 0 to 1, or a distribution of it (for example Beta). 1: delivered for certain.')
    : null;
  const fields: Child[] = [
    textInput(`${p}-label`, 'Label', n.label ?? ''),
    isActivity
      ? [
          selectInput(`${p}-stage`, 'Stage', Object.entries(STAGE_LABEL), n.stage ?? 'explore'),
          textInput(`${p}-cost`, 'Cost a year', n.cost === undefined ? '' : String(n.cost), { width: '10', inputmode: 'decimal' }),
          textInput(`${p}-start`, 'Starts (period)', n.start ?? '', { width: '10', hint: 'For example 2026 or 2026/27' }),
          textInput(`${p}-ramp`, 'Ramp-up (years)', n.ramp === undefined ? '' : String(n.ramp), { width: '4', inputmode: 'decimal' }),
          delivery?.el,
        ]
      : null,
  ];
  return formShell(p, 'Edit this node', fields, (form) => {
    const edited = structuredClone(st.plan);
    const node = (edited.nodes ?? []).find((x) => x.id === n.id);
    if (!node) return;
    const val = (k: string) => (form.querySelector(`#${p}-${k}`) as HTMLInputElement | HTMLSelectElement | null)?.value.trim() ?? '';
    const errors: [string, string][] = [];
    const label = val('label');
    if (label) node.label = label;
    else delete node.label;
    if (isActivity) {
      node.stage = val('stage') as PlanNode['stage'];
      const num = (k: string, what: string, set: (v: number | undefined) => void) => {
        const raw = val(k);
        if (raw === '') return set(undefined);
        const v = Number(raw);
        if (!Number.isFinite(v)) errors.push([`Enter a number for ${what}`, `${p}-${k}`]);
        else set(v);
      };
      num('cost', 'the cost', (v) => (v === undefined ? delete node.cost : (node.cost = v)));
      num('ramp', 'the ramp-up', (v) => (v === undefined ? delete node.ramp : (node.ramp = v)));
      const start = val('start');
      if (start) node.start = start;
      else delete node.start;
      const d = delivery?.read();
      if (isError(d)) errors.push([d.error, d.field]);
      else if (d !== undefined) node.delivery = d;
    }
    if (errors.length) {
      showErrors(form, errors);
      return;
    }
    void save(form, p, st, edited, redraw);
  });
}

function edgeForm(e: PlanEdge, st: State, redraw: () => void): HTMLElement {
  const p = 'edit-edge';
  const effect = distEditor(`${p}-effect`, 'Effect', e.effect, 'How much the target node changes per unit of the source node: a number, or a distribution for its uncertainty.');
  const fields: Child[] = [
    effect.el,
    textInput(`${p}-lag`, 'Lag (years)', String(e.lag ?? 0), { width: '4', inputmode: 'numeric' }),
    selectInput(
      `${p}-evidence`,
      'Evidence',
      [1, 2, 3, 4, 5].map((l) => [String(l), EVIDENCE_LABEL[l]] as [string, string]),
      String(e.evidence ?? 1),
    ),
  ];
  return formShell(p, 'Edit this link', fields, (form) => {
    const edited = structuredClone(st.plan);
    const edge = (edited.edges ?? []).find((x) => x.from === e.from && x.to === e.to);
    if (!edge) return;
    const errors: [string, string][] = [];
    const d = effect.read();
    if (isError(d)) errors.push([d.error, d.field]);
    else edge.effect = d;
    const lagRaw = (form.querySelector(`#${p}-lag`) as HTMLInputElement).value.trim();
    const lag = Number(lagRaw);
    if (lagRaw === '' || !Number.isInteger(lag) || lag < 0) errors.push(['Enter the lag as a whole number of years, 0 or more', `${p}-lag`]);
    else edge.lag = lag;
    edge.evidence = Number((form.querySelector(`#${p}-evidence`) as HTMLSelectElement).value);
    if (errors.length) {
      showErrors(form, errors);
      return;
    }
    void save(form, p, st, edited, redraw);
  });
}

/** Node, assumption and test ids: 1–64 characters of a-z, 0-9, '_' or '-', starting alphanumeric. */
const ID_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** The period forms gameplan reads: 2024, 2024/25, 2024-Q3, 2024-07, 2024-07-15. */
const PERIOD_RE = /^\d{4}(\/\d{2}|-Q[1-4]|-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;

/** Sources typed one a line. */
function readSources(form: HTMLFormElement, id: string): string[] {
  const raw = (form.querySelector(`#${id}`) as HTMLTextAreaElement | null)?.value ?? '';
  return raw
    .split('\n')
    .map((x) => x.trim())
    .filter(Boolean);
}

/**
 * The field of a new element (plan.nodes[index] or plan.edges[index]) that a server error's
 * path names: "plan.edges[7].effect.sd" → "add-edge-effect-sd". The plan was valid before
 * the addition, so an error about another element (a cycle through the new link, found at
 * another link) points at `fallback`.
 */
function newElementField(path: string, list: 'nodes' | 'edges', index: number, prefix: string, fallback: string, root: HTMLElement): string | null {
  const m = new RegExp(`^plan\\.${list}\\[(\\d+)\\](?:\\.([a-z_]+))?(?:\\.([a-z_]+))?`).exec(path);
  if (!m) return /^plan\.(edges|nodes)/.test(path) ? fallback : null;
  if (Number(m[1]) !== index || !m[2]) return fallback;
  const candidates = m[3] ? [`${prefix}-${m[2]}-${m[3]}`, `${prefix}-${m[2]}-dist`] : [`${prefix}-${m[2]}`, `${prefix}-${m[2]}-dist`];
  for (const c of candidates) if (root.querySelector(`#${c}`)) return c;
  return fallback;
}

/** The assumptions on any of `refs`, and the tests of those assumptions. */
function attached(plan: PlanDoc, refs: Set<string>): { assumptions: Assumption[]; tests: string[] } {
  const assumptions = (plan.assumptions ?? []).filter((a) => refs.has(a.on));
  const ids = new Set(assumptions.map((a) => a.id));
  const tests = (plan.tests ?? []).filter((t) => ids.has(t.assumption)).map((t) => t.id);
  return { assumptions, tests };
}

/** The plan without the given edges, the assumptions on them (and on `nodeRefs`) and their tests. */
function withoutEdges(plan: PlanDoc, drop: (e: PlanEdge) => boolean, extraRefs: string[] = []): PlanDoc {
  const edited = structuredClone(plan);
  const gone = (edited.edges ?? []).filter(drop);
  const refs = new Set([...gone.map(edgeRef), ...extraRefs]);
  const { assumptions } = attached(edited, refs);
  const aIds = new Set(assumptions.map((a) => a.id));
  if (edited.edges) edited.edges = edited.edges.filter((e) => !drop(e));
  if (edited.assumptions) edited.assumptions = edited.assumptions.filter((a) => !aIds.has(a.id));
  if (edited.tests) edited.tests = edited.tests.filter((t) => !aIds.has(t.assumption));
  return edited;
}

/** The section with the forms that add a node and a link. */
function changeSection(st: State, redraw: () => void): HTMLElement {
  const nodes = st.plan.nodes ?? [];
  return h(
    'section',
    { class: 'gp-toc-change', id: 'toc-change', 'aria-labelledby': 'toc-change-heading' },
    h('h2', { class: 'govuk-heading-m', id: 'toc-change-heading' }, 'Add to the theory of change'),
    h(
      'p',
      { class: 'govuk-body' },
      'Each change is saved as a new version of the plan. To delete a node or a link, select it: its details have a delete button.',
    ),
    addNodeForm(st, redraw),
    nodes.some((n) => n.kind !== 'activity') && nodes.length >= 2
      ? addEdgeForm(st, redraw)
      : h('p', { class: 'govuk-body gp-secondary' }, 'To add a link, first add at least two nodes, one of them an output or an outcome (a link may not lead into an activity).'),
  );
}

function addNodeForm(st: State, redraw: () => void): HTMLElement {
  const p = 'add-node';
  const plan = st.plan;
  const nodes = plan.nodes ?? [];
  const carried = new Set(nodes.map((n) => n.metric).filter((x): x is string => !!x));
  const kindSel = selectInput(`${p}-kind`, 'Kind', Object.entries(NODE_KIND_LABEL), 'activity', {
    hint: 'An activity is something the mission does (it has a cost); an output is what it produces; an outcome is the change that follows.',
  });
  const kindSelect = kindSel.querySelector('select') as HTMLSelectElement;
  const extra = h('div', { class: 'gp-add-node-extra' });
  let delivery: DistEditor | null = null;
  const drawExtra = () => {
    if (kindSelect.value === 'activity') {
      delivery = distEditor(`${p}-delivery`, 'Chance of delivery', 1, 'A number from 0 to 1, or a distribution of it (for example Beta). 1: delivered for certain.');
      replaceChildren(
        extra,
        selectInput(`${p}-stage`, 'Stage', Object.entries(STAGE_LABEL), 'explore'),
        textInput(`${p}-cost`, 'Cost a year', '', { width: '10', inputmode: 'decimal', hint: 'In the plan’s units of cost; the optimiser chooses activities within a budget by it.' }),
        textInput(`${p}-start`, 'Starts (period, optional)', '', { width: '10', hint: 'For example 2026 or 2026/27. Empty: at the mission’s start.' }),
        textInput(`${p}-ramp`, 'Ramp-up (years, optional)', '', { width: '4', inputmode: 'decimal', hint: 'Years to reach full effect. Empty: at once.' }),
        delivery.el,
      );
    } else {
      delivery = null;
      const metrics = (plan.metrics ?? []).filter((m) => !carried.has(m.id));
      replaceChildren(
        extra,
        metrics.length > 0
          ? selectInput(`${p}-metric`, 'Carries the metric (optional)', [['', 'None'], ...metrics.map((m) => [m.id, m.name || m.id] as [string, string])], '', {
              hint: 'The node whose value is added to the metric in the simulation. At most one node carries each metric.',
            })
          : null,
      );
    }
  };
  kindSelect.addEventListener('change', drawExtra);
  drawExtra();
  const fields: Child[] = [
    textInput(`${p}-id`, 'Id', '', {
      width: '20',
      hint: '1 to 64 characters: lower-case letters, digits, - and _, starting with a letter or a digit. Links and assumptions refer to the node by it.',
    }),
    kindSel,
    textInput(`${p}-label`, 'Label', '', { hint: 'What it is, in words.' }),
    extra,
    textArea(`${p}-sources`, 'Sources (optional)', '', { hint: 'Where its numbers come from, one a line.', rows: 2 }),
  ];
  return formShell(
    p,
    'Add a node',
    fields,
    (form) => {
      const val = (k: string) => (form.querySelector(`#${p}-${k}`) as HTMLInputElement | HTMLSelectElement | null)?.value.trim() ?? '';
      const errors: [string, string][] = [];
      const id = val('id');
      if (!id) errors.push(['Enter an id for the node', `${p}-id`]);
      else if (!ID_RE.test(id)) errors.push(['Enter an id of 1 to 64 characters: lower-case letters, digits, - and _, starting with a letter or a digit', `${p}-id`]);
      else if (nodes.some((n) => n.id === id)) errors.push([`A node with the id ‘${id}’ exists already: choose another id`, `${p}-id`]);
      const kind = val('kind') as PlanNode['kind'];
      const node: PlanNode = { id, kind };
      const label = val('label');
      if (label) node.label = label;
      if (kind === 'activity') {
        node.stage = val('stage') as PlanNode['stage'];
        const num = (k: 'cost' | 'ramp', what: string) => {
          const raw = val(k);
          if (raw === '') return;
          const v = Number(raw.replace(/[\s,_]/g, ''));
          if (!Number.isFinite(v) || v < 0) errors.push([`Enter ${what} as a number, 0 or more`, `${p}-${k}`]);
          else node[k] = v;
        };
        num('cost', 'the cost a year');
        const start = val('start');
        if (start && !PERIOD_RE.test(start)) errors.push(['Enter the start as a period, for example 2026, 2026/27 or 2026-Q3', `${p}-start`]);
        else if (start) node.start = start;
        num('ramp', 'the ramp-up in years');
        const d = delivery?.read();
        if (isError(d)) errors.push([d.error, d.field]);
        else if (typeof d === 'number' && (d < 0 || d > 1)) errors.push(['Enter the chance of delivery as a number from 0 to 1', `${p}-delivery-value`]);
        else if (d !== undefined && d !== 1) node.delivery = d;
      } else {
        const metric = val('metric');
        if (metric) node.metric = metric;
      }
      const sources = readSources(form, `${p}-sources`);
      if (sources.length) node.sources = sources;
      if (errors.length) {
        showErrors(form, errors);
        return;
      }
      const edited = structuredClone(st.plan);
      edited.nodes = [...(edited.nodes ?? []), node];
      const index = edited.nodes.length - 1;
      void save(form, p, st, edited, redraw, {
        done: `Added the ${(NODE_KIND_LABEL[kind] ?? kind).toLowerCase()} ‘${id}’.`,
        fieldFor: (path) => newElementField(path, 'nodes', index, p, `${p}-id`, form),
        after: () => {
          st.selected = { kind: 'node', id };
        },
      });
    },
    { button: 'Add the node' },
  );
}

function addEdgeForm(st: State, redraw: () => void): HTMLElement {
  const p = 'add-edge';
  const plan = st.plan;
  const nodes = plan.nodes ?? [];
  const label = (n: PlanNode) => `${shortLabel(nodeName(n, n.id), 70)} (${n.id})`;
  const from = st.selected?.kind === 'node' ? st.selected.id : '';
  const effect = distEditor(`${p}-effect`, 'Effect', undefined, 'How much the target node changes per unit of the source node: a number, or a distribution for its uncertainty.');
  const fields: Child[] = [
    selectInput(`${p}-from`, 'From', [['', 'Choose a node'], ...nodes.map((n) => [n.id, label(n)] as [string, string])], from, {
      hint: 'The node the link starts from.',
    }),
    selectInput(`${p}-to`, 'To', [['', 'Choose a node'], ...nodes.filter((n) => n.kind !== 'activity').map((n) => [n.id, label(n)] as [string, string])], '', {
      hint: 'An output or an outcome: a link may not lead into an activity.',
    }),
    effect.el,
    textInput(`${p}-lag`, 'Lag (years)', '0', { width: '4', inputmode: 'numeric' }),
    selectInput(`${p}-evidence`, 'Evidence', [1, 2, 3, 4, 5].map((l) => [String(l), EVIDENCE_LABEL[l]] as [string, string]), '1'),
    textArea(`${p}-sources`, 'Sources (optional)', '', { hint: 'Where the effect comes from, one a line.', rows: 2 }),
  ];
  return formShell(
    p,
    'Add a link',
    fields,
    (form) => {
      const val = (k: string) => (form.querySelector(`#${p}-${k}`) as HTMLInputElement | HTMLSelectElement | null)?.value.trim() ?? '';
      const errors: [string, string][] = [];
      const f = val('from');
      const t = val('to');
      if (!f) errors.push(['Choose the node the link comes from', `${p}-from`]);
      if (!t) errors.push(['Choose the node the link leads to', `${p}-to`]);
      if (f && t && f === t) errors.push(['Choose two different nodes: a link may not lead back into its own node', `${p}-to`]);
      else if (f && t && (plan.edges ?? []).some((e) => e.from === f && e.to === t)) {
        errors.push([`There is a link from ‘${f}’ to ‘${t}’ already: select it to edit it`, `${p}-to`]);
      }
      const d = effect.read();
      if (isError(d)) errors.push([d.error, d.field]);
      const lagRaw = val('lag');
      const lag = Number(lagRaw);
      if (lagRaw === '' || !Number.isInteger(lag) || lag < 0) errors.push(['Enter the lag as a whole number of years, 0 or more', `${p}-lag`]);
      if (errors.length || isError(d)) {
        showErrors(form, errors);
        return;
      }
      const edge: PlanEdge = { from: f, to: t, effect: d, lag, evidence: Number(val('evidence')) };
      const sources = readSources(form, `${p}-sources`);
      if (sources.length) edge.sources = sources;
      const edited = structuredClone(st.plan);
      edited.edges = [...(edited.edges ?? []), edge];
      const index = edited.edges.length - 1;
      void save(form, p, st, edited, redraw, {
        done: `Added the link from ‘${f}’ to ‘${t}’.`,
        fieldFor: (path) => newElementField(path, 'edges', index, p, `${p}-to`, form),
        after: () => {
          st.selected = { kind: 'edge', from: f, to: t };
        },
      });
    },
    { button: 'Add the link' },
  );
}

/**
 * A delete form: what goes with the element (in a warning), then a first button that asks
 * for confirmation, and a second ("Yes, delete …") that saves the plan without it.
 */
function deleteForm(prefix: string, heading: string, what: string, consequences: Child[], edited: () => PlanDoc, st: State, redraw: () => void): HTMLElement {
  const questionId = `${prefix}-confirm-question`;
  return formShell(
    prefix,
    heading,
    [warningText(...consequences)],
    (form) => {
      if (form.dataset.confirming !== 'true') {
        form.dataset.confirming = 'true';
        const group = form.querySelector('.gp-form-buttons') as HTMLElement;
        const first = group.querySelector('button') as HTMLButtonElement;
        first.hidden = true;
        const cancel = h(
          'button',
          {
            type: 'button',
            class: 'govuk-button govuk-button--secondary',
            'data-cancel': true,
            onclick: () => {
              form.dataset.confirming = 'false';
              confirmBox.remove();
              yes.remove();
              cancel.remove();
              first.hidden = false;
              first.focus();
            },
          },
          'No, keep it',
        );
        const yes = h('button', { type: 'submit', class: 'govuk-button govuk-button--warning', 'data-confirm': true }, `Yes, delete ${what}`);
        const confirmBox = h(
          'p',
          { class: 'govuk-body govuk-!-font-weight-bold gp-confirm', id: questionId, tabindex: '-1' },
          `Are you sure you want to delete ${what}? The earlier versions of the plan keep it.`,
        );
        group.before(confirmBox);
        group.append(yes, cancel);
        confirmBox.focus();
        return;
      }
      void save(form, prefix, st, edited(), redraw, {
        done: `Deleted ${what}.`,
        after: () => {
          st.selected = null;
        },
      });
    },
    { button: heading, warning: true },
  );
}

function deleteNodeForm(n: PlanNode, st: State, redraw: () => void): HTMLElement {
  const plan = st.plan;
  const touching = (plan.edges ?? []).filter((e) => e.from === n.id || e.to === n.id);
  const { assumptions, tests } = attached(plan, new Set([nodeRef(n), ...touching.map(edgeRef)]));
  const plural = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  const consequences: Child[] = [
    `Deleting the node ‘${n.id}’ also deletes `,
    touching.length || assumptions.length
      ? [
          [
            touching.length ? plural(touching.length, 'link that touches it', 'links that touch it') : null,
            assumptions.length ? `${plural(assumptions.length, 'assumption', 'assumptions')} on it or on its links${tests.length ? ` and ${plural(tests.length, 'test', 'tests')} of them` : ''}` : null,
          ]
            .filter(Boolean)
            .join(', and '),
          '.',
        ]
      : 'nothing else: no link touches it and no assumption is on it.',
    touching.length
      ? h('span', { class: 'gp-block govuk-body-s govuk-!-margin-top-2', 'data-delete-edges': touching.length }, 'Links: ', touching.map((e) => `${e.from} → ${e.to}`).join('; '), '.')
      : null,
    assumptions.length
      ? h('span', { class: 'gp-block govuk-body-s', 'data-delete-assumptions': assumptions.length }, 'Assumptions: ', assumptions.map((a) => a.id).join(', '), '.')
      : null,
  ];
  return deleteForm(
    'delete-node',
    'Delete this node',
    `the node ‘${n.id}’${touching.length ? ` and ${plural(touching.length, 'link', 'links')}` : ''}`,
    consequences,
    () => {
      const edited = withoutEdges(st.plan, (e) => e.from === n.id || e.to === n.id, [nodeRef(n)]);
      edited.nodes = (edited.nodes ?? []).filter((x) => x.id !== n.id);
      return edited;
    },
    st,
    redraw,
  );
}

function deleteEdgeForm(e: PlanEdge, st: State, redraw: () => void): HTMLElement {
  const { assumptions, tests } = attached(st.plan, new Set([edgeRef(e)]));
  const consequences: Child[] = [
    `Deleting the link from ‘${e.from}’ to ‘${e.to}’ `,
    assumptions.length
      ? `also deletes ${assumptions.length === 1 ? 'its assumption' : `its ${assumptions.length} assumptions`} (${assumptions.map((a) => a.id).join(', ')})${tests.length ? ` and ${tests.length === 1 ? 'its test' : `their ${tests.length} tests`}` : ''}.`
      : 'deletes nothing else: no assumption is on it.',
  ];
  return deleteForm(
    'delete-edge',
    'Delete this link',
    `the link from ‘${e.from}’ to ‘${e.to}’`,
    consequences,
    () => withoutEdges(st.plan, (x) => x.from === e.from && x.to === e.to),
    st,
    redraw,
  );
}
