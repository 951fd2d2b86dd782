// The unit-data scan pages: /metrics/{id}/scan (which units do better or worse than
// expected, once context is taken into account: an interactive funnel plot, the scan's
// options and summary, the flagged units with q-values and persistence as a table, and a
// unit panel with its history and peers when a point or a row is chosen) and
// /metrics/{id}/units/{unit} (a unit's page: its values over time, its flags and its
// peers). The metric page links here through scanLink() when the metric has unit data.
// API: GET /api/v1/metrics/{id}/units, …/scan, …/peers, …/units/{unit}; methods in
// docs/methods/scan.md.

import '../styles/scan.scss';
import { api, ApiError } from '../api';
import { observationChart } from '../charts';
import { breadcrumbs, insetText, navLink, scrollable, selectInput, summaryList, table } from '../components';
import { h, replaceChildren, type Child } from '../dom';
import { fmtNumber } from '../format';
import { flagWords, funnelPlot, levelKeys, type ScanDoc, type ScanUnit } from '../scancharts';
import type { Page } from './page';

/** GET /api/v1/metrics/{id}/units. */
interface UnitDataDoc {
  metric: string;
  periods: string[];
  latest: { period: string; units: number; covariates: string[] } | null;
}

/** GET /api/v1/metrics/{id}/units/{unit}. */
interface UnitHistoryDoc {
  metric: string;
  unit: string;
  name: string | null;
  type: string | null;
  parent: string | null;
  history: {
    period: string;
    value: number | null;
    se: number | null;
    lower: number | null;
    upper: number | null;
    denominator: number | null;
    missing: string | null;
    scanned: boolean;
    flag: 'high' | 'low' | 'none' | null;
    indicator: number | null;
  }[];
}

/** GET /api/v1/metrics/{id}/peers. */
interface PeersDoc {
  metric: string;
  period: string;
  unit: string;
  name: string | null;
  indicator: number | null;
  flag: 'high' | 'low' | 'none';
  on: string[];
  context: Record<string, number | null>;
  peers: {
    unit: string;
    name: string | null;
    distance: number;
    flag: 'high' | 'low' | 'none';
    indicator_difference: number | null;
    context: Record<string, number | null>;
  }[];
  better: string[];
  better_flag: 'high' | 'low';
  flags_from: string;
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(`/api/v1${path}`, { headers: { Accept: 'application/json' }, signal });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const e = (body as { error?: { message?: string; code?: string; path?: string } } | null)?.error;
    throw new ApiError(res.status, e?.message ?? `HTTP ${res.status}`, e?.code ?? null, e?.path ?? null);
  }
  return body as T;
}

const enc = encodeURIComponent;
const scanUrl = (metric: string) => `/metrics/${enc(metric)}/scan`;
const unitUrl = (metric: string, unit: string) => `/metrics/${enc(metric)}/units/${enc(unit)}`;

function flagTag(f: string | null): HTMLElement | string {
  if (!f || f === 'none') return 'None';
  return h('strong', { class: `govuk-tag ${f === 'high' ? 'govuk-tag--green' : 'govuk-tag--red'}` }, f === 'high' ? 'High' : 'Low');
}

/**
 * A paragraph for the metric page linking to the scan page, filled in (and shown) once
 * GET …/units says the metric has unit data; empty and hidden otherwise.
 */
export function scanLink(metricId: string): HTMLElement {
  const p = h('p', { class: 'govuk-body gp-scan-link', hidden: true });
  getJson<UnitDataDoc>(`/metrics/${enc(metricId)}/units`)
    .then((d) => {
      if (!d.latest) return;
      replaceChildren(
        p,
        navLink(scanUrl(metricId), 'Scan the units: who does better or worse than expected'),
        ` (${fmtNumber(d.latest.units)} units, ${d.latest.period})`,
      );
      p.hidden = false;
    })
    .catch(() => {
      /* no unit data to link to */
    });
  return p;
}

async function missionTitle(id: string, signal: AbortSignal): Promise<string> {
  try {
    return (await api.mission(id, signal)).mission.title;
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    return id;
  }
}

function optionsForm(metricId: string, units: UnitDataDoc, doc: ScanDoc, query: URLSearchParams): HTMLFormElement {
  const adjust = new Set(doc.adjust ?? []);
  const covs = units.latest?.covariates ?? [];
  return h(
    'form',
    { class: 'gp-filter gp-scan-options', method: 'get', action: scanUrl(metricId), 'data-nav-form': true },
    h('input', { type: 'hidden', name: 'options', value: '1' }),
    units.periods.length > 1
      ? selectInput('period', 'Period', units.periods.map((p) => [p, p]), doc.period)
      : h('input', { type: 'hidden', name: 'period', value: doc.period }),
    covs.length
      ? h(
          'div',
          { class: 'govuk-form-group' },
          h(
            'fieldset',
            { class: 'govuk-fieldset', 'aria-describedby': 'adjust-hint' },
            h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--s' }, 'Adjust for'),
            h('div', { class: 'govuk-hint', id: 'adjust-hint' }, 'Compare each unit with what units with the same context achieve.'),
            h(
              'div',
              { class: 'govuk-checkboxes govuk-checkboxes--small', 'data-module': 'govuk-checkboxes' },
              covs.map((c, i) =>
                h(
                  'div',
                  { class: 'govuk-checkboxes__item' },
                  h('input', { class: 'govuk-checkboxes__input', id: `adjust-${i}`, name: 'adjust', type: 'checkbox', value: c, checked: adjust.has(c) }),
                  h('label', { class: 'govuk-label govuk-checkboxes__label', for: `adjust-${i}` }, c),
                ),
              ),
            ),
          ),
        )
      : null,
    selectInput(
      'overdispersion',
      'Overdispersion',
      [
        ['additive', 'Additive (random effects, τ²)'],
        ['multiplicative', 'Multiplicative (φ)'],
        ['none', 'None'],
      ],
      doc.overdispersion ?? query.get('overdispersion') ?? 'additive',
      { hint: 'How the limits widen when units differ more than their own uncertainty allows.' },
    ),
    h('button', { type: 'submit', class: 'govuk-button govuk-button--secondary' }, 'Scan again'),
  );
}

function summary(doc: ScanDoc, levels: string[]): HTMLElement {
  const count = (lv: string, f: string) => doc.units.filter((u) => u.flag[lv] === f).length;
  const discoveries = doc.fdr !== undefined ? doc.units.filter((u) => u.q_value !== null && u.q_value <= (doc.fdr as number)).length : null;
  return summaryList([
    ['Period', doc.period],
    ['Units scanned', fmtNumber(doc.units.length)],
    ['Adjusted for', doc.adjust && doc.adjust.length ? doc.adjust.join(', ') : 'Nothing (compared with the overall target)'],
    ['Target', fmtNumber(doc.target)],
    ['Overdispersion', `φ = ${fmtNumber(doc.phi)}, τ² = ${fmtNumber(doc.tau2)}${doc.od_applied ? ' (limits widened)' : ''}`],
    ...levels.map((lv): [string, Child] => [`Flagged at ${lv}%`, `${count(lv, 'high')} high, ${count(lv, 'low')} low`]),
    ...(discoveries !== null ? [[`Discoveries (false discovery rate ${fmtNumber((doc.fdr as number) * 100)}%)`, String(discoveries)] as [string, Child]] : []),
  ]);
}

function flaggedTable(metricId: string, doc: ScanDoc, levels: string[], onSelect: (u: string) => void): HTMLElement {
  const rows = doc.units
    .filter((u) => u.flag[levels[0]] && u.flag[levels[0]] !== 'none')
    .sort((a, b) => {
      const fa = a.flag[levels[0]] === 'high' ? 0 : 1;
      const fb = b.flag[levels[0]] === 'high' ? 0 : 1;
      if (fa !== fb) return fa - fb;
      return fa === 0 ? (b.z ?? 0) - (a.z ?? 0) : (a.z ?? 0) - (b.z ?? 0);
    });
  if (rows.length === 0) return h('p', { class: 'govuk-body' }, `No unit is outside the ${levels[0]}% limits.`);
  const body = rows.map((u) => [
    h(
      'a',
      {
        class: 'govuk-link',
        href: unitUrl(metricId, u.unit),
        'data-unit': u.unit,
        onclick: ((ev: MouseEvent) => {
          if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
          ev.preventDefault();
          ev.stopPropagation();
          onSelect(u.unit);
        }) as EventListener,
      },
      u.name ?? u.unit,
    ),
    u.unit,
    fmtNumber(u.observed),
    fmtNumber(u.expected),
    fmtNumber(u.indicator),
    fmtNumber(u.z),
    fmtNumber(u.q_value),
    `${fmtNumber(u.shrunk.estimate)} (${fmtNumber(u.shrunk.lower)} to ${fmtNumber(u.shrunk.upper)})`,
    h('span', null, levels.map((lv, i) => [i ? ' ' : '', flagTag(u.flag[lv]), h('span', { class: 'govuk-visually-hidden' }, ` at ${lv}%`)])),
    u.persistence === null ? '–' : String(u.persistence),
  ]);
  return scrollable(
    'Flagged units',
    table(
      `Units outside the ${levels[0]}% limits (${rows.length})`,
      [
        { head: 'Unit' },
        { head: 'Id' },
        { head: 'Observed', numeric: true },
        { head: 'Expected', numeric: true },
        { head: 'Indicator', numeric: true },
        { head: 'z', numeric: true },
        { head: 'q-value', numeric: true },
        { head: 'Shrunken estimate (95%)', numeric: true },
        { head: `Flag (${levels.map((l) => `${l}%`).join(', ')})` },
        { head: 'Periods flagged the same way', numeric: true },
      ],
      body,
      { captionClass: 'govuk-table__caption--m', rowHeaders: true, cls: 'gp-flagged govuk-table--small-text-until-tablet' },
    ),
  );
}

function historyTable(doc: UnitHistoryDoc): HTMLElement {
  return scrollable(
    'Unit history',
    table(
      'Values by period',
      [
        { head: 'Period' },
        { head: 'Value', numeric: true },
        { head: 'Interval', numeric: true },
        { head: 'Flag' },
        { head: 'Indicator', numeric: true },
      ],
      doc.history.map((r) => [
        r.period,
        r.value === null ? `Missing${r.missing ? ` (${r.missing})` : ''}` : fmtNumber(r.value),
        r.lower !== null && r.upper !== null ? `${fmtNumber(r.lower)} to ${fmtNumber(r.upper)}` : '–',
        r.scanned ? flagTag(r.flag) : 'Not scanned',
        r.scanned ? fmtNumber(r.indicator) : '–',
      ]),
      { captionClass: 'govuk-table__caption--s', rowHeaders: true, cls: 'gp-unit-history' },
    ),
  );
}

function peersTable(metricId: string, p: PeersDoc): HTMLElement {
  const better = new Set(p.better);
  return h(
    'div',
    null,
    h(
      'p',
      { class: 'govuk-body' },
      p.better.length
        ? `${p.better.length} of the ${p.peers.length} most similar units (by ${p.on.join(', ')}) do better than expected.`
        : `None of the ${p.peers.length} most similar units (by ${p.on.join(', ')}) is flagged as doing better than expected.`,
      h('span', { class: 'gp-block govuk-body-s' }, `Flags from the ${p.flags_from}.`),
    ),
    scrollable(
      'Peers',
      table(
        'Most similar units',
        [
          { head: 'Unit' },
          { head: 'Distance', numeric: true },
          { head: 'Flag' },
          { head: 'Indicator against this unit', numeric: true },
          ...p.on.map((c) => ({ head: c, numeric: true })),
        ],
        p.peers.map((q) => [
          h('span', null, navLink(unitUrl(metricId, q.unit), q.name ?? q.unit), better.has(q.unit) ? h('strong', { class: 'gp-block govuk-body-s' }, 'Does better') : null),
          fmtNumber(q.distance),
          flagTag(q.flag),
          q.indicator_difference === null ? '–' : `${q.indicator_difference > 0 ? '+' : ''}${fmtNumber(q.indicator_difference)}`,
          ...p.on.map((c) => fmtNumber(q.context[c])),
        ]),
        { captionClass: 'govuk-table__caption--s', rowHeaders: true, cls: 'gp-peers govuk-table--small-text-until-tablet' },
      ),
    ),
  );
}

async function peersOrNote(metricId: string, unit: string, signal?: AbortSignal): Promise<Node> {
  try {
    return peersTable(metricId, await getJson<PeersDoc>(`/metrics/${enc(metricId)}/peers?unit=${enc(unit)}&k=10`, signal));
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    return h('p', { class: 'govuk-body' }, `No peers: ${(e as Error).message}`);
  }
}

/** Fills the unit panel of the scan page with a unit's summary, history and peers. */
async function showUnit(panel: HTMLElement, metricId: string, doc: ScanDoc, unit: string): Promise<void> {
  const u = doc.units.find((x) => x.unit === unit) as ScanUnit | undefined;
  const levels = levelKeys(doc);
  panel.setAttribute('aria-busy', 'true');
  replaceChildren(panel, h('h2', { class: 'govuk-heading-m', id: 'unit-panel-heading', tabindex: '-1' }, u?.name ?? unit), h('p', { class: 'govuk-body' }, 'Loading…'));
  panel.hidden = false;
  (panel.querySelector('h2') as HTMLElement).focus();
  const [hist, peers] = await Promise.all([
    getJson<UnitHistoryDoc>(`/metrics/${enc(metricId)}/units/${enc(unit)}`).catch(() => null),
    peersOrNote(metricId, unit),
  ]);
  replaceChildren(
    panel,
    h('h2', { class: 'govuk-heading-m', id: 'unit-panel-heading', tabindex: '-1' }, u?.name ?? hist?.name ?? unit),
    u
      ? summaryList([
          ['Id', unit],
          ['Observed', fmtNumber(u.observed)],
          ['Expected', fmtNumber(u.expected)],
          ['Indicator', fmtNumber(u.indicator)],
          ['z-score', fmtNumber(u.z)],
          ['q-value', fmtNumber(u.q_value)],
          ['Shrunken estimate (95%)', `${fmtNumber(u.shrunk.estimate)} (${fmtNumber(u.shrunk.lower)} to ${fmtNumber(u.shrunk.upper)})`],
          ['Flags', flagWords(u, levels)],
          ['Periods flagged the same way', u.persistence === null ? '–' : String(u.persistence)],
        ])
      : h('p', { class: 'govuk-body' }, 'This unit has no value in this scan.'),
    hist ? [h('h3', { class: 'govuk-heading-s' }, 'History'), historyTable(hist)] : null,
    h('h3', { class: 'govuk-heading-s' }, 'Peers'),
    peers,
    h('p', { class: 'govuk-body' }, navLink(unitUrl(metricId, unit), `Open the page of ${u?.name ?? unit}`)),
  );
  panel.removeAttribute('aria-busy');
  (panel.querySelector('h2') as HTMLElement).focus();
}

/** Renders /metrics/{id}/scan. */
export async function scanPage(metricId: string, query: URLSearchParams, signal: AbortSignal): Promise<Page> {
  const metric = await api.metric(metricId, signal);
  const units = await getJson<UnitDataDoc>(`/metrics/${enc(metricId)}/units`, signal);
  const m = metric.metric;
  const mtitle = await missionTitle(metric.mission, signal);
  const before = [
    breadcrumbs([
      ['Missions board', '/'],
      [mtitle, `/missions/${enc(metric.mission)}`],
      [m.name, `/metrics/${enc(metricId)}`],
      ['Unit scan', null],
    ]),
  ];
  if (!units.latest) {
    return {
      title: `${m.name}: unit scan`,
      before,
      content: [
        h('span', { class: 'govuk-caption-xl' }, m.name),
        h('h1', { class: 'govuk-heading-xl' }, 'Unit scan'),
        h('p', { class: 'govuk-body' }, 'This metric has no unit data. Load some with gameplan import unit-data.'),
      ],
    };
  }
  const params = new URLSearchParams();
  if (query.get('period')) params.set('period', query.get('period') as string);
  if (query.has('options')) {
    params.set('adjust', query.getAll('adjust').join(','));
    params.set('overdispersion', query.get('overdispersion') || 'additive');
  }
  const qs = params.toString();
  const doc = await getJson<ScanDoc>(`/metrics/${enc(metricId)}/scan${qs ? `?${qs}` : ''}`, signal);
  const levels = levelKeys(doc);
  const panel = h('section', { class: 'gp-unit-panel', id: 'unit-panel', 'aria-labelledby': 'unit-panel-heading', hidden: true });
  const select = (unit: string) => {
    void showUnit(panel, metricId, doc, unit);
  };
  const chartTitle = `${m.name}, ${doc.period}: each unit against its funnel limits`;
  const chart = funnelPlot(doc, chartTitle, select, document.getElementById('app')?.clientWidth || 760);
  const content: Node[] = [
    h('span', { class: 'govuk-caption-xl' }, m.name),
    h('h1', { class: 'govuk-heading-xl' }, 'Unit scan'),
    h(
      'p',
      { class: 'govuk-body-l' },
      'Which units do better or worse than expected, how sure we are, and whether it persists. ',
      'Points outside the funnel’s limits differ from the target by more than chance and the spread between units allow.',
    ),
    optionsForm(metricId, units, doc, query),
    summary(doc, levels),
    h(
      'figure',
      { class: 'gp-figure', 'aria-labelledby': 'funnel-figcaption' },
      h('figcaption', { class: 'govuk-heading-s', id: 'funnel-figcaption' }, chartTitle),
      chart,
      h('p', { class: 'govuk-body-s' }, 'Hover over or focus a point to see the unit; click it, or press Enter, to open it below. Each point is listed in the table of flagged units when it is outside the limits.'),
    ),
    panel,
    h('h2', { class: 'govuk-heading-l' }, 'Flagged units'),
    insetText(
      `The q-value is the false discovery rate at which the unit would count as a discovery (Benjamini–Hochberg). `,
      `The shrunken estimate pulls each unit towards the target by its uncertainty (empirical Bayes). `,
      `Periods flagged the same way counts this period and earlier ones scanned with the same options.`,
    ),
    flaggedTable(metricId, doc, levels, select),
    h('p', { class: 'govuk-body' }, h('a', { class: 'govuk-link', href: `/api/v1/metrics/${enc(metricId)}/scan${qs ? `?${qs}` : ''}` }, 'The whole scan as JSON')),
  ];
  return { title: `${m.name}: unit scan`, before, content };
}

/** Renders /metrics/{id}/units/{unit}. */
export async function unitPage(metricId: string, unit: string, signal: AbortSignal): Promise<Page> {
  const [metric, hist] = await Promise.all([
    api.metric(metricId, signal),
    getJson<UnitHistoryDoc>(`/metrics/${enc(metricId)}/units/${enc(unit)}`, signal),
  ]);
  const m = metric.metric;
  const mtitle = await missionTitle(metric.mission, signal);
  const peers = await peersOrNote(metricId, unit, signal);
  const name = hist.name ?? unit;
  const series = hist.history
    .filter((r) => r.value !== null)
    .map((r) => ({ period: r.period, value: r.value as number, lower: r.lower, upper: r.upper }));
  const chartTitle = `${name}: ${m.name} by period`;
  const chart = observationChart(series, m.unit, chartTitle, document.getElementById('app')?.clientWidth || 720);
  const last = [...hist.history].reverse().find((r) => r.scanned);
  return {
    title: `${name}: ${m.name}`,
    before: [
      breadcrumbs([
        ['Missions board', '/'],
        [mtitle, `/missions/${enc(metric.mission)}`],
        [m.name, `/metrics/${enc(metricId)}`],
        ['Unit scan', scanUrl(metricId)],
        [name, null],
      ]),
    ],
    content: [
      h('span', { class: 'govuk-caption-xl' }, m.name),
      h('h1', { class: 'govuk-heading-xl' }, name),
      summaryList([
        ['Id', hist.unit],
        ['Type', hist.type ?? '–'],
        ['Place', hist.parent ?? '–'],
        ['Latest scan', last ? h('span', null, flagTag(last.flag), ` in ${last.period} (indicator ${fmtNumber(last.indicator)})`) : 'Not scanned'],
      ]),
      chart
        ? h(
            'figure',
            { class: 'gp-figure', 'aria-labelledby': 'unit-figcaption' },
            h('figcaption', { class: 'govuk-heading-s', id: 'unit-figcaption' }, chartTitle),
            chart,
          )
        : null,
      h('h2', { class: 'govuk-heading-l' }, 'History'),
      historyTable(hist),
      h('h2', { class: 'govuk-heading-l' }, 'Peers'),
      peers,
      h('p', { class: 'govuk-body' }, navLink(scanUrl(metricId), `Back to the scan of ${m.name}`)),
    ].filter((x): x is Node => x !== null),
  };
}
