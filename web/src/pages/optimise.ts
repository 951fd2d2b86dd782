// The optimiser page: which activities should we fund? A form (budget, target, draws, seed,
// search, plan version) runs POST /missions/{id}/optimise — visitors up to 20,000 draws, more
// with the API token, as on the simulation page — and the page shows the chosen portfolio
// against the plan as written (cost, likelihood of meeting the target with its standard
// error and 95% interval, as a table and a chart), every activity's marginal value, and the
// weakest ideas of the plan as written. The form's values live in the address
// (?budget&target&draws&seed&search&version&run=1), so a result can be shared and reloaded;
// they are checked in the page (an error summary names each field) and the server's 4xx
// errors are mapped back to the field their JSON path names (body.budget → Budget).
// Without ?run=1 the page shows the last stored run (GET /simulation?kind=optimise).

import { ApiError, api, type MissionDoc, type OptimiseDoc, type OptimiseRequest, type PlanDoc, type PlanVersion } from '../api';
import { details, errorSummary, hidden, insetText, markFieldErrors, navLink, scrollable, selectInput, table, tag, textInput } from '../components';
import { h } from '../dom';
import { KIND_LABEL, fmtNumber, fmtProbability, fmtTimestamp, fmtValue } from '../format';
import { STAGE_LABEL, nodeName, shortLabel } from '../plan';
import { tornadoChart } from '../simcharts';
import { getToken, setToken } from '../token';
import { currentVersion, missionSubPage } from './frame';
import type { Page } from './page';
import { VISITOR_MAX_DRAWS } from './simulation';

/** Most draws anyone may ask for (the API's limit with a token). */
const MAX_DRAWS = 5000000;

const SEARCH_LABEL: Record<string, string> = {
  auto: 'Automatic: exhaustive when small enough, else heuristic',
  exhaustive: 'Exhaustive: every portfolio (at most 30 activities)',
  heuristic: 'Heuristic: greedy and local search',
};

/** The page's field id for each member of the request body (and the token header). */
const FIELD_OF: Record<string, string> = {
  budget: 'opt-budget',
  target: 'opt-target',
  draws: 'opt-draws',
  seed: 'opt-seed',
  search: 'opt-search',
  version: 'opt-version',
};

/** The field a server error's path names ("body.budget" → "opt-budget"), or null. */
export function fieldOfPath(path: string | null): string | null {
  if (!path) return null;
  if (path === 'Authorization') return 'opt-token';
  const m = /^body\.([a-z_]+)/.exec(path);
  return m ? FIELD_OF[m[1]] ?? null : null;
}

/** A whole number of points (percentage points) with sign: "+4.4 points", "−1.2 points". */
function fmtPoints(d: number): string {
  const v = Math.abs(d) * 100;
  const sign = d > 0 ? '+' : d < 0 ? '−' : '';
  return `${sign}${fmtNumber(v)} ${v === 1 ? 'point' : 'points'}`;
}

/** A loss of likelihood in points, without a sign unless negative: "6.25 points". */
function fmtLost(d: number): string {
  const v = d * 100;
  return `${fmtNumber(v)} ${Math.abs(v) === 1 ? 'point' : 'points'}`;
}

/** A likelihood with its standard error in points: "31% (± 1 point)". */
function fmtPmeetSe(p: number, se: number): string {
  return `${fmtProbability(p)} (± ${fmtNumber(se * 100)} ${se * 100 === 1 ? 'point' : 'points'})`;
}

/** The 95% interval of a likelihood from its standard error, clipped to 0–100%. */
function interval95(p: number, se: number): string {
  const lo = Math.max(0, p - 1.96 * se);
  const hi = Math.min(1, p + 1.96 * se);
  return `${fmtNumber(lo * 100)}% to ${fmtNumber(hi * 100)}%`;
}

/** The unit of money the "per cost" columns use: a power of 1,000 near the typical cost. */
function costScale(costs: number[]): { factor: number; words: string } {
  const pos = costs.filter((c) => c > 0).sort((a, b) => a - b);
  const mid = pos.length ? pos[Math.floor(pos.length / 2)] : 1;
  if (mid >= 1e9) return { factor: 1e9, words: 'billion' };
  if (mid >= 1e6) return { factor: 1e6, words: 'million' };
  if (mid >= 1e3) return { factor: 1e3, words: 'thousand' };
  return { factor: 1, words: 'unit' };
}

/** Reads a number typed by a person: spaces, commas and underscores between digits allowed. */
function parseAmount(raw: string): number {
  const t = raw.trim().replace(/[\s,_]/g, '');
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number.NaN;
  return Number(t);
}

/** The run's parameters from the query string, and the problems with them ([message, field]). */
function requestFrom(query: URLSearchParams, plan: PlanDoc): { req: Partial<OptimiseRequest>; errors: [string, string][] } {
  const errors: [string, string][] = [];
  const req: Partial<OptimiseRequest> = {};
  const rawBudget = (query.get('budget') ?? '').trim();
  if (rawBudget === '') errors.push(['Enter the budget', 'opt-budget']);
  else {
    const b = parseAmount(rawBudget);
    if (!Number.isFinite(b) || b < 0) errors.push(['Enter the budget as a number, 0 or more, for example 40000000', 'opt-budget']);
    else req.budget = b;
  }
  const target = (query.get('target') ?? '').trim();
  if (!target) errors.push(['Choose the target to optimise for', 'opt-target']);
  else if (!(plan.targets ?? []).some((t) => t.id === target)) errors.push([`The plan has no target '${target}': choose one of its targets`, 'opt-target']);
  else req.target = target;
  const int = (k: 'draws' | 'seed' | 'version', ok: (v: number) => boolean, msg: string) => {
    const raw = (query.get(k) ?? '').trim();
    if (raw === '') return;
    const v = parseAmount(raw);
    if (!Number.isInteger(v) || !ok(v)) errors.push([msg, FIELD_OF[k]]);
    else req[k] = v;
  };
  int('draws', (v) => v > 0 && v <= MAX_DRAWS, `Enter the number of draws as a whole number from 1 to ${fmtNumber(MAX_DRAWS)}`);
  int('seed', (v) => v >= 0, 'Enter the seed as a whole number, 0 or more');
  int('version', (v) => v > 0, 'Choose a plan version');
  const search = (query.get('search') ?? '').trim();
  if (search) {
    if (search === 'auto' || search === 'exhaustive' || search === 'heuristic') req.search = search;
    else errors.push(['Choose how to search: automatic, exhaustive or heuristic', 'opt-search']);
  }
  if (req.draws !== undefined && req.draws > VISITOR_MAX_DRAWS && !getToken()) {
    errors.push([`Without an API token a run can have at most ${fmtNumber(VISITOR_MAX_DRAWS)} draws`, 'opt-draws']);
  }
  return { req, errors };
}

/** The plan's first committed target (what the form chooses when the address names none). */
function defaultTarget(plan: PlanDoc): string {
  const ts = plan.targets ?? [];
  return (ts.find((t) => t.kind === 'committed') ?? ts[0])?.id ?? '';
}

function runForm(doc: MissionDoc, plan: PlanDoc, versions: PlanVersion[] | null, query: URLSearchParams, shown: OptimiseDoc | null): HTMLElement {
  const id = doc.mission.id;
  const targets = plan.targets ?? [];
  const units = new Map((plan.metrics ?? []).map((m) => [m.id, m.unit ?? '']));
  const activities = (plan.nodes ?? []).filter((n) => n.kind === 'activity' && n.stage !== 'stopped');
  const total = activities.reduce((a, n) => a + (n.cost ?? 0), 0);
  const cur = currentVersion(doc);
  const val = (k: string, dflt: string) => query.get(k) ?? dflt;
  const form = h(
    'form',
    { class: 'gp-sim-form gp-opt-form', method: 'get', action: `/missions/${encodeURIComponent(id)}/optimise`, 'data-nav-form': true, novalidate: true },
    h('input', { type: 'hidden', name: 'run', value: '1' }),
    h(
      'div',
      { class: 'gp-sim-form__row' },
      textInput('opt-budget', 'Budget', val('budget', shown ? String(shown.budget) : ''), {
        name: 'budget',
        width: '10',
        inputmode: 'decimal',
        hint: `A year, in the plan’s units of cost. The plan as written costs ${fmtNumber(total)} a year (${activities.length} ${activities.length === 1 ? 'activity' : 'activities'}).`,
      }),
      targets.length > 0
        ? selectInput(
            'opt-target',
            'Target',
            targets.map((t) => [t.id, `${KIND_LABEL[t.kind] ?? t.kind} target ${t.id}: ${fmtValue(t.target.value, units.get(t.metric) ?? '')} by ${t.target.period}`] as [string, string]),
            val('target', shown?.target ?? defaultTarget(plan)),
            { name: 'target', hint: 'The portfolio is chosen to make this target most likely' },
          )
        : null,
    ),
    h(
      'div',
      { class: 'gp-sim-form__row' },
      textInput('opt-draws', 'Draws', val('draws', shown ? String(shown.draws) : '10000'), {
        name: 'draws',
        width: '10',
        inputmode: 'numeric',
        hint: getToken() ? 'With your API token: up to 5,000,000' : `Up to ${fmtNumber(VISITOR_MAX_DRAWS)} without an API token`,
      }),
      textInput('opt-seed', 'Seed', val('seed', shown ? String(shown.seed) : '1'), { name: 'seed', width: '5', inputmode: 'numeric', hint: 'Same seed, same answer' }),
      selectInput('opt-search', 'Search', Object.entries(SEARCH_LABEL), val('search', 'auto'), { name: 'search' }),
      versions && versions.length > 0
        ? selectInput(
            'opt-version',
            'Plan version',
            [['', `Current${cur ? ` (${cur})` : ''}`], ...[...versions].reverse().map((v) => [String(v.version), `Version ${v.version}`] as [string, string])],
            val('version', ''),
            { name: 'version' },
          )
        : null,
    ),
    details(
      'API token (for more than 20,000 draws, and to store the run)',
      // No name: the token never goes into the page's address; it is kept for this tab.
      h(
        'div',
        { class: 'govuk-form-group' },
        h('label', { class: 'govuk-label', for: 'opt-token' }, 'API token'),
        h('div', { class: 'govuk-hint', id: 'opt-token-hint' }, 'Kept in this browser tab only (session storage) and sent only to this server.'),
        h('input', { class: 'govuk-input govuk-input--width-30', id: 'opt-token', type: 'password', value: getToken(), autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'opt-token-hint' }),
      ),
    ),
    h('button', { type: 'submit', class: 'govuk-button', 'data-module': 'govuk-button' }, 'Find the best portfolio'),
  );
  form.addEventListener('submit', () => {
    setToken((form.querySelector('#opt-token') as HTMLInputElement).value.trim());
  });
  return form;
}

/** Renders the optimiser page of mission `id`. */
export async function optimisePage(id: string, query: URLSearchParams, signal: AbortSignal): Promise<Page> {
  const [doc, versions] = await Promise.all([
    api.mission(id, signal),
    api.planVersions(id, signal).then((r) => r.versions, () => null),
  ]);
  const run = query.get('run') === '1';
  const vq = Number(query.get('version'));
  const askedVersion = run && Number.isInteger(vq) && vq > 0 ? vq : null;
  let plan = await api.plan(id, askedVersion, signal).catch((e: Error) => {
    if (e.name === 'AbortError') throw e;
    return null;
  });
  plan = plan ?? (await api.plan(id, null, signal));
  const { req, errors } = run ? requestFrom(query, plan) : { req: {}, errors: [] as [string, string][] };
  let result: OptimiseDoc | null = null;
  let failure: ApiError | null = null;
  if (run && errors.length === 0) {
    try {
      result = await api.optimise(id, req as OptimiseRequest, signal);
    } catch (e) {
      if ((e as Error).name === 'AbortError' || !(e instanceof ApiError)) throw e;
      failure = e;
    }
  } else if (!run) {
    try {
      result = await api.lastOptimise(id, signal);
      if (result.plan_version && result.plan_version !== currentVersion(doc)) {
        plan = await api.plan(id, result.plan_version, signal).catch(() => plan as PlanDoc);
      }
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      if (!(e instanceof ApiError) || e.status !== 404) throw e;
    }
  }
  const content: Node[] = [
    h(
      'p',
      { class: 'govuk-body-l' },
      'Which activities should we fund? Back several horses, then weed out the weakest: the optimiser tries portfolios of the plan’s activities within a budget, judges each on the same simulated draws, and keeps the one most likely to meet the target.',
    ),
  ];
  const fieldErrors: [string, string | null][] = errors.map(([t, f]) => [t, f]);
  if (failure) {
    // A former plan version that does not exist is 404 at the mission's id: it is the version field's.
    const field = fieldOfPath(failure.where) ?? (failure.status === 404 && req.version ? 'opt-version' : null);
    if (failure.status === 401) setToken('');
    fieldErrors.push([`${failure.message.replace(/^./, (c) => c.toUpperCase())}${failure.where && !field ? ` (at ${failure.where})` : ''}`, field]);
  }
  const activities = (plan.nodes ?? []).filter((n) => n.kind === 'activity');
  if (activities.length === 0) {
    content.push(
      insetText(
        'This plan has no activities to choose between yet. ',
        navLink(`/missions/${encodeURIComponent(id)}/plan`, 'Add activities with their cost on the theory of change page'),
        '.',
      ),
    );
  }
  const form = runForm(doc, plan, versions, query, run ? null : result);
  if (fieldErrors.length > 0) {
    content.push(h('div', { class: 'gp-opt-errors', 'data-opt-errors': true }, errorSummary(fieldErrors)));
    markFieldErrors(form, fieldErrors);
    // An error on the token field: open its details so the link in the summary lands on it.
    if (fieldErrors.some(([, f]) => f === 'opt-token')) form.querySelector('details')?.setAttribute('open', '');
  }
  if (!result) {
    if (!run && !failure) {
      content.push(h('p', { class: 'govuk-body', 'data-no-optimise': true }, 'No optimiser run has been stored for this mission yet: choose a budget and a target, and run one.'));
    }
    content.push(h('h2', { class: 'govuk-heading-m' }, 'Find the best portfolio'), form);
    return missionSubPage(doc, 'optimise', 'Optimiser', content);
  }
  content.push(details('Run the optimiser again with other settings', form));
  content.push(...results(doc, plan, result, run ? 'new' : 'stored'));
  return missionSubPage(doc, 'optimise', 'Optimiser', content);
}

function results(doc: MissionDoc, plan: PlanDoc, r: OptimiseDoc, source: 'new' | 'stored'): Node[] {
  const nodes = new Map((plan.nodes ?? []).map((n) => [n.id, n]));
  const target = (plan.targets ?? []).find((t) => t.id === r.target);
  const unit = target ? (plan.metrics ?? []).find((m) => m.id === target.metric)?.unit ?? '' : '';
  const targetWords = target
    ? `the ${(KIND_LABEL[target.kind] ?? target.kind).toLowerCase()} target ${target.id} (${fmtValue(target.target.value, unit)} by ${target.target.period})`
    : `target ${r.target}`;
  const scale = costScale(r.activities.map((a) => a.cost));
  const perScale = (v: number | null) => (v === null || !Number.isFinite(v) ? 'Free' : fmtPoints(v * scale.factor));
  const perHead = scale.factor === 1 ? 'per unit of cost' : `per ${scale.words} a year`;
  const name = (id: string) => h('span', null, shortLabel(nodeName(nodes.get(id), id), 80), h('span', { class: 'gp-block govuk-body-s gp-secondary' }, id));
  const stage = (id: string) => STAGE_LABEL[nodes.get(id)?.stage ?? ''] ?? '–';
  const nPlan = r.activities.length;
  const out: Node[] = [];
  const gain = r.after.p_meet - r.before.p_meet;
  const saved = r.before.cost - r.after.cost;
  out.push(
    h(
      'section',
      { class: 'gp-opt', 'aria-labelledby': 'opt-results-heading', 'data-budget': r.budget, 'data-target': r.target, 'data-draws': r.draws, 'data-seed': r.seed },
      h('h2', { class: 'govuk-heading-l', id: 'opt-results-heading' }, 'The chosen portfolio'),
      h(
        'p',
        { class: 'govuk-body gp-secondary', 'data-run': source },
        source === 'new' ? 'This run: ' : `The last stored run${r.stored_at ? ` (${fmtTimestamp(r.stored_at)})` : ''}: `,
        `budget ${fmtNumber(r.budget)} a year, for ${targetWords}; ${fmtNumber(r.draws)} draws, seed ${r.seed}, ${r.search} search`,
        r.plan_version ? `, plan version ${r.plan_version}` : '',
        source === 'stored' && r.current_plan_version && r.plan_version && r.current_plan_version !== r.plan_version
          ? ` (the plan is now at version ${r.current_plan_version}: run the optimiser again to see it)`
          : '',
        '. Each likelihood is a share of the draws, shown with its Monte Carlo standard error.',
      ),
      h(
        'div',
        { class: 'gp-headline-status' },
        h(
          'div',
          { class: 'gp-headline-status__item', 'data-portfolio': 'after' },
          h('span', { class: 'gp-headline-status__label' }, `Chosen portfolio: ${r.chosen.length} of ${nPlan} ${nPlan === 1 ? 'activity' : 'activities'}`),
          h('span', { class: 'gp-headline-status__value', 'data-p-meet': r.after.p_meet }, fmtProbability(r.after.p_meet)),
          h('span', { class: 'govuk-body-s gp-secondary', 'data-p-meet-se': r.after.p_meet_se }, `standard error ${fmtNumber(r.after.p_meet_se * 100)} percentage points; costs ${fmtNumber(r.after.cost)} a year`),
        ),
        h(
          'div',
          { class: 'gp-headline-status__item', 'data-portfolio': 'before' },
          h('span', { class: 'gp-headline-status__label' }, 'The plan as written'),
          h('span', { class: 'gp-headline-status__value', 'data-p-meet': r.before.p_meet }, fmtProbability(r.before.p_meet)),
          h('span', { class: 'govuk-body-s gp-secondary', 'data-p-meet-se': r.before.p_meet_se }, `standard error ${fmtNumber(r.before.p_meet_se * 100)} percentage points; costs ${fmtNumber(r.before.cost)} a year`),
        ),
      ),
      h(
        'p',
        { class: 'govuk-body' },
        `Within a budget of ${fmtNumber(r.budget)} a year, the best portfolio costs ${fmtNumber(r.after.cost)}: `,
        saved > 0 ? `${fmtNumber(saved)} less than the plan as written, ` : saved < 0 ? `${fmtNumber(-saved)} more than the plan as written, ` : 'as much as the plan as written, ',
        `and its likelihood of meeting ${targetWords} is ${fmtProbability(r.after.p_meet)}`,
        gain === 0 ? ', the same as the plan’s.' : ` (${fmtPoints(gain)} on the plan as written).`,
      ),
      scrollable(
        'Portfolios',
        table(
          'The plan as written and the chosen portfolio',
          [
            { head: 'Portfolio' },
            { head: 'Activities', numeric: true },
            { head: 'Cost a year', numeric: true },
            { head: 'Likelihood of meeting', numeric: true },
            { head: 'Standard error', numeric: true },
            { head: '95% interval', numeric: true },
          ],
          [
            ['The plan as written', String(nPlan), fmtNumber(r.before.cost), fmtProbability(r.before.p_meet), `${fmtNumber(r.before.p_meet_se * 100)} points`, interval95(r.before.p_meet, r.before.p_meet_se)],
            ['Chosen portfolio', String(r.chosen.length), fmtNumber(r.after.cost), fmtProbability(r.after.p_meet), `${fmtNumber(r.after.p_meet_se * 100)} points`, interval95(r.after.p_meet, r.after.p_meet_se)],
          ],
          { rowHeaders: true, cls: 'gp-opt-portfolios' },
        ),
      ),
      h(
        'figure',
        { class: 'gp-figure', 'aria-labelledby': 'opt-chart-cap' },
        h('figcaption', { class: 'govuk-heading-s', id: 'opt-chart-cap' }, 'Likelihood of meeting the target, with two standard errors either side'),
        tornadoChart(
          [
            { label: 'The plan as written', sub: `costs ${fmtNumber(r.before.cost)}`, share: r.before.p_meet, se: r.before.p_meet_se },
            { label: 'Chosen portfolio', sub: `costs ${fmtNumber(r.after.cost)}`, share: r.after.p_meet, se: r.after.p_meet_se },
          ],
          `Likelihood of meeting ${targetWords}`,
          `The plan as written: ${fmtPmeetSe(r.before.p_meet, r.before.p_meet_se)}. The chosen portfolio: ${fmtPmeetSe(r.after.p_meet, r.after.p_meet_se)}. The same numbers are in the table above.`,
          document.getElementById('app')?.clientWidth || 720,
        ),
      ),
    ),
  );

  const acts = [...r.activities].sort((a, b) => Number(b.chosen) - Number(a.chosen) || (b.marginal_per_cost ?? Infinity) - (a.marginal_per_cost ?? Infinity));
  out.push(
    h(
      'section',
      { class: 'gp-sim-section', 'aria-labelledby': 'opt-activities-heading' },
      h('h2', { class: 'govuk-heading-l', id: 'opt-activities-heading' }, 'What each activity is worth'),
      h(
        'p',
        { class: 'govuk-body' },
        'For a chosen activity, the likelihood the portfolio would lose without it; for one left out, the likelihood it would add. Then the same per ',
        scale.factor === 1 ? 'unit of cost' : `${scale.words} a year of its cost`,
        '. Chosen activities first.',
      ),
      scrollable(
        'Activities',
        table(
          'Every activity: chosen or not, and its marginal value',
          [
            { head: 'Activity' },
            { head: 'Stage' },
            { head: 'Cost a year', numeric: true },
            { head: 'In the portfolio' },
            { head: 'Likelihood it adds', numeric: true },
            { head: `Likelihood ${perHead}`, numeric: true },
          ],
          acts.map((a) => [
            name(a.id),
            stage(a.id),
            fmtNumber(a.cost),
            a.chosen ? tag('Chosen', 'govuk-tag--green', { 'data-chosen': 'true' }) : tag('Left out', 'govuk-tag--grey', { 'data-chosen': 'false' }),
            fmtPoints(a.marginal_p_meet),
            perScale(a.marginal_per_cost),
          ]),
          { rowHeaders: true, cls: 'gp-opt-activities' },
        ),
      ),
    ),
  );

  out.push(
    h(
      'section',
      { class: 'gp-sim-section', 'aria-labelledby': 'opt-weakest-heading' },
      h('h2', { class: 'govuk-heading-l', id: 'opt-weakest-heading' }, 'The weakest ideas'),
      h(
        'p',
        { class: 'govuk-body' },
        'From the plan as written: what dropping each activity would cost in likelihood of meeting the target, per ',
        scale.factor === 1 ? 'unit of money saved' : `${scale.words} a year saved`,
        '. The weakest first: the least lost for the money saved, so the first to weed out. Free activities come last.',
      ),
      r.weakest.length === 0
        ? h('p', { class: 'govuk-body' }, 'The plan has no activities to drop.')
        : scrollable(
            'The weakest ideas',
            table(
              'The weakest ideas, weakest first',
              [
                { head: 'Rank', numeric: true },
                { head: 'Activity' },
                { head: 'Cost a year', numeric: true },
                { head: 'Likelihood lost without it', numeric: true },
                { head: `Lost ${perHead}`, numeric: true },
              ],
              r.weakest.map((w, i) => [
                String(i + 1),
                h('span', { 'data-weakest': w.id }, name(w.id)),
                fmtNumber(w.cost),
                fmtLost(w.p_meet_loss),
                w.loss_per_cost === null || !Number.isFinite(w.loss_per_cost) ? 'Free' : fmtLost(w.loss_per_cost * scale.factor),
              ]),
              { cls: 'gp-opt-weakest' },
            ),
          ),
      h(
        'p',
        { class: 'govuk-body' },
        'How the portfolios are searched and judged: ',
        h('code', { class: 'gp-code' }, 'docs/methods/simulation.md'),
        ', section 7. ',
        navLink(`/missions/${encodeURIComponent(doc.mission.id)}/simulation`, 'See the simulation of the whole plan'),
        hidden(` of ${doc.mission.title}`),
        '.',
      ),
    ),
  );
  return out;
}
