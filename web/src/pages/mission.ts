// The mission page (?as_of=PERIOD: the status as it was at the end of that period, chosen
// with a select of the periods that have observations): for each target, its rating, probability of meeting it, Open SDG
// status, any rebaselining, a chart of actuals, trajectory, forecast fan and target
// (with its data as a table), and for floor targets the places below the floor; then the
// mission's conversations (pages/missionconversations.ts) and its data sources.

import { ApiError, api, type Metric, type MissionDoc, type StatusDoc, type StatusTarget } from '../api';
import { chartRows, targetChart } from '../charts';
import {
  breadcrumbs,
  details,
  errorSummary,
  markFieldErrors,
  missionNav,
  selectInput,
  hidden,
  insetText,
  navLink,
  ratingTag,
  scrollable,
  summaryList,
  table,
} from '../components';
import { h } from '../dom';
import {
  KIND_LABEL,
  OPEN_SDG_LABEL,
  directionLabel,
  fmtInterval,
  fmtNumber,
  fmtProbability,
  fmtTimestamp,
  fmtValue,
  isPercentUnit,
  missionKindLabel,
  periodStart,
} from '../format';
import { conversationsSection, loadMissionConversations } from './missionconversations';
import type { Page } from './page';

function unitHead(unit: string): string {
  return isPercentUnit(unit) ? ' (%)' : unit ? ` (${unit})` : '';
}

function legend(hasFan: boolean): HTMLElement {
  const item = (cls: string, text: string) =>
    h('li', { class: 'gp-legend__item' }, h('span', { class: `gp-legend__swatch ${cls}`, 'aria-hidden': 'true' }), text);
  return h(
    'ul',
    { class: 'gp-legend', 'aria-label': 'Chart key' },
    item('gp-legend__swatch--actual', 'Actual'),
    item('gp-legend__swatch--trajectory', 'Trajectory'),
    hasFan ? item('gp-legend__swatch--forecast', 'Forecast (mean)') : null,
    hasFan ? item('gp-legend__swatch--band80', '80% interval') : null,
    hasFan ? item('gp-legend__swatch--band95', '95% interval') : null,
    item('gp-legend__swatch--target', 'Target'),
  );
}

function dataTable(t: StatusTarget, name: string): HTMLTableElement {
  const u = unitHead(t.unit);
  return table(
    `${name}: data shown in the chart`,
    [
      { head: 'Period' },
      { head: `Actual${u}`, numeric: true },
      { head: `Trajectory${u}`, numeric: true },
      { head: `Forecast${u}`, numeric: true },
      { head: '80% interval', numeric: true },
      { head: '95% interval', numeric: true },
    ],
    chartRows(t).map((r) => [
      r.period,
      r.actual === null ? '' : fmtNumber(r.actual),
      r.trajectory === null ? '' : fmtNumber(r.trajectory),
      r.fan ? fmtNumber(r.fan.mean) : '',
      r.fan ? fmtInterval(r.fan.pi80) : '',
      r.fan ? fmtInterval(r.fan.pi95) : '',
    ]),
    { captionClass: 'govuk-table__caption--s', rowHeaders: true, cls: 'gp-data-table' },
  );
}

function forecastText(t: StatusTarget): Node | string {
  if (!t.forecast) return t.forecast_reason ? `No forecast: ${t.forecast_reason}` : 'No forecast';
  return h(
    'span',
    null,
    `${fmtValue(t.forecast.mean, t.unit)} in ${t.forecast.period}`,
    h(
      'span',
      { class: 'govuk-body-s gp-secondary gp-block' },
      `80% interval ${fmtInterval(t.forecast.pi80)}; 95% interval ${fmtInterval(t.forecast.pi95)}`,
    ),
  );
}

function rebaselineNotice(t: StatusTarget): HTMLElement | null {
  if (!t.rebaselined) return null;
  const r = t.rebaseline;
  return insetText(
    h('strong', { class: 'govuk-tag govuk-tag--blue gp-rebaselined' }, 'Rebaselined'),
    ' ',
    r
      ? [
          `This target was rebaselined on ${fmtTimestamp(r.changed_at)}. Reason: ${r.reason}`,
          h(
            'span',
            { class: 'gp-block govuk-!-margin-top-2' },
            `Previously: baseline ${fmtValue(r.previous.baseline.value, t.unit)} in ${r.previous.baseline.period}, ` +
              `target ${fmtValue(r.previous.target.value, t.unit)} by ${r.previous.target.period}.`,
          ),
        ]
      : 'This target has been rebaselined.',
  );
}

function belowFloor(t: StatusTarget, name: string): Node[] {
  if (t.kind !== 'floor' || !t.below_floor) return [];
  const heading = h('h3', { class: 'govuk-heading-s' }, 'Below the floor');
  if (t.below_floor.length === 0) {
    return [heading, h('p', { class: 'govuk-body' }, 'Every breakdown meets the floor, now and in the forecast.')];
  }
  const u = unitHead(t.unit);
  return [
    heading,
    scrollable(`${name}: below the floor`, table(
      h(
        'span',
        null,
        `${t.below_floor.length} ${t.below_floor.length === 1 ? 'breakdown does' : 'breakdowns do'} not meet the floor of ${fmtValue(t.target.value, t.unit)} now or in the forecast`,
        hidden(` for ${t.metric_name}`),
      ),
      [
        { head: 'Breakdown' },
        { head: `Latest actual${u}`, numeric: true },
        { head: `Forecast for ${t.target.period}${u}`, numeric: true },
        { head: 'Likelihood of meeting the floor', numeric: true },
      ],
      t.below_floor.map((b) => [
        b.breakdown,
        b.latest === null || b.latest === undefined
          ? '–'
          : typeof b.latest === 'number'
            ? fmtNumber(b.latest)
            : `${fmtNumber(b.latest.value)} (${b.latest.period})`,
        fmtNumber(b.forecast_mean),
        fmtProbability(b.p_meet),
      ]),
      { captionClass: 'govuk-table__caption--s', rowHeaders: true, cls: 'gp-below-floor' },
    )),
  ];
}

/** "Committed target, 7.25% by 2030": tells apart targets on the same metric. */
function targetLabel(t: StatusTarget, lowerCaseKind = false): string {
  const kind = KIND_LABEL[t.kind] ?? t.kind;
  return `${lowerCaseKind ? kind.toLowerCase() : kind} target, ${fmtValue(t.target.value, t.unit)} by ${t.target.period}`;
}

/** The width the charts will be shown at: the page's content column. */
function chartWidth(): number {
  return document.getElementById('app')?.clientWidth || 720;
}

function targetSection(t: StatusTarget, metric: Metric | undefined): HTMLElement {
  const headingId = `target-${t.id}`;
  const name = t.metric_name || metric?.name || t.metric;
  const chartTitle = `${name}: actuals, trajectory, forecast and target`;
  const figcaptionId = `${headingId}-figcaption`;
  return h(
    'section',
    { class: 'gp-target', 'aria-labelledby': headingId, 'data-target': t.id, 'data-metric': t.metric },
    h(
      'h2',
      { class: 'govuk-heading-l', id: headingId },
      h('span', { class: 'govuk-caption-m' }, targetLabel(t), hidden(': ')),
      name,
    ),
    h(
      'p',
      { class: 'govuk-body-l' },
      `From ${fmtValue(t.baseline.value, t.unit)} in ${t.baseline.period} to ${fmtValue(t.target.value, t.unit)} by ${t.target.period}. `,
      h('span', { class: 'gp-secondary' }, `${directionLabel(t.direction)}.`),
    ),
    rebaselineNotice(t),
    h(
      'div',
      { class: 'gp-headline-status' },
      h('div', { class: 'gp-headline-status__item' }, h('span', { class: 'gp-headline-status__label' }, 'Rating'), ratingTag(t.rating)),
      h(
        'div',
        { class: 'gp-headline-status__item' },
        h('span', { class: 'gp-headline-status__label' }, 'Likelihood of meeting'),
        h('span', { class: 'gp-headline-status__value', 'data-p-meet': t.p_meet ?? '' }, fmtProbability(t.p_meet)),
      ),
      h(
        'div',
        { class: 'gp-headline-status__item' },
        h('span', { class: 'gp-headline-status__label' }, 'Progress'),
        h('span', { class: 'gp-headline-status__value gp-headline-status__value--text', 'data-open-sdg': t.open_sdg_status }, OPEN_SDG_LABEL[t.open_sdg_status] ?? t.open_sdg_status),
      ),
    ),
    summaryList([
      ['Latest actual', t.latest ? `${fmtValue(t.latest.value, t.unit)} in ${t.latest.period}` : 'No data yet'],
      [
        'Trajectory for that period',
        t.latest && t.trajectory_value !== null ? fmtValue(t.trajectory_value, t.unit) : 'Not available',
      ],
      [`Forecast for ${t.target.period}`, forecastText(t)],
      ['Baseline', `${fmtValue(t.baseline.value, t.unit)} in ${t.baseline.period}`],
      ['Source', metric?.source || null],
    ]),
    h(
      'figure',
      { class: 'gp-figure', 'aria-labelledby': figcaptionId },
      h('figcaption', { class: 'govuk-heading-s', id: figcaptionId }, chartTitle),
      targetChart(t, chartTitle, chartWidth()),
      legend(t.fan.length > 0),
    ),
    details('Show the chart data as a table', scrollable(`${name}: chart data`, dataTable(t, name)), h(
      'p',
      { class: 'govuk-body-s' },
      'Trajectory values between the plan’s points are interpolated in a straight line, as drawn.',
    )),
    belowFloor(t, name),
    h('p', { class: 'govuk-body' }, navLink(`/metrics/${encodeURIComponent(t.metric)}`, ['All observations', hidden(` of ${name}`), ', with sources and revisions'])),
  );
}

/** The period forms gameplan reads: 2024, 2024/25, 2024-Q3, 2024-07, 2024-07-15. */
const PERIOD_RE = /^\d{4}(\/\d{2}|-Q[1-4]|-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;

/** The periods that have a headline observation in any target's status, latest first. */
function observedPeriods(targets: StatusTarget[]): string[] {
  const set = new Set<string>();
  for (const t of targets) for (const a of t.actuals ?? []) set.add(a.period);
  return [...set].sort((a, b) => periodStart(b) - periodStart(a) || b.localeCompare(a));
}

/**
 * The "as of" control: a select of the periods with observations (and "latest"), sent as
 * ?as_of=PERIOD so the address can be shared and reloaded.
 */
function asOfForm(id: string, periods: string[], asOf: string, error: string | null): HTMLElement {
  const options: [string, string][] = [['', 'Latest (every observation)'], ...periods.map((p) => [p, p] as [string, string])];
  if (asOf && !periods.includes(asOf)) options.splice(1, 0, [asOf, asOf]);
  const select = selectInput('as-of', 'Status as of', options, error ? '' : asOf, {
    name: 'as_of',
    hint: 'See the status as it was at the end of an earlier period: only the observations up to then are used.',
  });
  const form = h(
    'form',
    { class: 'gp-asof-form', method: 'get', action: `/missions/${encodeURIComponent(id)}`, 'data-nav-form': true, novalidate: true },
    select,
    h('button', { type: 'submit', class: 'govuk-button govuk-button--secondary', 'data-module': 'govuk-button' }, 'Show the status'),
  );
  if (error) markFieldErrors(form, [[error, 'as-of']]);
  return form;
}

/** Renders the mission page for mission `id` (?as_of=PERIOD: the status as it was then). */
export async function missionPage(id: string, query: URLSearchParams, signal: AbortSignal): Promise<Page> {
  const asOfRaw = (query.get('as_of') ?? '').trim();
  let asOfError: string | null = asOfRaw && !PERIOD_RE.test(asOfRaw)
    ? `Choose a period from the list (a period looks like 2024, 2024/25, 2024-Q3, 2024-07 or 2024-07-15; '${asOfRaw}' is not one)`
    : null;
  const asOf = asOfRaw && !asOfError ? asOfRaw : '';
  const [doc, latest, then, convs, plan] = await Promise.all([
    api.mission(id, signal) as Promise<MissionDoc>,
    api.missionStatus(id, signal) as Promise<StatusDoc>,
    asOf
      ? api.missionStatus(id, signal, asOf).catch((e: Error) => {
          if (e instanceof ApiError && e.status === 422) {
            asOfError = `${e.message} (at ${e.where ?? 'as_of'})`;
            return null;
          }
          throw e;
        })
      : Promise.resolve(null),
    loadMissionConversations(id, signal),
    api.plan(id, null, signal).catch((e: Error) => {
      if (e.name === 'AbortError') throw e;
      return null;
    }),
  ]);
  const status = then ?? latest;
  const shownAsOf = then ? asOf : '';
  const m = doc.mission;
  const metrics = new Map(doc.metrics.map((x) => [x.id, x]));
  const targets = status.targets.filter((t) => t.mission === m.id || !t.mission);
  const content: Node[] = [
    h('span', { class: 'govuk-caption-xl' }, missionKindLabel(m.kind)),
    h('h1', { class: 'govuk-heading-xl' }, m.title),
  ];
  content.push(missionNav(m.id, 'overview'));
  if (asOfError) content.push(errorSummary([[asOfError, 'as-of']]));
  if (m.vision) content.push(h('p', { class: 'govuk-body-l' }, m.vision));
  content.push(
    summaryList(
      [
        ['Lead', m.lead || null],
        ['Runs', `${m.start} to ${m.horizon}`],
        ['Targets', String(targets.length)],
        ['Published', m.published ? 'Yes' : 'No (draft)'],
      ],
      'govuk-summary-list--no-border gp-mission-facts',
    ),
  );
  content.push(asOfForm(m.id, observedPeriods(latest.targets), shownAsOf, asOfError));
  if (shownAsOf) {
    content.push(
      insetText(
        h('strong', { 'data-as-of': shownAsOf }, `The status as of ${shownAsOf}.`),
        ` Only observations of periods ending by the end of ${shownAsOf} are used: the latest actuals, forecasts, likelihoods and ratings below are as they were then. `,
        navLink(`/missions/${encodeURIComponent(m.id)}`, 'See the latest status'),
        '.',
      ),
    );
  }
  if (targets.length > 1) {
    content.push(
      h(
        'nav',
        { class: 'gp-contents', 'aria-labelledby': 'contents-heading' },
        h('h2', { class: 'govuk-heading-s', id: 'contents-heading' }, 'Targets on this page'),
        h(
          'ul',
          { class: 'govuk-list' },
          targets.map((t) =>
            h(
              'li',
              null,
              h('a', { class: 'govuk-link', href: `#target-${t.id}` }, `${t.metric_name || t.metric}: ${targetLabel(t, true)}`),
              ' ',
              ratingTag(t.rating),
            ),
          ),
        ),
      ),
    );
  }
  if (targets.length === 0) content.push(h('p', { class: 'govuk-body' }, 'This mission has no targets yet.'));
  for (const t of targets) content.push(targetSection(t, metrics.get(t.metric)));
  content.push(conversationsSection(m.id, convs, plan?.assumptions ?? []));
  content.push(
    h(
      'section',
      { class: 'gp-attribution', 'aria-labelledby': 'attribution-heading' },
      h('h2', { class: 'govuk-heading-m', id: 'attribution-heading' }, 'Data sources'),
      m.attribution
        ? h('p', { class: 'govuk-body', 'data-attribution': true }, m.attribution)
        : h('p', { class: 'govuk-body' }, 'No attribution has been recorded for this mission’s data.'),
      doc.metrics.length > 0
        ? h(
            'ul',
            { class: 'govuk-list govuk-list--bullet' },
            doc.metrics.map((x) =>
              h('li', null, navLink(`/metrics/${encodeURIComponent(x.id)}`, x.name), x.source ? `: ${x.source}` : ''),
            ),
          )
        : null,
    ),
  );
  return {
    title: shownAsOf ? `${m.title} (as of ${shownAsOf})` : m.title,
    before: [breadcrumbs([['Missions board', '/'], [m.title, null]])],
    content,
  };
}
