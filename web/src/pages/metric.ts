// The metric page: what the metric is, its observations (with sources and the
// revisions each value went through), a breakdown filter and the CSV download.

import { api, observationsCsvUrl, type MetricDoc, type Observation } from '../api';
import { observationChart } from '../charts';
import { breadcrumbs, details, hidden, navLink, scrollable, summaryList, table } from '../components';
import { h } from '../dom';
import {
  breakdownKindLabel,
  directionLabel,
  fmtNumber,
  fmtTimestamp,
  fmtTimestampShort,
  isPercentUnit,
  periodStart,
} from '../format';
import type { Page } from './page';
import { scanLink } from './scan';

const PAGE_SIZE = 100;

function revisionsCell(o: Observation, sourceRef: (src: string) => Node | string): Node | string {
  const revs = o.revisions ?? [];
  if (revs.length === 0) return 'None';
  return details(
    `${revs.length} earlier ${revs.length === 1 ? 'value' : 'values'}`,
    h(
      'ol',
      { class: 'govuk-list govuk-list--number gp-revisions' },
      revs.map((r) =>
        h(
          'li',
          null,
          h('strong', null, fmtNumber(r.value)),
          r.lower !== null && r.upper !== null ? ` (${fmtNumber(r.lower)} to ${fmtNumber(r.upper)})` : '',
          h(
            'span',
            { class: 'gp-block govuk-body-s' },
            sourceRef(r.source),
            `; recorded ${fmtTimestamp(r.recorded_at)}; replaced ${fmtTimestamp(r.superseded_at)}`,
          ),
        ),
      ),
    ),
  );
}

function breakdownForm(metricId: string, doc: MetricDoc, current: string): HTMLFormElement {
  const opt = (value: string, text: string) =>
    h('option', { value, selected: value === current }, text);
  return h(
    'form',
    { class: 'gp-filter', method: 'get', action: `/metrics/${encodeURIComponent(metricId)}`, 'data-nav-form': true },
    h(
      'div',
      { class: 'govuk-form-group' },
      h('label', { class: 'govuk-label govuk-label--s', for: 'breakdown' }, 'Breakdown'),
      h('div', { class: 'govuk-hint', id: 'breakdown-hint' }, 'Show the headline figures, every breakdown, or one breakdown.'),
      h(
        'div',
        { class: 'gp-filter__row' },
        h(
          'select',
          { class: 'govuk-select', id: 'breakdown', name: 'breakdown', 'aria-describedby': 'breakdown-hint' },
          opt('headline', 'Headline'),
          doc.breakdowns.length > 0 ? opt('all', 'All breakdowns') : null,
          doc.breakdowns.map((b) =>
            h('optgroup', { label: breakdownKindLabel(b.kind) }, b.values.map((v) => opt(v, v))),
          ),
        ),
        h('button', { type: 'submit', class: 'govuk-button govuk-button--secondary' }, 'Show observations'),
      ),
    ),
  );
}

function pagination(base: string, page: number, pages: number): HTMLElement | null {
  if (pages <= 1) return null;
  const href = (p: number) => `${base}${base.includes('?') ? '&' : '?'}page=${p}`;
  const items: Node[] = [];
  for (let p = 1; p <= pages; p++) {
    if (p !== 1 && p !== pages && Math.abs(p - page) > 2) {
      if (p === 2 || p === pages - 1) items.push(h('li', { class: 'govuk-pagination__item govuk-pagination__item--ellipses' }, '⋯'));
      continue;
    }
    items.push(
      h(
        'li',
        { class: `govuk-pagination__item${p === page ? ' govuk-pagination__item--current' : ''}` },
        h(
          'a',
          {
            class: 'govuk-link govuk-pagination__link',
            href: href(p),
            'aria-label': `Page ${p}`,
            'aria-current': p === page ? 'page' : null,
            'data-nav': true,
          },
          String(p),
        ),
      ),
    );
  }
  return h(
    'nav',
    { class: 'govuk-pagination', 'aria-label': 'Observation pages' },
    page > 1
      ? h('div', { class: 'govuk-pagination__prev' }, h('a', { class: 'govuk-link govuk-pagination__link', href: href(page - 1), rel: 'prev', 'data-nav': true }, h('span', { class: 'govuk-pagination__link-title' }, 'Previous', hidden(' page'))))
      : null,
    h('ul', { class: 'govuk-pagination__list' }, items),
    page < pages
      ? h('div', { class: 'govuk-pagination__next' }, h('a', { class: 'govuk-link govuk-pagination__link', href: href(page + 1), rel: 'next', 'data-nav': true }, h('span', { class: 'govuk-pagination__link-title' }, 'Next', hidden(' page'))))
      : null,
  );
}

function breakdownLabel(value: string): string {
  if (value === 'headline') return 'headline';
  if (value === 'all') return 'all breakdowns';
  return value;
}

/** Renders the metric page for metric `id`. */
export async function metricPage(id: string, query: URLSearchParams, signal: AbortSignal): Promise<Page> {
  const breakdown = query.get('breakdown') || 'headline';
  const [doc, obs] = await Promise.all([api.metric(id, signal), api.observations(id, breakdown, signal)]);
  let missionTitle = doc.mission;
  try {
    missionTitle = (await api.mission(doc.mission, signal)).mission.title;
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    /* keep the id */
  }
  const m = doc.metric;
  const u = isPercentUnit(m.unit) ? ' (%)' : m.unit ? ` (${m.unit})` : '';
  const rows = [...obs.observations].sort(
    (a, b) =>
      periodStart(a.period) - periodStart(b.period) ||
      (a.breakdown ?? '').localeCompare(b.breakdown ?? ''),
  );
  const showBreakdown = rows.some((o) => o.breakdown !== null);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const page = Math.min(pages, Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1));
  const shown = rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const kind = rows.find((o) => o.breakdown_kind)?.breakdown_kind ?? null;
  const columns = [
    { head: 'Period' },
    ...(showBreakdown ? [{ head: breakdownKindLabel(kind) }] : []),
    { head: `Value${u}`, numeric: true },
    { head: 'Interval', numeric: true },
    { head: 'Sample size', numeric: true },
    { head: 'Source' },
    { head: 'Recorded (UTC)' },
    { head: 'Revisions' },
  ];
  // Sources are long: number them, and list them once under the table.
  const sources: string[] = [];
  const sourceNo = (src: string): number => {
    let i = sources.indexOf(src);
    if (i < 0) i = sources.push(src) - 1;
    return i + 1;
  };
  const sourceRef = (src: string): Node | string =>
    src ? h('a', { class: 'govuk-link gp-nowrap', href: `#source-${sourceNo(src)}` }, `Source ${sourceNo(src)}`) : '–';
  const body = shown.map((o) => [
    o.period,
    ...(showBreakdown ? [o.breakdown ?? 'Headline'] : []),
    fmtNumber(o.value),
    o.lower !== null && o.upper !== null ? `${fmtNumber(o.lower)} to ${fmtNumber(o.upper)}` : '–',
    o.n === null ? '–' : fmtNumber(o.n),
    sourceRef(o.source),
    h('time', { datetime: o.recorded_at, class: 'gp-nowrap' }, fmtTimestampShort(o.recorded_at)),
    revisionsCell(o, sourceRef),
  ]);
  const base = `/metrics/${encodeURIComponent(id)}?breakdown=${encodeURIComponent(breakdown)}`;
  const caption =
    rows.length === 0
      ? `Observations: ${breakdownLabel(breakdown)}`
      : `Observations: ${breakdownLabel(breakdown)} (${rows.length}${pages > 1 ? `, showing ${(page - 1) * PAGE_SIZE + 1} to ${(page - 1) * PAGE_SIZE + shown.length}` : ''})`;
  const content: Node[] = [
    h('span', { class: 'govuk-caption-xl' }, 'Metric'),
    h('h1', { class: 'govuk-heading-xl' }, m.name),
    summaryList([
      ['Unit', m.unit || '–'],
      ['Direction', directionLabel(m.direction)],
      ['Frequency', m.frequency || '–'],
      ['Source', m.source || '–'],
      ['Mission', navLink(`/missions/${encodeURIComponent(doc.mission)}`, missionTitle)],
    ]),
    h(
      'p',
      { class: 'govuk-body' },
      h(
        'a',
        { class: 'govuk-link gp-download', href: observationsCsvUrl(id), download: `${id}-observations.csv`, 'data-csv': true },
        `Download all observations of ${m.name} (CSV)`,
      ),
    ),
    scanLink(id),
    h('h2', { class: 'govuk-heading-l' }, 'Observations'),
    breakdownForm(id, doc, breakdown),
  ];
  // A chart of one series (the headline or one breakdown), not of all breakdowns at once.
  if (breakdown !== 'all') {
    const chartTitle = `${m.name}: ${breakdownLabel(breakdown)}, by period`;
    const chart = observationChart(rows, m.unit, chartTitle, document.getElementById('app')?.clientWidth || 720);
    if (chart) {
      content.push(
        h(
          'figure',
          { class: 'gp-figure', 'aria-labelledby': 'observations-figcaption' },
          h('figcaption', { class: 'govuk-heading-s', id: 'observations-figcaption' }, chartTitle),
          chart,
        ),
      );
    }
  }
  if (rows.length === 0) {
    content.push(h('p', { class: 'govuk-body' }, 'There are no observations for this selection.'));
  } else {
    content.push(
      scrollable(
        'Observations table',
        table(caption, columns, body, { captionClass: 'govuk-table__caption--s', rowHeaders: true, cls: 'gp-observations govuk-table--small-text-until-tablet' }),
      ),
    );
    const nav = pagination(base, page, pages);
    if (nav) content.push(nav);
    content.push(
      h('h3', { class: 'govuk-heading-s' }, sources.length === 1 ? 'Source' : 'Sources'),
      h(
        'ol',
        { class: 'govuk-list govuk-list--number gp-sources' },
        sources.map((src, i) => h('li', { id: `source-${i + 1}` }, src)),
      ),
    );
  }
  return {
    title: breakdown === 'headline' ? m.name : `${m.name}: ${breakdownLabel(breakdown)}`,
    before: [
      breadcrumbs([
        ['Missions board', '/'],
        [missionTitle, `/missions/${encodeURIComponent(doc.mission)}`],
        [m.name, null],
      ]),
    ],
    content,
  };
}
