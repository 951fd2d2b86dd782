// The board of all missions: every mission with its targets, each target with its
// rating, probability of meeting it, latest actual and a sparkline of its actuals.

import { api, type Mission, type Rating, type StatusTarget } from '../api';
import { sparkline } from '../charts';
import { details, hidden, navLink, ratingTag, table } from '../components';
import { h } from '../dom';
import {
  KIND_LABEL,
  RATING_LABEL,
  RATING_MEANING,
  fmtProbability,
  fmtValue,
  missionKindLabel,
} from '../format';
import type { Page } from './page';

const RATINGS: Rating[] = ['green', 'amber_green', 'amber_red', 'red', 'not_rated'];

function targetCell(t: StatusTarget): Node {
  return h(
    'div',
    null,
    navLink(`/missions/${encodeURIComponent(t.mission)}#target-${encodeURIComponent(t.id)}`, t.metric_name),
    h(
      'span',
      { class: 'govuk-body-s gp-secondary gp-block' },
      `${KIND_LABEL[t.kind] ?? t.kind}: ${fmtValue(t.target.value, t.unit)} by ${t.target.period}`,
    ),
  );
}

function latestCell(t: StatusTarget): Node | string {
  if (!t.latest) return 'No data yet';
  return h(
    'span',
    null,
    fmtValue(t.latest.value, t.unit),
    h('span', { class: 'govuk-body-s gp-secondary gp-block' }, t.latest.period),
  );
}

/** The first sentence of a mission's vision (the mission page shows all of it). */
function firstSentence(text: string): string {
  const m = /^(.+?[.!?])\s+(?=[A-Z])/.exec(text);
  return m && m[1].length >= 40 ? m[1] : text;
}

function missionSection(m: Mission, targets: StatusTarget[]): HTMLElement {
  const headingId = `mission-${m.id}`;
  const body: Node[] = [];
  if (targets.length === 0) {
    body.push(h('p', { class: 'govuk-body' }, 'This mission has no targets yet.'));
  } else {
    body.push(
      table(
        h('span', null, 'Targets', hidden(` of ${m.title}`)),
        [
          { head: 'Target', cls: 'gp-col-target' },
          { head: 'Rating', cls: 'gp-col-rating' },
          { head: 'Likelihood of meeting', numeric: true, cls: 'gp-col-p' },
          { head: 'Latest actual', numeric: true, cls: 'gp-col-latest' },
          { head: 'Trend', cls: 'gp-col-trend' },
        ],
        targets.map((t) => [
          targetCell(t),
          ratingTag(t.rating),
          fmtProbability(t.p_meet),
          latestCell(t),
          sparkline(t) ?? 'No data yet',
        ]),
        { captionClass: 'govuk-table__caption--s', cls: 'gp-board-table' },
      ),
      // On small screens the table gives way to one card per target (CSS picks one).
      h(
        'ul',
        { class: 'gp-cards', 'aria-label': `Targets of ${m.title}` },
        targets.map((t) =>
          h(
            'li',
            { class: 'gp-card' },
            targetCell(t),
            h(
              'dl',
              { class: 'gp-card__facts' },
              h('div', null, h('dt', null, 'Rating'), h('dd', null, ratingTag(t.rating))),
              h('div', null, h('dt', null, 'Likelihood of meeting'), h('dd', null, fmtProbability(t.p_meet))),
              h(
                'div',
                null,
                h('dt', null, 'Latest actual'),
                h('dd', null, t.latest ? `${fmtValue(t.latest.value, t.unit)} (${t.latest.period})` : 'No data yet'),
              ),
            ),
            sparkline(t),
          ),
        ),
      ),
    );
  }
  return h(
    'section',
    { class: 'gp-mission-card', 'aria-labelledby': headingId, 'data-mission': m.id },
    h('span', { class: 'govuk-caption-m' }, missionKindLabel(m.kind), m.lead ? ` · led by ${m.lead}` : ''),
    h('h2', { class: 'govuk-heading-m', id: headingId }, navLink(`/missions/${encodeURIComponent(m.id)}`, m.title)),
    m.vision ? h('p', { class: 'govuk-body' }, firstSentence(m.vision)) : null,
    body,
  );
}

function ratingSummary(targets: StatusTarget[]): HTMLElement {
  const counts = new Map<Rating, number>();
  for (const t of targets) counts.set(t.rating, (counts.get(t.rating) ?? 0) + 1);
  return h(
    'ul',
    { class: 'govuk-list gp-rating-summary', 'aria-label': 'Targets by rating' },
    RATINGS.filter((r) => counts.has(r)).map((r) =>
      h(
        'li',
        { class: 'gp-rating-summary__item' },
        h('span', { class: 'gp-rating-summary__count' }, String(counts.get(r))),
        ' ',
        ratingTag(r),
      ),
    ),
  );
}

/** Renders the board. */
export async function boardPage(signal: AbortSignal): Promise<Page> {
  const [missions, status] = await Promise.all([api.missions(signal), api.status(signal)]);
  const byMission = new Map<string, StatusTarget[]>();
  for (const t of status.targets) {
    const list = byMission.get(t.mission) ?? [];
    list.push(t);
    byMission.set(t.mission, list);
  }
  const content: Node[] = [
    h('h1', { class: 'govuk-heading-xl' }, 'Missions board'),
    h(
      'p',
      { class: 'govuk-body-l' },
      'Every target of every mission: how likely it is to be met, its rating and the latest data.',
    ),
  ];
  if (missions.missions.length === 0) {
    content.push(h('p', { class: 'govuk-body' }, 'There are no published missions yet.'));
    return { title: 'Missions board', content, nav: 'board' };
  }
  const n = status.targets.length;
  content.push(
    h(
      'div',
      { class: 'gp-board-summary' },
      h(
        'p',
        { class: 'govuk-body' },
        `${missions.missions.length} ${missions.missions.length === 1 ? 'mission' : 'missions'}, `,
        `${n} ${n === 1 ? 'target' : 'targets'}`,
        status.as_of ? `, as at ${status.as_of}` : ', using the latest data',
        '.',
      ),
      ratingSummary(status.targets),
      details(
        'What the ratings mean',
        h(
          'dl',
          { class: 'gp-key' },
          RATINGS.map((r) => [
            h('dt', null, ratingTag(r)),
            h('dd', { class: 'govuk-body' }, `${RATING_LABEL[r]}: ${RATING_MEANING[r]}.`),
          ]),
        ),
        h(
          'p',
          { class: 'govuk-body' },
          'Likelihood of meeting is the forecast probability that the target is met in its period. ',
          'Trend shows the actuals from the baseline on.',
        ),
      ),
    ),
  );
  for (const m of missions.missions) content.push(missionSection(m, byMission.get(m.id) ?? []));
  return { title: 'Missions board', content, nav: 'board' };
}
