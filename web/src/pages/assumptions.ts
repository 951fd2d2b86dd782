// The assumptions board: every assumption of the plan placed on an importance × evidence
// grid (most important and least evidenced at the top left: test those first), with its
// status and its priority rank from the simulation's "assumptions" list, and its tests
// under it. Below the grid, every assumption in rank order with its full text and tests.
// The ranks come from the last stored simulation of the current plan version; when there
// is none (or it is of an older version) the page runs one (10,000 draws, seed 1).
// Each assumption also shows the theme sets linked to it (themes of free text found by
// `synthesise`, from a file or a conversation's statements: themes.ts).

import { ApiError, api, type Assumption, type SimAssumption, type SimulationDoc } from '../api';
import { hidden, navLink, summaryList, tag } from '../components';
import { h } from '../dom';
import { fmtNumber, fmtProbability } from '../format';
import { ASSUMPTION_STATUS_LABEL, ASSUMPTION_STATUS_TAG, EVIDENCE_LABEL, TEST_METHOD_LABEL, TEST_STATUS_LABEL, refName, testsOf } from '../plan';
import { currentVersion, missionSubPage } from './frame';
import type { Page } from './page';
import { missionThemeSets, themeSetSummary } from './themes';
import { testsList } from './toc';

const AUTO_DRAWS = 10000;

/** Renders the assumptions board of mission `id`. */
export async function assumptionsPage(id: string, signal: AbortSignal): Promise<Page> {
  const [doc, plan, themeSets] = await Promise.all([api.mission(id, signal), api.plan(id, null, signal), missionThemeSets(id, signal)]);
  const assumptions = plan.assumptions ?? [];
  let sim: SimulationDoc | null = null;
  let simNote = '';
  if (assumptions.length > 0) {
    const cur = currentVersion(doc);
    try {
      sim = await api.simulation(id, signal);
      if (cur !== null && sim.plan_version !== undefined && sim.plan_version !== cur) sim = null;
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      if (!(e instanceof ApiError)) throw e;
    }
    if (sim) {
      simNote = `Ranks from the last stored simulation (${fmtNumber(sim.draws)} draws, seed ${sim.seed}${sim.plan_version ? `, plan version ${sim.plan_version}` : ''}).`;
    } else {
      try {
        sim = await api.simulate(id, { draws: AUTO_DRAWS, seed: 1 }, signal);
        simNote = `Ranks from a simulation run now for this page (${fmtNumber(sim.draws)} draws, seed ${sim.seed}).`;
      } catch (e) {
        if ((e as Error).name === 'AbortError') throw e;
        if (!(e instanceof ApiError)) throw e;
        simNote = `No ranks: the simulation could not run (${e.message}).`;
      }
    }
  }
  const ranks = new Map<string, SimAssumption>((sim?.assumptions ?? []).map((a) => [a.id, a]));
  const primary = sim?.targets.find((t) => t.id === sim?.primary_target) ?? sim?.targets[0];
  const content: Node[] = [
    h(
      'p',
      { class: 'govuk-body-l' },
      'Which assumption should we test next? Each assumption sits by how much the plan depends on it (importance) and how strong the evidence for it is. Those at the top left matter most and are least known: test them first.',
    ),
  ];
  if (assumptions.length === 0) {
    content.push(h('p', { class: 'govuk-body' }, 'This plan lists no assumptions yet.'));
    return missionSubPage(doc, 'assumptions', 'Assumptions', content);
  }
  content.push(h('p', { class: 'govuk-body gp-secondary', 'data-rank-source': sim ? 'simulation' : 'none' }, simNote, ' ', navLink(`/missions/${encodeURIComponent(id)}/simulation`, 'See the simulation'), '.'));

  const card = (a: Assumption) => {
    const r = ranks.get(a.id);
    const tests = testsOf(plan, a.id);
    return h(
      'li',
      { class: `gp-acard gp-acard--${a.status}`, 'data-assumption': a.id, 'data-rank': r?.priority_rank ?? '' },
      h(
        'div',
        { class: 'gp-acard__head' },
        r ? h('span', { class: 'gp-acard__rank', 'data-rank': r.priority_rank }, h('span', { class: 'govuk-visually-hidden' }, 'Priority rank '), `#${r.priority_rank}`) : null,
        h('a', { class: 'govuk-link gp-acard__id', href: `#assumption-${a.id}` }, a.id, hidden(': full details')),
        tag(ASSUMPTION_STATUS_LABEL[a.status] ?? a.status, `${ASSUMPTION_STATUS_TAG[a.status] ?? 'govuk-tag--grey'} gp-acard__status`),
      ),
      h('p', { class: 'gp-acard__text' }, a.text.length > 110 ? `${a.text.slice(0, 109).trimEnd()}…` : a.text),
      tests.length > 0
        ? h(
            'ul',
            { class: 'gp-acard__tests', 'aria-label': `Tests of ${a.id}` },
            tests.map((t) => h('li', { 'data-test': t.id }, `${TEST_METHOD_LABEL[t.method] ?? t.method} (${(TEST_STATUS_LABEL[t.status] ?? t.status).toLowerCase()})`)),
          )
        : h('p', { class: 'gp-acard__tests gp-acard__tests--none' }, 'No test yet'),
    );
  };

  const grid = h(
    'table',
    { class: 'govuk-table gp-aboard', 'data-assumptions': assumptions.length },
    h('caption', { class: 'govuk-table__caption govuk-table__caption--m' }, 'Assumptions by importance and evidence'),
    h(
      'thead',
      { class: 'govuk-table__head' },
      h(
        'tr',
        { class: 'govuk-table__row' },
        h('td', { class: 'govuk-table__header gp-aboard__corner' }, h('span', { class: 'gp-secondary gp-block' }, 'Importance ↓'), h('span', { class: 'gp-secondary gp-block' }, 'Evidence →')),
        [1, 2, 3, 4, 5].map((e) =>
          h('th', { scope: 'col', class: 'govuk-table__header gp-aboard__col' }, `Evidence ${e}`, h('span', { class: 'gp-block govuk-body-s gp-secondary' }, e === 1 ? 'weakest' : e === 5 ? 'strongest' : '')),
        ),
      ),
    ),
    h(
      'tbody',
      { class: 'govuk-table__body' },
      [5, 4, 3, 2, 1].map((imp) =>
        h(
          'tr',
          { class: 'govuk-table__row' },
          h('th', { scope: 'row', class: 'govuk-table__header gp-aboard__row' }, `Importance ${imp}`, h('span', { class: 'gp-block govuk-body-s gp-secondary' }, imp === 5 ? 'highest' : imp === 1 ? 'lowest' : '')),
          [1, 2, 3, 4, 5].map((ev) => {
            const here = assumptions
              .filter((a) => a.importance === imp && a.evidence === ev)
              .sort((a, b) => (ranks.get(a.id)?.priority_rank ?? 1e9) - (ranks.get(b.id)?.priority_rank ?? 1e9));
            const hot = imp >= 4 && ev <= 2;
            return h(
              'td',
              { class: `govuk-table__cell gp-aboard__cell${hot ? ' gp-aboard__cell--hot' : ''}`, 'data-importance': imp, 'data-evidence': ev },
              here.length ? h('ul', { class: 'gp-aboard__list' }, here.map(card)) : h('span', { class: 'govuk-visually-hidden' }, 'None'),
            );
          }),
        ),
      ),
    ),
  );
  content.push(
    h('div', { class: 'gp-table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Assumptions board' }, grid),
    h('p', { class: 'govuk-body-s gp-secondary' }, 'Shaded cells (importance 4 or 5, evidence 1 or 2): the plan leans on these and knows least about them. #N is the priority rank from the simulation.'),
  );

  // The theme sets linked to an assumption (newest first; the three latest shown).
  const themesOf = (aid: string): Node[] => {
    const mine = themeSets.filter((t) => t.assumption === aid);
    if (mine.length === 0) return [];
    const out: Node[] = [
      h('h4', { class: 'govuk-heading-s' }, 'Themes in what people said'),
      h('ul', { class: 'govuk-list', 'data-theme-sets': mine.length, 'aria-label': `Theme sets linked to ${aid}` }, mine.slice(0, 3).map(themeSetSummary)),
    ];
    if (mine.length > 3) out.push(h('p', { class: 'govuk-body-s gp-secondary' }, `and ${mine.length - 3} earlier theme sets.`));
    return out;
  };

  // Every assumption in rank order.
  const ordered = [...assumptions].sort((a, b) => (ranks.get(a.id)?.priority_rank ?? 1e9) - (ranks.get(b.id)?.priority_rank ?? 1e9));
  content.push(
    h('h2', { class: 'govuk-heading-l' }, 'Every assumption, in priority order'),
    ...ordered.map((a) => {
      const r = ranks.get(a.id);
      return h(
        'section',
        { class: 'gp-assumption-full', id: `assumption-${a.id}`, 'aria-labelledby': `assumption-${a.id}-h`, tabindex: '-1' },
        h(
          'h3',
          { class: 'govuk-heading-m', id: `assumption-${a.id}-h` },
          h('span', { class: 'govuk-caption-m' }, r ? `Rank ${r.priority_rank}: ${a.id}` : a.id, hidden('. ')),
          a.text,
        ),
        summaryList([
          ['Status', tag(ASSUMPTION_STATUS_LABEL[a.status] ?? a.status, ASSUMPTION_STATUS_TAG[a.status] ?? 'govuk-tag--grey')],
          ['About', navLink(tocLink(id, a.on), refName(plan, a.on))],
          ['Importance', `${a.importance} of 5`],
          ['Evidence', EVIDENCE_LABEL[a.evidence] ?? String(a.evidence)],
          [
            primary ? `Likelihood of meeting ${primary.id} if it fails` : 'Likelihood if it fails',
            r ? `${fmtProbability(r.p_meet_if_fails)} (with it: ${fmtProbability(primary?.p_meet)})` : null,
          ],
          ['Share of variance', r ? `${fmtNumber(r.variance_share * 100)}%` : null],
        ]),
        h('h4', { class: 'govuk-heading-s' }, 'Tests'),
        testsList(plan, a.id),
        themesOf(a.id),
      );
    }),
  );
  return missionSubPage(doc, 'assumptions', 'Assumptions', content);
}

function tocLink(mission: string, on: string): string {
  const base = `/missions/${encodeURIComponent(mission)}/plan`;
  let m = /^edge:(.+)$/.exec(on);
  if (m) return `${base}?edge=${encodeURIComponent(m[1])}#selected`;
  m = /^node:(.+)$/.exec(on);
  if (m) return `${base}?node=${encodeURIComponent(m[1])}#selected`;
  return base;
}
