// The simulation page: does the plan add up? A form runs the simulation
// (POST /missions/{id}/simulate; visitors up to 20,000 draws, more with the API token);
// without ?run=1 the page shows the last stored run (GET /missions/{id}/simulation).
// Results: p_meet per target with its standard error and the over-programming needed;
// the fan chart of the simulated trajectory against the target trajectory and targets;
// a tornado chart of variance shares; what happens if each assumption fails; and what
// each activity contributes (mean and 80% interval). Every chart has its data as a table.

import { ApiError, api, type MissionDoc, type PlanDoc, type PlanVersion, type SimulationDoc, type SimulateRequest } from '../api';
import { details, hidden, insetText, navLink, scrollable, selectInput, table, tag, textInput } from '../components';
import { h, type Child } from '../dom';
import { KIND_LABEL, directionLabel, fmtDelta, fmtNumber, fmtProbability, fmtShare, fmtTimestamp, fmtValue, isPercentUnit } from '../format';
import {
  ASSUMPTION_STATUS_LABEL,
  ASSUMPTION_STATUS_TAG,
  inputLines,
  inputName,
  nodeName,
  refName,
  shortLabel,
} from '../plan';
import { fanChart, targetPath, tornadoChart } from '../simcharts';
import { getToken, setToken } from '../token';
import { currentVersion, missionSubPage } from './frame';
import type { Page } from './page';

/** Draws a visitor may ask for without a token (the API answers 422 above). */
export const VISITOR_MAX_DRAWS = 20000;
/** Draws of the run the page makes when none is stored. */
const DEFAULT_DRAWS = 20000;

function chartWidth(): number {
  return document.getElementById('app')?.clientWidth || 720;
}

/** A probability with its standard error, in percentage points. */
export function fmtPmeet(p: number, se: number | undefined): string {
  if (se === undefined || se === null || !Number.isFinite(se)) return fmtProbability(p);
  return `${fmtProbability(p)} (± ${fmtNumber(se * 100)} points)`;
}

/** The run's parameters from the query string (with defaults). */
function requestFrom(query: URLSearchParams): { req: SimulateRequest; errors: [string, string][] } {
  const errors: [string, string][] = [];
  const req: SimulateRequest = {};
  const num = (k: string, ok: (v: number) => boolean, msg: string): number | undefined => {
    const raw = (query.get(k) ?? '').trim();
    if (raw === '') return undefined;
    const v = Number(raw);
    if (!Number.isFinite(v) || !ok(v)) {
      errors.push([msg, `sim-${k}`]);
      return undefined;
    }
    return v;
  };
  req.draws = num('draws', (v) => Number.isInteger(v) && v > 0, 'Enter the number of draws as a whole number above 0');
  req.seed = num('seed', (v) => Number.isInteger(v) && v >= 0, 'Enter the seed as a whole number, 0 or more');
  req.confidence = num('confidence', (v) => v > 0 && v < 1, 'Enter the confidence as a number between 0 and 1, for example 0.8');
  req.version = num('version', (v) => Number.isInteger(v) && v > 0, 'Choose a plan version');
  const t = query.get('target');
  if (t) req.target = t;
  if (req.draws && req.draws > VISITOR_MAX_DRAWS && !getToken()) {
    errors.push([`Without an API token a simulation can have at most ${fmtNumber(VISITOR_MAX_DRAWS)} draws`, 'sim-draws']);
  }
  for (const k of Object.keys(req) as (keyof SimulateRequest)[]) if (req[k] === undefined) delete req[k];
  return { req, errors };
}

function runForm(doc: MissionDoc, plan: PlanDoc, versions: PlanVersion[] | null, query: URLSearchParams): HTMLElement {
  const id = doc.mission.id;
  const targets = plan.targets ?? [];
  const cur = currentVersion(doc);
  const form = h(
    'form',
    { class: 'gp-sim-form', method: 'get', action: `/missions/${encodeURIComponent(id)}/simulation`, 'data-nav-form': true, novalidate: true },
    h('input', { type: 'hidden', name: 'run', value: '1' }),
    h(
      'div',
      { class: 'gp-sim-form__row' },
      textInput('sim-draws', 'Draws', query.get('draws') ?? '20000', {
        name: 'draws',
        width: '10',
        inputmode: 'numeric',
        hint: getToken() ? 'With your API token: as many as the server allows' : `Up to ${fmtNumber(VISITOR_MAX_DRAWS)} without an API token`,
      }),
      textInput('sim-seed', 'Seed', query.get('seed') ?? '1', { name: 'seed', width: '5', inputmode: 'numeric', hint: 'Same seed, same answer' }),
      textInput('sim-confidence', 'Confidence', query.get('confidence') ?? '0.8', {
        name: 'confidence',
        width: '4',
        inputmode: 'decimal',
        hint: 'For over-programming',
      }),
    ),
    h(
      'div',
      { class: 'gp-sim-form__row' },
      targets.length > 0
        ? selectInput(
            'sim-target',
            'Main target',
            [['', 'The plan’s default'], ...targets.map((t) => [t.id, `${t.id}: ${t.target.value} by ${t.target.period}`] as [string, string])],
            query.get('target') ?? '',
            { name: 'target', hint: 'Ranks the assumptions' },
          )
        : null,
      versions && versions.length > 0
        ? selectInput(
            'sim-version',
            'Plan version',
            [['', `Current${cur ? ` (${cur})` : ''}`], ...[...versions].reverse().map((v) => [String(v.version), `Version ${v.version}`] as [string, string])],
            query.get('version') ?? '',
            { name: 'version' },
          )
        : null,
    ),
    details(
      'API token (for more than 20,000 draws)',
      // No name: the token never goes into the page's address; it is kept for this tab.
      h(
        'div',
        { class: 'govuk-form-group' },
        h('label', { class: 'govuk-label', for: 'sim-token' }, 'API token'),
        h('div', { class: 'govuk-hint', id: 'sim-token-hint' }, 'Kept in this browser tab only (session storage) and sent only to this server.'),
        h('input', { class: 'govuk-input govuk-input--width-30', id: 'sim-token', type: 'password', value: getToken(), autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'sim-token-hint' }),
      ),
    ),
    h('button', { type: 'submit', class: 'govuk-button', 'data-module': 'govuk-button' }, 'Run the simulation'),
  );
  form.addEventListener('submit', () => {
    const t = (form.querySelector('#sim-token') as HTMLInputElement).value.trim();
    setToken(t);
  });
  return form;
}

/** Renders the simulation page of mission `id`. */
export async function simulationPage(id: string, query: URLSearchParams, signal: AbortSignal): Promise<Page> {
  const [doc, versions] = await Promise.all([
    api.mission(id, signal),
    api.planVersions(id, signal).then((r) => r.versions, () => null),
  ]);
  const run = query.get('run') === '1';
  const { req, errors } = requestFrom(query);
  let sim: SimulationDoc | null = null;
  let failure: ApiError | null = null;
  /** How the results shown came about: this page's run, the stored run, or a default run. */
  let source: 'new' | 'stored' | 'default' = run ? 'new' : 'stored';
  if (!run || errors.length === 0) {
    try {
      sim = run ? await api.simulate(id, req, signal) : await api.simulation(id, signal);
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      if (!(e instanceof ApiError)) throw e;
      if (run || e.status !== 404) failure = e;
    }
    if (!sim && !failure && !run) {
      // Nothing stored (visitors' runs are not stored): run the default settings now.
      try {
        sim = await api.simulate(id, { draws: DEFAULT_DRAWS, seed: 1 }, signal);
        source = 'default';
      } catch (e) {
        if ((e as Error).name === 'AbortError') throw e;
        if (!(e instanceof ApiError)) throw e;
        failure = e;
      }
    }
  }
  const planVersion = sim?.plan_version ?? req.version ?? null;
  const plan = await api.plan(id, planVersion, signal);
  const content: Node[] = [
    h(
      'p',
      { class: 'govuk-body-l' },
      'Does the plan add up? The simulation draws every uncertain number in the plan — each link’s effect, each activity’s delivery, the trend without the plan — thousands of times, and counts how often each target is met.',
    ),
    h(
      'p',
      { class: 'govuk-body' },
      'Which activities to fund within a budget, and which are the weakest ideas? ',
      navLink(`/missions/${encodeURIComponent(id)}/optimise`, 'Use the optimiser', 'govuk-link gp-optimise-link'),
      '.',
    ),
  ];
  if (errors.length > 0 && run) {
    content.push(
      h(
        'div',
        { class: 'govuk-error-summary', tabindex: '-1', 'data-module': 'govuk-error-summary' },
        h('div', { role: 'alert' }, h('h2', { class: 'govuk-error-summary__title' }, 'There is a problem'),
          h('div', { class: 'govuk-error-summary__body' }, h('ul', { class: 'govuk-list govuk-error-summary__list' }, errors.map(([t, f]) => h('li', null, h('a', { href: `#${f}` }, t)))))),
      ),
    );
  }
  if (failure) {
    content.push(
      h(
        'div',
        { class: 'govuk-error-summary', tabindex: '-1' },
        h('div', { role: 'alert' }, h('h2', { class: 'govuk-error-summary__title' }, 'The simulation could not run'),
          h('div', { class: 'govuk-error-summary__body' }, h('p', { class: 'govuk-body' }, failure.message, failure.where ? ` (at ${failure.where})` : ''))),
      ),
    );
  }
  if (!sim) {
    if (!failure && !(errors.length && run)) {
      content.push(
        h('p', { class: 'govuk-body', 'data-no-simulation': true }, 'No simulation has been stored for this mission yet: run one.'),
      );
    }
    content.push(h('h2', { class: 'govuk-heading-m' }, 'Run the simulation'), runForm(doc, plan, versions, query));
    return missionSubPage(doc, 'simulation', 'Simulation', content);
  }
  content.push(details('Run the simulation again with other settings', runForm(doc, plan, versions, query)));
  if (!(plan.nodes ?? []).length) {
    content.push(
      insetText(
        'This plan has no theory of change yet (no activities, outputs or links), so the simulation only carries the baseline forward',
        plan.counterfactual ? ' with the trend expected without the plan.' : '.',
        ' ',
        navLink(`/missions/${encodeURIComponent(id)}/plan`, 'See the theory of change page'),
        ' for how to add one.',
      ),
    );
  }
  content.push(...results(doc, plan, sim, source));
  return missionSubPage(doc, 'simulation', 'Simulation', content);
}

function results(doc: MissionDoc, plan: PlanDoc, sim: SimulationDoc, source: 'new' | 'stored' | 'default'): Node[] {
  const fresh = source !== 'stored';
  const metrics = new Map((plan.metrics ?? []).map((m) => [m.id, m]));
  const unitOf = (metric: string) => metrics.get(metric)?.unit ?? '';
  const nodes = new Map((plan.nodes ?? []).map((n) => [n.id, n]));
  const planTargets = new Map((plan.targets ?? []).map((t) => [t.id, t]));
  /** "Committed target, 7.25% by 2030". */
  const targetName = (t: { id: string; value: number; period: string; metric: string }) => {
    const pt = planTargets.get(t.id);
    const kind = pt ? KIND_LABEL[pt.kind] ?? pt.kind : 'Target';
    return `${kind} target, ${fmtValue(t.value, unitOf(t.metric))} by ${t.period}`;
  };
  const primary = sim.targets.find((t) => t.id === sim.primary_target) ?? sim.targets[0];
  const out: Node[] = [];
  out.push(
    h(
      'section',
      { class: 'gp-sim', 'aria-labelledby': 'sim-results-heading', 'data-draws': sim.draws, 'data-seed': sim.seed },
      h('h2', { class: 'govuk-heading-l', id: 'sim-results-heading' }, 'Likelihood of meeting each target'),
      h(
        'p',
        { class: 'govuk-body gp-secondary', 'data-run': source },
        source === 'new'
          ? 'This run: '
          : source === 'default'
            ? 'No run has been stored for this mission, so this is a new run with the default settings: '
            : `The last stored run${sim.stored_at ? ` (${fmtTimestamp(sim.stored_at)})` : ''}: `,
        `${fmtNumber(sim.draws)} draws, seed ${sim.seed}`,
        sim.plan_version ? `, plan version ${sim.plan_version}` : '',
        !fresh && sim.current_plan_version && sim.plan_version && sim.current_plan_version !== sim.plan_version
          ? ` (the plan is now at version ${sim.current_plan_version}: run the simulation again to see it)`
          : '',
        '. Each likelihood is a share of the draws, shown with its Monte Carlo standard error.',
      ),
      h(
        'div',
        { class: 'gp-headline-status' },
        sim.targets.map((t) =>
          h(
            'div',
            { class: 'gp-headline-status__item', 'data-sim-target': t.id },
            h('span', { class: 'gp-headline-status__label' }, targetName(t)),
            h('span', { class: 'gp-headline-status__value', 'data-p-meet': t.p_meet }, fmtProbability(t.p_meet)),
            h('span', { class: 'govuk-body-s gp-secondary', 'data-p-meet-se': t.p_meet_se }, `standard error ${fmtNumber(t.p_meet_se * 100)} percentage points`),
          ),
        ),
      ),
      scrollable(
        'Targets',
        table(
          'Targets: simulated value and over-programming needed',
          [
            { head: 'Target' },
            { head: 'Likelihood of meeting', numeric: true },
            { head: 'Standard error', numeric: true },
            { head: 'Median (80% interval)', numeric: true },
            { head: 'Extra improvement needed', numeric: true },
            { head: 'As a share of the plan’s effect', numeric: true },
          ],
          sim.targets.map((t) => {
            const u = unitOf(t.metric);
            const op = t.overprogramme;
            return [
              h('span', null, targetName(t), h('span', { class: 'gp-block govuk-body-s gp-secondary' }, t.id)),
              fmtProbability(t.p_meet),
              `${fmtNumber(t.p_meet_se * 100)} points`,
              h('span', null, fmtValue(t.quantiles.p50, u), h('span', { class: 'gp-block govuk-body-s' }, `${fmtNumber(t.quantiles.p10)} to ${fmtNumber(t.quantiles.p90)}`)),
              op.extra > 0 ? fmtDelta(op.extra, u) : 'None',
              op.extra > 0 && op.extra_share !== null && Number.isFinite(op.extra_share) ? fmtShare(op.extra_share) : '–',
            ];
          }),
          { rowHeaders: true, cls: 'gp-sim-targets' },
        ),
      ),
      primary
        ? h(
            'p',
            { class: 'govuk-body' },
            h('strong', null, 'Over-programming: '),
            `to be ${Math.round(primary.overprogramme.confidence * 100)}% sure of meeting the ${targetName(primary).replace(/^./, (c) => c.toLowerCase())}, the plan needs `,
            primary.overprogramme.extra > 0
              ? `an extra improvement of ${fmtDelta(primary.overprogramme.extra, unitOf(primary.metric))}` +
                  (primary.overprogramme.extra_share !== null && Number.isFinite(primary.overprogramme.extra_share)
                    ? `: ${fmtShare(primary.overprogramme.extra_share)} more than the plan’s expected effect.`
                    : '.')
              : 'nothing extra: it already gets there.',
          )
        : null,
    ),
  );

  // Fan chart per metric.
  const byMetric = new Map<string, typeof sim.trajectory>();
  for (const p of sim.trajectory) {
    const list = byMetric.get(p.metric) ?? [];
    list.push(p);
    byMetric.set(p.metric, list);
  }
  for (const [metric, traj] of byMetric) {
    const m = metrics.get(metric);
    const name = m?.name ?? metric;
    const u = unitOf(metric);
    const targets = (plan.targets ?? []).filter((t) => t.metric === metric);
    const last = traj[traj.length - 1];
    const title = `${name}: simulated trajectory against the targets`;
    const desc =
      `Median and 50%, 80% and 90% bands of the simulated ${name} per period from ${traj[0]?.period} to ${last?.period}. ` +
      (last ? `In ${last.period} the median is ${fmtValue(last.p50, u)} (80% of draws between ${fmtNumber(last.p10)} and ${fmtNumber(last.p90)}). ` : '') +
      targets.map((t) => `Target ${t.id}: ${fmtValue(t.target.value, u)} by ${t.target.period}.`).join(' ') +
      (m ? ` ${directionLabel(m.direction)}.` : '');
    const trajById = new Map<string, Map<string, number>>();
    for (const t of targets) {
      trajById.set(t.id, new Map(targetPath(t).map((p) => [p.period, p.value])));
    }
    const uh = isPercentUnit(u) ? ' (%)' : u ? ` (${u})` : '';
    out.push(
      h(
        'section',
        { class: 'gp-sim-section', 'aria-labelledby': `fan-${metric}`, 'data-fan-metric': metric },
        h('h2', { class: 'govuk-heading-l', id: `fan-${metric}` }, 'Simulated trajectory', byMetric.size > 1 ? `: ${name}` : ''),
        h(
          'figure',
          { class: 'gp-figure', 'aria-labelledby': `fan-${metric}-cap` },
          h('figcaption', { class: 'govuk-heading-s', id: `fan-${metric}-cap` }, title),
          fanChart(traj, targets, u, title, desc, chartWidth()),
          h(
            'ul',
            { class: 'gp-legend', 'aria-label': 'Chart key' },
            legendItem('gp-legend__swatch--median', 'Median of the draws'),
            legendItem('gp-legend__swatch--fan50', '50% of draws (25th to 75th percentile)'),
            legendItem('gp-legend__swatch--fan80', '80% (10th to 90th)'),
            legendItem('gp-legend__swatch--fan90', '90% (5th to 95th)'),
            legendItem('gp-legend__swatch--trajectory', 'Target trajectory'),
            legendItem('gp-legend__swatch--target', 'Target'),
          ),
        ),
        details(
          'Show the simulated trajectory as a table',
          scrollable(
            `${name}: simulated trajectory`,
            table(
              `${name}: simulated trajectory${uh}`,
              [
                { head: 'Period' },
                { head: '5th', numeric: true },
                { head: '10th', numeric: true },
                { head: '25th', numeric: true },
                { head: 'Median', numeric: true },
                { head: '75th', numeric: true },
                { head: '90th', numeric: true },
                { head: '95th', numeric: true },
                ...targets.map((t) => ({ head: `Trajectory of ${t.id}`, numeric: true })),
              ],
              traj.map((p) => [
                p.period,
                fmtNumber(p.p5),
                fmtNumber(p.p10),
                fmtNumber(p.p25),
                fmtNumber(p.p50),
                fmtNumber(p.p75),
                fmtNumber(p.p90),
                fmtNumber(p.p95),
                ...targets.map((t) => {
                  const v = trajById.get(t.id)?.get(p.period);
                  return v === undefined ? '' : fmtNumber(v);
                }),
              ]),
              { captionClass: 'govuk-table__caption--s', rowHeaders: true, cls: 'gp-data-table gp-fan-table' },
            ),
          ),
          h('p', { class: 'govuk-body-s' }, 'Target trajectories are shown at the plan’s own points; between them they are drawn as straight lines.'),
        ),
      ),
    );
  }

  // Tornado of variance shares.
  const sens = [...sim.sensitivity].sort((a, b) => b.variance_share - a.variance_share);
  const top = sens.slice(0, 12);
  const primaryName = primary ? `the ${targetName(primary).replace(/^./, (c) => c.toLowerCase())}` : 'the main target';
  out.push(
    h(
      'section',
      { class: 'gp-sim-section', 'aria-labelledby': 'tornado-heading' },
      h('h2', { class: 'govuk-heading-l', id: 'tornado-heading' }, 'What drives the uncertainty'),
      h(
        'p',
        { class: 'govuk-body' },
        `Each uncertain input’s share of the variance of the metric at ${primaryName}: its first-order sensitivity index, with two standard errors either side. The larger the share, the more learning that number’s true value would narrow the forecast.`,
      ),
      sens.length === 0
        ? h('p', { class: 'govuk-body' }, 'The plan has no uncertain inputs.')
        : h(
            'figure',
            { class: 'gp-figure', 'aria-labelledby': 'tornado-cap' },
            h('figcaption', { class: 'govuk-heading-s', id: 'tornado-cap' }, `The ${top.length} largest shares of variance`),
            tornadoChart(
              top.map((x) => {
                const [label, sub] = inputLines(plan, x.input, x.kind);
                return { label, sub, share: x.variance_share, se: x.variance_share_se ?? null };
              }),
              `Shares of variance at ${primaryName}`,
              top
                .slice(0, 5)
                .map((x) => `${inputName(plan, x.input, x.kind)}: ${fmtShare(x.variance_share)}`)
                .join('; ') + '. Every input is in the table below.',
              chartWidth(),
            ),
          ),
      sens.length === 0
        ? null
        : details(
        `Show all ${sens.length} inputs as a table`,
        scrollable(
          'Shares of variance',
          table(
            'Shares of variance (first-order sensitivity)',
            [{ head: 'Input' }, { head: 'Kind' }, { head: 'Share of variance', numeric: true }, { head: 'Standard error', numeric: true }],
            sens.map((x) => [
              h('span', null, inputName(plan, x.input, x.kind), h('span', { class: 'gp-block govuk-body-s gp-secondary' }, x.input)),
              x.kind,
              fmtShare(x.variance_share),
              x.variance_share_se !== undefined ? `${fmtNumber(x.variance_share_se * 100)} points` : '–',
            ]),
            { captionClass: 'govuk-table__caption--s', rowHeaders: true, cls: 'gp-sens-table' },
          ),
        ),
      ),
    ),
  );

  // What if an assumption fails.
  const assumptions = new Map((plan.assumptions ?? []).map((a) => [a.id, a]));
  const ranked = [...sim.assumptions].sort((a, b) => a.priority_rank - b.priority_rank);
  const base = primary?.p_meet ?? null;
  out.push(
    h(
      'section',
      { class: 'gp-sim-section', 'aria-labelledby': 'whatif-heading' },
      h('h2', { class: 'govuk-heading-l', id: 'whatif-heading' }, 'What if an assumption fails'),
      h(
        'p',
        { class: 'govuk-body' },
        `The likelihood of meeting ${primaryName} if the assumption turns out wrong: its link’s effect set to 0, or its activity not delivered. `,
        'Ranked: the assumptions to test next come first (large effect on the outcome, weak evidence).',
        ' ',
        navLink(`/missions/${encodeURIComponent(doc.mission.id)}/assumptions`, 'See the assumptions board'),
        '.',
      ),
      ranked.length === 0
        ? h('p', { class: 'govuk-body' }, 'The plan lists no assumptions.')
        : scrollable(
            'What if an assumption fails',
            table(
              'What if an assumption fails',
              [
                { head: 'Rank', numeric: true },
                { head: 'Assumption' },
                { head: 'Status' },
                { head: 'Evidence', numeric: true },
                { head: 'Likelihood if it fails', numeric: true },
                { head: 'Change', numeric: true },
                { head: 'Share of variance', numeric: true },
              ],
              ranked.map((a) => {
                const pa = assumptions.get(a.id);
                const status = a.status ?? pa?.status ?? 'untested';
                const delta = base === null ? null : a.p_meet_if_fails - base;
                return [
                  String(a.priority_rank),
                  h(
                    'span',
                    null,
                    h('strong', null, `${a.id}: `),
                    pa?.text ?? '',
                    h('span', { class: 'gp-block govuk-body-s gp-secondary' }, refName(plan, a.on ?? pa?.on ?? '')),
                  ),
                  tag(ASSUMPTION_STATUS_LABEL[status] ?? status, ASSUMPTION_STATUS_TAG[status] ?? 'govuk-tag--grey'),
                  String(a.evidence),
                  fmtPmeet(a.p_meet_if_fails, a.p_meet_if_fails_se),
                  delta === null ? '–' : `${delta > 0 ? '+' : delta < 0 ? '−' : ''}${(Math.abs(delta) * 100).toFixed(1)} points`,
                  fmtShare(a.variance_share),
                ];
              }),
              { cls: 'gp-whatif-table', captionClass: 'govuk-visually-hidden' },
            ),
          ),
    ),
  );

  // What the tests taught: prior and posterior of each updated edge, and the change in p_meet.
  const learning = sim.learning;
  if (learning && learning.updates.length > 0) {
    const pts = (d: number) => `${d > 0 ? '+' : d < 0 ? '−' : ''}${(Math.abs(d) * 100).toFixed(1)} points`;
    out.push(
      h(
        'section',
        { class: 'gp-sim-section', 'aria-labelledby': 'learning-heading', 'data-learning': learning.updates.length },
        h('h2', { class: 'govuk-heading-l', id: 'learning-heading' }, 'What the tests taught us'),
        h(
          'p',
          { class: 'govuk-body' },
          'A finished test with an estimate updates its assumption’s link: the prior (a normal with the link’s mean and standard deviation) and the test’s estimate combine into the posterior. The likelihoods above are for the plan as written (the priors). Simulated again with the posteriors (same seed and draws), the plan gives:',
        ),
        scrollable(
          'Updated links',
          table(
            'Updated links: prior and posterior effect',
            [{ head: 'Test' }, { head: 'Link' }, { head: 'Prior (mean ± sd)', numeric: true }, { head: 'Posterior (mean ± sd)', numeric: true }],
            learning.updates.map((u) => [
              h('span', null, `${u.test}`, h('span', { class: 'gp-block govuk-body-s gp-secondary' }, `on ${u.assumption}`)),
              inputLines(plan, u.input, 'effect').join(' '),
              `${fmtNumber(u.prior.mean)} ± ${fmtNumber(u.prior.sd)}`,
              `${fmtNumber(u.posterior.mean)} ± ${fmtNumber(u.posterior.sd)}`,
            ]),
            { captionClass: 'govuk-table__caption--s', rowHeaders: true, cls: 'gp-learning-updates' },
          ),
        ),
        scrollable(
          'Change the learning caused',
          table(
            'Likelihood of meeting each target: as written, and with what the tests taught',
            [{ head: 'Target' }, { head: 'As written', numeric: true }, { head: 'With the learning', numeric: true }, { head: 'Change', numeric: true }],
            learning.targets.map((t) => [
              t.id,
              fmtProbability(t.p_meet_prior),
              t.p_meet_posterior_se !== undefined ? fmtPmeet(t.p_meet_posterior, t.p_meet_posterior_se) : fmtProbability(t.p_meet_posterior),
              h('strong', null, pts(t.change)),
            ]),
            { captionClass: 'govuk-table__caption--s', rowHeaders: true, cls: 'gp-learning-targets' },
          ),
        ),
      ),
    );
  }

  // Contributions per activity.
  const periods = [...new Set(sim.contributions.map((c) => c.period))];
  const period = primary && periods.includes(primary.period) ? primary.period : periods[periods.length - 1];
  const contribs = sim.contributions.filter((c) => c.period === period).sort((a, b) => Math.abs(b.mean) - Math.abs(a.mean));
  const cu = primary ? unitOf(primary.metric) : '';
  const cuh = isPercentUnit(cu) ? ' (percentage points)' : cu ? ` (${cu})` : '';
  out.push(
    h(
      'section',
      { class: 'gp-sim-section', 'aria-labelledby': 'contrib-heading' },
      h('h2', { class: 'govuk-heading-l', id: 'contrib-heading' }, 'What each activity contributes'),
      h(
        'p',
        { class: 'govuk-body' },
        `Each activity’s contribution to the metric in ${period ?? 'the target period'}: the mean over the draws and the 80% interval (10th to 90th percentile). Largest first.`,
      ),
      contribs.length === 0
        ? h('p', { class: 'govuk-body' }, 'No activity contributions were reported.')
        : scrollable(
            'Contributions per activity',
            table(
              `Contributions per activity in ${period}${cuh}`,
              [{ head: 'Activity' }, { head: 'Stage' }, { head: 'Mean', numeric: true }, { head: '80% interval', numeric: true }, { head: '' }],
              contribs.map((c) => {
                const n = nodes.get(c.activity);
                return [
                  h('span', null, shortLabel(nodeName(n, c.activity), 80), hidden(` (${c.activity})`)),
                  n?.stage ?? '–',
                  fmtNumber(c.mean),
                  `${fmtNumber(c.p10)} to ${fmtNumber(c.p90)}`,
                  contribBar(c, contribs),
                ];
              }),
              { rowHeaders: true, cls: 'gp-contrib-table' },
            ),
          ),
    ),
  );
  return out;
}

function legendItem(cls: string, text: string): HTMLElement {
  return h('li', { class: 'gp-legend__item' }, h('span', { class: `gp-legend__swatch ${cls}`, 'aria-hidden': 'true' }), text);
}

/** A small inline bar: the mean as a dot and the 80% interval as a line, on a shared scale. */
function contribBar(c: { mean: number; p10: number; p90: number }, all: { p10: number; p90: number; mean: number }[]): Child {
  const lo = Math.min(0, ...all.map((x) => x.p10));
  const hi = Math.max(0, ...all.map((x) => x.p90));
  const span = hi - lo || 1;
  const pos = (v: number) => `${((v - lo) / span) * 100}%`;
  return h(
    'span',
    { class: 'gp-contrib-bar', 'aria-hidden': 'true' },
    h('span', { class: 'gp-contrib-bar__zero', style: `left:${pos(0)}` }),
    h('span', { class: 'gp-contrib-bar__range', style: `left:${pos(c.p10)};width:${((c.p90 - c.p10) / span) * 100}%` }),
    h('span', { class: 'gp-contrib-bar__mean', style: `left:${pos(c.mean)}` }),
  );
}

