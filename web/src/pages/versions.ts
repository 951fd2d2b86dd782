// Plan versions: every version of the mission's plan (who saved it, when, why), links to
// the theory of change as of each version, and the change in the likelihood of meeting
// each target between two versions: both are simulated with the same seed and draws
// (POST /missions/{id}/simulate with "version"), and the difference shown per target.
// ?a=N&b=M[&draws&seed] runs the comparison.

import { ApiError, api, type PlanVersion, type SimulationDoc } from '../api';
import { navLink, scrollable, selectInput, table, textInput } from '../components';
import { h } from '../dom';
import { fmtNumber, fmtProbability, fmtTimestamp } from '../format';
import { getToken } from '../token';
import { currentVersion, missionSubPage } from './frame';
import type { Page } from './page';
import { VISITOR_MAX_DRAWS } from './simulation';

function signedPoints(d: number): string {
  const v = Math.round(d * 1000) / 10;
  if (v === 0) return 'no change';
  return `${v > 0 ? '+' : '−'}${fmtNumber(Math.abs(v))} points`;
}

/** Renders the plan versions page of mission `id`. */
export async function versionsPage(id: string, query: URLSearchParams, signal: AbortSignal): Promise<Page> {
  const [doc, versions] = await Promise.all([api.mission(id, signal), api.planVersions(id, signal).then((r) => r.versions)]);
  const enc = encodeURIComponent(id);
  const cur = currentVersion(doc) ?? versions[versions.length - 1]?.version ?? null;
  const content: Node[] = [
    h('p', { class: 'govuk-body-l' }, 'Every change to the plan is kept as a new version: who made it, when and why. Any version can be read again, and two versions can be compared by what they do to the chance of meeting each target.'),
  ];
  const newest = [...versions].reverse();
  content.push(
    scrollable(
      'Plan versions',
      table(
        `${versions.length} ${versions.length === 1 ? 'version' : 'versions'} of the plan`,
        [{ head: 'Version', numeric: true }, { head: 'Saved' }, { head: 'By' }, { head: 'Reason' }, { head: '' }],
        newest.map((v: PlanVersion) => [
          h('span', null, String(v.version), v.version === cur ? h('span', { class: 'gp-block govuk-body-s gp-secondary' }, 'current') : null),
          fmtTimestamp(v.created_at),
          v.actor,
          v.reason ?? h('span', { class: 'gp-secondary' }, 'No reason given'),
          h(
            'span',
            { class: 'gp-version-links' },
            navLink(v.version === cur ? `/missions/${enc}/plan` : `/missions/${enc}/plan?version=${v.version}`, ['Theory of change', h('span', { class: 'govuk-visually-hidden' }, ` of version ${v.version}`)]),
            navLink(`/missions/${enc}/simulation?run=1&version=${v.version}`, ['Simulate', h('span', { class: 'govuk-visually-hidden' }, ` version ${v.version}`)]),
          ),
        ]),
        { rowHeaders: true, cls: 'gp-versions-table' },
      ),
    ),
  );
  if (versions.length < 2) {
    content.push(h('p', { class: 'govuk-body' }, 'There is only one version: nothing to compare yet.'));
    return missionSubPage(doc, 'versions', 'Plan versions', content);
  }
  const opts = newest.map((v) => [String(v.version), `Version ${v.version}${v.version === cur ? ' (current)' : ''}`] as [string, string]);
  const qa = query.get('a') ?? String(newest[1].version);
  const qb = query.get('b') ?? String(newest[0].version);
  content.push(
    h('h2', { class: 'govuk-heading-l', id: 'compare-heading' }, 'Compare two versions'),
    h('p', { class: 'govuk-body' }, 'Both versions are simulated with the same seed and number of draws, so the difference comes from the plan, not from chance alone.'),
    h(
      'form',
      { class: 'gp-sim-form', method: 'get', action: `/missions/${enc}/versions`, 'data-nav-form': true, novalidate: true, 'aria-labelledby': 'compare-heading' },
      h(
        'div',
        { class: 'gp-sim-form__row' },
        selectInput('cmp-a', 'From version', opts, qa, { name: 'a' }),
        selectInput('cmp-b', 'To version', opts, qb, { name: 'b' }),
        textInput('cmp-draws', 'Draws', query.get('draws') ?? '20000', { name: 'draws', width: '10', inputmode: 'numeric' }),
        textInput('cmp-seed', 'Seed', query.get('seed') ?? '1', { name: 'seed', width: '5', inputmode: 'numeric' }),
      ),
      h('button', { type: 'submit', class: 'govuk-button' }, 'Compare'),
    ),
  );
  if (query.has('a') && query.has('b')) {
    const a = Number(query.get('a'));
    const b = Number(query.get('b'));
    const draws = Number(query.get('draws') ?? '20000');
    const seed = Number(query.get('seed') ?? '1');
    const problems: string[] = [];
    if (!Number.isInteger(draws) || draws <= 0) problems.push('Enter the number of draws as a whole number above 0');
    else if (draws > VISITOR_MAX_DRAWS && !getToken()) problems.push(`Without an API token a simulation can have at most ${fmtNumber(VISITOR_MAX_DRAWS)} draws`);
    if (!Number.isInteger(seed) || seed < 0) problems.push('Enter the seed as a whole number, 0 or more');
    if (problems.length === 0) {
      try {
        const simA: SimulationDoc = await api.simulate(id, { version: a, draws, seed }, signal);
        const simB: SimulationDoc = await api.simulate(id, { version: b, draws, seed }, signal);
        content.push(compareTable(a, b, simA, simB, draws, seed));
      } catch (e) {
        if ((e as Error).name === 'AbortError') throw e;
        if (!(e instanceof ApiError)) throw e;
        problems.push(e.message);
      }
    }
    if (problems.length) {
      content.push(
        h(
          'div',
          { class: 'govuk-error-summary', tabindex: '-1' },
          h('div', { role: 'alert' }, h('h2', { class: 'govuk-error-summary__title' }, 'There is a problem'), h('div', { class: 'govuk-error-summary__body' }, h('ul', { class: 'govuk-list govuk-error-summary__list' }, problems.map((p) => h('li', null, p))))),
        ),
      );
    }
  }
  return missionSubPage(doc, 'versions', 'Plan versions', content);
}

function compareTable(a: number, b: number, simA: SimulationDoc, simB: SimulationDoc, draws: number, seed: number): HTMLElement {
  const ids = [...new Set([...simA.targets.map((t) => t.id), ...simB.targets.map((t) => t.id)])];
  const rows = ids.map((id) => {
    const ta = simA.targets.find((t) => t.id === id);
    const tb = simB.targets.find((t) => t.id === id);
    const diff = ta && tb ? tb.p_meet - ta.p_meet : null;
    const se = ta && tb ? Math.sqrt(ta.p_meet_se ** 2 + tb.p_meet_se ** 2) : null;
    return [
      id,
      ta ? `${fmtProbability(ta.p_meet)} (± ${fmtNumber(ta.p_meet_se * 100)})` : 'Not in this version',
      tb ? `${fmtProbability(tb.p_meet)} (± ${fmtNumber(tb.p_meet_se * 100)})` : 'Not in this version',
      h('span', { 'data-diff': diff ?? '' }, diff === null ? '–' : h('strong', null, signedPoints(diff))),
      se === null ? '–' : `${fmtNumber(se * 100)} points`,
    ];
  });
  return h(
    'section',
    { class: 'gp-compare', 'aria-labelledby': 'compare-result', 'data-a': a, 'data-b': b },
    scrollable(
      'Comparison',
      table(
        h('span', { id: 'compare-result' }, `Version ${a} to version ${b}: likelihood of meeting each target`),
        [
          { head: 'Target' },
          { head: `Version ${a}`, numeric: true },
          { head: `Version ${b}`, numeric: true },
          { head: 'Change', numeric: true },
          { head: 'Standard error of the change', numeric: true },
        ],
        rows,
        { rowHeaders: true, cls: 'gp-compare-table' },
      ),
    ),
    h(
      'p',
      { class: 'govuk-body-s gp-secondary' },
      `${fmtNumber(draws)} draws, seed ${seed}, for each version. Likelihoods are shown with their standard errors in percentage points. The standard error of the change is computed as if the two runs were independent; runs with the same seed share their random numbers, which usually makes the true error smaller.`,
    ),
  );
}
