// The theory-of-change page: the plan's graph (activities → outputs → outcomes → the
// mission metric), nodes coloured by the weakest evidence feeding them with a text
// legend, edges labelled with effect and evidence. Choosing a node or edge (in the graph
// or in the tables below it, which are the graph's accessible alternative) shows its
// details, its assumptions and their tests, and a form to edit it: the edit is sent as
// the whole plan document with PUT /missions/{id}/plan and the API token.
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
  navLink,
  notificationBanner,
  scrollable,
  selectInput,
  successBanner,
  summaryList,
  table,
  tag,
  textInput,
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
        'Add its activities, outputs and outcomes (nodes), the links between them (edges), its assumptions and their tests to the plan file, then apply it with ',
        h('code', { class: 'gp-code' }, 'gameplan plan apply FILE'),
        ' or PUT it to the API.',
      ),
    );
    replaceChildren(root, out);
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
  out.push(tables(st, select));
  replaceChildren(root, out);
  if (focusPanel) {
    const target = (st.flash ?? panel.querySelector('h2')) as HTMLElement | null;
    if (target) {
      target.setAttribute('tabindex', '-1');
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: 'start' });
    }
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

/** Sends the edited plan; on success reloads the plan and shows a banner, else an error summary. */
async function save(
  form: HTMLFormElement,
  prefix: string,
  st: State,
  edited: PlanDoc,
  redraw: () => void,
): Promise<void> {
  const errorsBox = form.querySelector('.gp-form-errors') as HTMLElement;
  const token = (form.querySelector(`#${prefix}-token`) as HTMLInputElement).value.trim();
  const reason = (form.querySelector(`#${prefix}-reason`) as HTMLInputElement).value.trim();
  const fail = (items: [string, string | null][]) => {
    replaceChildren(errorsBox, errorSummary(items));
    (errorsBox.firstChild as HTMLElement).focus();
  };
  if (!token) {
    fail([['Enter an API token to save changes', `${prefix}-token`]]);
    return;
  }
  setToken(token);
  const button = form.querySelector('button[type="submit"]') as HTMLButtonElement;
  button.disabled = true;
  try {
    const res = await api.putPlan(st.doc.mission.id, edited, reason);
    st.plan = await api.plan(st.doc.mission.id, null);
    (st.doc.mission as unknown as { plan_version?: number }).plan_version = res.version;
    st.flash = successBanner(
      res.changed ? `Saved as version ${res.version} of the plan.` : 'Nothing changed: the plan is the same as before.',
      h('p', { class: 'govuk-body', 'data-saved-version': res.version }, navLink(`/missions/${encodeURIComponent(st.doc.mission.id)}/versions`, 'See all versions of the plan')),
    );
    redraw();
  } catch (e) {
    button.disabled = false;
    if (e instanceof ApiError) {
      if (e.status === 401 || e.status === 403) setToken('');
      fail([[`${e.message}${e.where ? ` (at ${e.where})` : ''}`, e.status === 401 || e.status === 403 ? `${prefix}-token` : null]]);
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
      const box = form.querySelector('.gp-form-errors') as HTMLElement;
      replaceChildren(box, errorSummary([['Enter the assumption', `${p}-text`]]));
      (box.firstChild as HTMLElement).focus();
      return;
    }
    x.text = text;
    x.status = val('status') as Assumption['status'];
    x.importance = Number(val('importance'));
    x.evidence = Number(val('evidence'));
    void save(form, p, st, edited, redraw);
  });
}

function formShell(prefix: string, heading: string, fields: Child[], onSubmit: (form: HTMLFormElement) => void): HTMLElement {
  const form = h(
    'form',
    { class: 'gp-edit-form', novalidate: true, 'data-edit': prefix },
    h('div', { class: 'gp-form-errors' }),
    fields,
    textInput(`${prefix}-reason`, 'Reason for the change (optional)', '', {
      hint: 'Kept with the new version of the plan. A change to a target needs one.',
    }),
    tokenField(prefix),
    h('button', { type: 'submit', class: 'govuk-button', 'data-module': 'govuk-button' }, 'Save a new version of the plan'),
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
      const box = form.querySelector('.gp-form-errors') as HTMLElement;
      replaceChildren(box, errorSummary(errors));
      (box.firstChild as HTMLElement).focus();
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
      const box = form.querySelector('.gp-form-errors') as HTMLElement;
      replaceChildren(box, errorSummary(errors));
      (box.firstChild as HTMLElement).focus();
      return;
    }
    void save(form, p, st, edited, redraw);
  });
}
