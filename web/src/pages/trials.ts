// The trials page (/trials): analyse a trial's results pasted or uploaded as CSV
// (POST /api/v1/trials/analyse): the arms, the comparisons table, a forest plot of the
// effects with 95% intervals, the sample-ratio check, the Bayesian summary and, with
// sequential analysis on, the confidence sequences (over the looks when a look column is
// named); an adaptive-allocation panel (POST /api/v1/trials/adapt: weights for the next
// batch and probability of being best per arm); and a power calculator
// (POST /api/v1/trials/power). Every chart has its numbers as a table.

import '../styles/trials.scss';
import { ApiError } from '../api';
import { errorSummary, insetText, navLink, scrollable, selectInput, successBanner, summaryList, table, textInput, warningText } from '../components';
import { h, replaceChildren, type Child } from '../dom';
import { fmtNumber } from '../format';
import { allocationChart, forestPlot, sequenceChart, weightsOverTimeChart, type SequencePoint } from '../trialcharts';
import { getToken, setToken } from '../token';
import type { Page } from './page';

const BASE = '/api/v1/trials';

interface Comparison {
  outcome: string;
  arm: string;
  control: string;
  estimator: string;
  se_type: string;
  estimate: number | null;
  std_error: number | null;
  df: number | null;
  conf_low: number | null;
  conf_high: number | null;
  p_value: number | null;
  p_adjusted: number | null;
}

interface Analysis {
  n: number;
  alpha: number;
  control: string;
  arms: { arm: string; outcome: string; n: number; mean: number | null; sd: number | null }[];
  comparisons: Comparison[];
  srm: { chi2: number | null; df: number; p_value: number | null; flag: boolean; unit: string; counts: number[] };
  bayes: {
    outcome: string;
    arm: string;
    estimator: string;
    mean: number | null;
    sd: number | null;
    conf_low: number | null;
    conf_high: number | null;
    prob_positive: number | null;
    threshold: number;
    prob_above_threshold: number | null;
  }[];
  sequential: {
    outcome: string;
    arm: string;
    estimator: string;
    n: number;
    estimate: number | null;
    conf_low: number | null;
    conf_high: number | null;
    p_value: number | null;
  }[] | null;
  sequential_path?: {
    look: string;
    outcome: string;
    arm: string;
    n: number;
    estimate: number | null;
    conf_low: number | null;
    conf_high: number | null;
    p_value: number | null;
  }[];
}

interface Adapt {
  outcome: string;
  method: string;
  arms: { arm: string; n: number; mean: number | null; prob_best: number; weight: number }[];
  best: string;
  stop: boolean;
  threshold: number;
}

interface Power {
  n_per_arm: number | null;
  n_per_arm_rounded: number | null;
  n_treatment: number | null;
  clusters_per_arm: number | null;
  mde: number | null;
  power: number | null;
  design_effect: number | null;
  method: string;
}

async function post<T>(path: string, body: string, contentType: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(BASE + path, { method: 'POST', headers: { Accept: 'application/json', 'Content-Type': contentType }, body });
  } catch {
    throw new ApiError(0, 'The gameplan server could not be reached.');
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; path?: string } } | null)?.error;
    throw new ApiError(res.status, e?.message ?? `${res.status} ${res.statusText}`, e?.code ?? null, e?.path ?? null);
  }
  return json as T;
}

const num = (v: number | null | undefined, digits = 4): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : Number(v.toPrecision(digits)).toLocaleString('en-GB', { maximumFractionDigits: 10 });
const pval = (p: number | null | undefined): string =>
  p === null || p === undefined ? '–' : p < 0.0001 ? 'less than 0.0001' : num(p, 3);
const pct = (p: number | null | undefined): string =>
  p === null || p === undefined ? '–' : `${(p * 100).toFixed(1)}%`;

const ESTIMATOR_WORDS: Record<string, string> = {
  difference_in_means: 'Difference in means (Welch)',
  lin: 'Regression adjusted (Lin)',
  ols: 'Regression (OLS)',
  risk_difference: 'Risk difference',
  relative_risk: 'Relative risk',
};
const estimatorWords = (e: string) => ESTIMATOR_WORDS[e] ?? e;
const SHORT_WORDS: Record<string, string> = {
  difference_in_means: 'difference in means',
  lin: 'Lin adjusted',
  ols: 'OLS',
  risk_difference: 'risk difference',
};

function checkbox(id: string, label: string, hint?: string): HTMLElement {
  const hintId = hint ? `${id}-hint` : null;
  return h(
    'div',
    { class: 'govuk-checkboxes__item' },
    h('input', { class: 'govuk-checkboxes__input', id, name: id, type: 'checkbox', value: '1', 'aria-describedby': hintId }),
    h('label', { class: 'govuk-label govuk-checkboxes__label', for: id }, label),
    hint ? h('div', { class: 'govuk-hint govuk-checkboxes__hint', id: hintId }, hint) : null,
  );
}

function field(form: HTMLFormElement, name: string): string {
  const el = form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | null;
  if (!el) return '';
  if (el instanceof HTMLInputElement && el.type === 'checkbox') return el.checked ? '1' : '';
  return el.value.trim();
}

/** Shows an API error above a form, linking to the field the error names when there is one. */
function showError(box: HTMLElement, e: unknown, fieldFor: Record<string, string>): void {
  const err = e instanceof ApiError ? e : new ApiError(0, String(e));
  const where = err.where ?? '';
  const key = where.startsWith('body') ? 'body' : where;
  const target = fieldFor[key] ?? null;
  const text = where ? `${err.message} (${where})` : err.message;
  const summary = errorSummary([[text, target]]);
  replaceChildren(box, summary);
  summary.focus();
}

// ---- analysis ---------------------------------------------------------------------

function comparisonLabel(c: Comparison, multiOutcome: boolean): string {
  return `${c.arm} vs ${c.control}${multiOutcome ? ` on ${c.outcome}` : ''}: ${estimatorWords(c.estimator)}`;
}

function renderAnalysis(doc: Analysis, sequential: boolean): Node[] {
  const out: Node[] = [];
  const multi = new Set(doc.comparisons.map((c) => c.outcome)).size > 1;
  out.push(h('h2', { class: 'govuk-heading-l', id: 'trial-results-heading', tabindex: '-1' }, 'Results'));
  out.push(
    summaryList([
      ['Rows', fmtNumber(doc.n)],
      ['Arms', doc.arms.filter((a, i, all) => all.findIndex((b) => b.arm === a.arm) === i).map((a) => a.arm).join(', ')],
      ['Control arm', doc.control],
      ['Significance level', num(doc.alpha)],
    ]),
  );
  out.push(
    table(
      'Arms',
      [{ head: 'Arm' }, { head: 'Outcome' }, { head: 'Units', numeric: true }, { head: 'Mean', numeric: true }, { head: 'Standard deviation', numeric: true }],
      doc.arms.map((a) => [a.arm, a.outcome, fmtNumber(a.n), num(a.mean), num(a.sd)]),
      { rowHeaders: true },
    ),
  );

  // Forest plot of the additive effects (relative risks are on another scale: table only).
  const forest = doc.comparisons.filter(
    (c) => c.estimator !== 'relative_risk' && c.estimate !== null && c.conf_low !== null && c.conf_high !== null,
  );
  out.push(h('h3', { class: 'govuk-heading-m' }, 'Effects with 95% intervals'));
  out.push(
    h(
      'figure',
      { class: 'gp-figure', id: 'trial-forest' },
      forestPlot(
        forest.map((c) => ({
          label: `${c.arm}${multi ? ` on ${c.outcome}` : ''}: ${SHORT_WORDS[c.estimator] ?? c.estimator}`,
          estimate: c.estimate!, low: c.conf_low!, high: c.conf_high! })),
        'Forest plot of the treatment effects',
        `Each row is one comparison against the control arm: the square is the estimate and the line its ${Math.round(
          (1 - doc.alpha) * 100,
        )}% confidence interval. The dashed line is no effect. The same numbers are in the comparisons table below.`,
      ),
      h('figcaption', { class: 'govuk-body-s' }, 'Squares: estimates. Lines: confidence intervals. Dashed line: no effect.'),
    ),
  );
  out.push(
    h(
      'div',
      { id: 'trial-comparisons' },
      scrollable(
        'Comparisons table',
        table(
        'Comparisons',
        [
          { head: 'Comparison' },
          { head: 'Standard errors' },
          { head: 'Estimate', numeric: true },
          { head: 'Std. error', numeric: true },
          { head: 'df', numeric: true },
          { head: 'Interval low', numeric: true },
          { head: 'Interval high', numeric: true },
          { head: 'p-value', numeric: true },
          { head: 'Holm p-value', numeric: true },
        ],
        doc.comparisons.map((c) => [
          comparisonLabel(c, multi),
          c.se_type,
          num(c.estimate),
          num(c.std_error),
          num(c.df),
          num(c.conf_low),
          num(c.conf_high),
          pval(c.p_value),
          pval(c.p_adjusted),
        ]),
        { rowHeaders: true },
      ),
      ),
    ),
  );

  // Sample-ratio check.
  out.push(h('h3', { class: 'govuk-heading-m' }, 'Sample-ratio check'));
  const srmText = `χ² = ${num(doc.srm.chi2)} on ${doc.srm.df} degrees of freedom, p = ${pval(doc.srm.p_value)}; ${doc.srm.unit} per arm: ${doc.srm.counts
    .map(fmtNumber)
    .join(', ')}.`;
  out.push(
    h(
      'div',
      { id: 'trial-srm', 'data-flag': doc.srm.flag ? 'true' : 'false' },
      doc.srm.flag
        ? warningText(`Sample-ratio mismatch (p < 0.001): the arms are not the sizes planned. Check the randomisation before trusting the results. ${srmText}`)
        : insetText(`No sample-ratio mismatch: the arm sizes are consistent with the planned ratio. ${srmText}`),
    ),
  );

  // Bayesian summary.
  out.push(
    h(
      'div',
      { id: 'trial-bayes' },
      table(
        'Bayesian summary (normal posterior)',
        [
          { head: 'Comparison' },
          { head: 'Posterior mean', numeric: true },
          { head: '95% credible interval', numeric: true },
          { head: 'Chance the effect is above 0', numeric: true },
        ],
        doc.bayes.map((b) => [
          `${b.arm}${multi ? ` on ${b.outcome}` : ''}: ${estimatorWords(b.estimator)}`,
          num(b.mean),
          `${num(b.conf_low)} to ${num(b.conf_high)}`,
          pct(b.prob_positive),
        ]),
        { rowHeaders: true },
      ),
    ),
  );

  // Sequential analysis.
  if (sequential && doc.sequential) {
    out.push(h('h3', { class: 'govuk-heading-m' }, 'Always-valid confidence sequences'));
    out.push(
      h(
        'p',
        { class: 'govuk-body' },
        'These intervals stay valid however often the results are looked at, so the team can check them every day without inflating false positives. They are wider than the fixed intervals above.',
      ),
    );
    out.push(
      h(
        'div',
        { id: 'trial-sequential' },
        table(
          'Confidence sequence at the latest look',
          [{ head: 'Comparison' }, { head: 'Units', numeric: true }, { head: 'Estimate', numeric: true }, { head: 'Interval low', numeric: true }, { head: 'Interval high', numeric: true }, { head: 'p-value', numeric: true }],
          doc.sequential.map((q) => [
            `${q.arm}${multi ? ` on ${q.outcome}` : ''}: ${estimatorWords(q.estimator)}`,
            fmtNumber(q.n),
            num(q.estimate),
            num(q.conf_low),
            num(q.conf_high),
            pval(q.p_value),
          ]),
          { rowHeaders: true },
        ),
      ),
    );
    const path = doc.sequential_path ?? [];
    const series = new Map<string, typeof path>();
    for (const p of path) {
      const key = `${p.arm}|${p.outcome}`;
      if (!series.has(key)) series.set(key, []);
      series.get(key)!.push(p);
    }
    for (const [key, pts] of series) {
      const [arm, outcome] = key.split('|');
      const what = `${arm} vs ${doc.control} on ${outcome}`;
      const points: SequencePoint[] = pts.map((p) => ({
        look: p.look,
        estimate: p.estimate ?? NaN,
        low: p.conf_low ?? NaN,
        high: p.conf_high ?? NaN,
      }));
      out.push(
        h(
          'figure',
          { class: 'gp-figure', 'data-sequence': what },
          sequenceChart(
            points,
            `Confidence sequence over time: ${what}`,
            `The difference in means of the data up to each look (line) and its always-valid interval (band); the dashed line is no effect. ${
              points.length
            } looks, from ${points[0]?.look ?? ''} to ${points[points.length - 1]?.look ?? ''}. The same numbers are in the table below.`,
          ),
          h('figcaption', { class: 'govuk-body-s' }, `${what}. Line: the estimate at each look. Band: the always-valid interval. Dashed line: no effect.`),
        ),
      );
      out.push(
        scrollable(
          `Confidence sequence at each look: ${what}`,
          table(
            `Confidence sequence at each look: ${what}`,
            [{ head: 'Look' }, { head: 'Units', numeric: true }, { head: 'Estimate', numeric: true }, { head: 'Interval low', numeric: true }, { head: 'Interval high', numeric: true }],
            pts.map((p) => [p.look, fmtNumber(p.n), num(p.estimate), num(p.conf_low), num(p.conf_high)]),
            { rowHeaders: true, captionClass: 'govuk-table__caption--s' },
          ),
        ),
      );
    }
  }
  out.push(...linkPanel(doc));
  return out;
}

// ---- link -------------------------------------------------------------------------

interface LinkResult {
  mission: string;
  test: string;
  assumption: string;
  method: string;
  estimate: number;
  std_error: number;
  version: number;
}

/** The form that records the result as a test of an assumption of a mission's plan. */
function linkPanel(doc: Analysis): Node[] {
  const box = h('div', { id: 'link-messages' });
  const comps = doc.comparisons.filter((c) => ['lin', 'ols', 'difference_in_means'].includes(c.estimator));
  const choices: [string, string][] = comps.map((c, i) => [
    String(i),
    `${c.arm} vs ${c.control}${new Set(comps.map((x) => x.outcome)).size > 1 ? ` on ${c.outcome}` : ''}: ${estimatorWords(c.estimator)} (${num(c.estimate)} ± ${num(c.std_error)})`,
  ]);
  const preferred = Math.max(0, comps.findIndex((c) => c.estimator === 'lin'));
  const form = h(
    'form',
    { id: 'link-form', novalidate: true },
    selectInput('link-comparison', 'Result to record', choices, String(preferred), { name: 'comparison' }),
    textInput('link-mission', 'Mission id', '', { width: '20', name: 'mission' }),
    textInput('link-assumption', 'Assumption id', '', { width: '20', hint: 'The assumption of the mission’s game plan that this trial tests.', name: 'assumption' }),
    selectInput(
      'link-method',
      'Method',
      [
        ['rct', 'Randomised controlled trial'],
        ['adaptive_trial', 'Adaptive trial'],
        ['quasi_experiment', 'Quasi-experiment'],
      ],
      'rct',
      { name: 'method' },
    ),
    textInput('link-token', 'API token', getToken(), {
      type: 'password',
      width: '30',
      hint: 'Needed to change a plan. Kept in this browser tab only (session storage), and sent only to this server.',
      name: 'token',
    }),
    h('button', { type: 'submit', class: 'govuk-button govuk-button--secondary', 'data-module': 'govuk-button' }, 'Record in the plan'),
  ) as HTMLFormElement;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const c = comps[Number(field(form, 'comparison'))];
    const mission = field(form, 'mission');
    const assumption = field(form, 'assumption');
    const token = field(form, 'token');
    const missing: [string, string | null][] = [];
    if (!mission) missing.push(['Enter the mission id', 'link-mission']);
    if (!assumption) missing.push(['Enter the assumption id', 'link-assumption']);
    if (!token) missing.push(['Enter an API token to change a plan', 'link-token']);
    if (missing.length || !c) {
      const summary = errorSummary(missing.length ? missing : [['There is no result to record', null]]);
      replaceChildren(box, summary);
      summary.focus();
      return;
    }
    setToken(token);
    const q = new URLSearchParams({ assumption, method: field(form, 'method'), outcome: c.outcome, arm: c.arm, estimator: c.estimator });
    fetch(`/api/v1/missions/${encodeURIComponent(mission)}/trial-link?${q}`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(doc),
    })
      .then(async (res) => {
        const j = (await res.json().catch(() => null)) as (LinkResult & { error?: { message?: string; path?: string } }) | null;
        if (!res.ok || !j) throw new ApiError(res.status, j?.error?.message ?? `${res.status} ${res.statusText}`, null, j?.error?.path ?? null);
        const banner = successBanner(
          `Recorded as test ${j.test} of assumption ${j.assumption}: plan version ${j.version}.`,
          h('p', { class: 'govuk-body' }, navLink(`/missions/${encodeURIComponent(j.mission)}/plan`, 'See the theory of change'), ' or ', navLink(`/missions/${encodeURIComponent(j.mission)}/simulation?run=1`, 'simulate the plan again'), '.'),
        );
        replaceChildren(box, banner);
        banner.focus();
      })
      .catch((e) => {
        const err = e instanceof ApiError ? e : new ApiError(0, 'The gameplan server could not be reached.');
        const target = err.status === 401 ? 'link-token' : err.where === 'assumption' ? 'link-assumption' : err.status === 404 ? 'link-mission' : null;
        const summary = errorSummary([[err.where ? `${err.message} (${err.where})` : err.message, target]]);
        replaceChildren(box, summary);
        summary.focus();
      });
  });
  return [
    h('h3', { class: 'govuk-heading-m', id: 'link' }, 'Record the result in a mission’s game plan'),
    h('p', { class: 'govuk-body' }, 'The estimate and its standard error become a test of the assumption, and the plan’s simulation learns from it.'),
    box,
    form,
  ];
}

// ---- adapt ------------------------------------------------------------------------

function renderAdapt(doc: Adapt): Node[] {
  return [
    h('h3', { class: 'govuk-heading-m', id: 'adapt-results-heading', tabindex: '-1' }, 'Allocation for the next batch'),
    doc.stop
      ? warningText(`Stop: arm ${doc.best} has a ${pct(doc.arms.find((a) => a.arm === doc.best)?.prob_best)} chance of being best, above the ${pct(doc.threshold)} threshold.`)
      : insetText(`Best so far: arm ${doc.best}. No arm has yet passed the ${pct(doc.threshold)} threshold, so keep sampling with these weights.`),
    h(
      'figure',
      { class: 'gp-figure', id: 'adapt-chart' },
      allocationChart(
        doc.arms.map((a) => ({ arm: a.arm, weight: a.weight, probBest: a.prob_best })),
        'Adaptive allocation per arm',
        `For each arm, the share of the next batch to send to it (${doc.method}) and its posterior probability of being the best arm. The same numbers are in the table below.`,
      ),
    ),
    h(
      'div',
      { id: 'adapt-table' },
      table(
        'Allocation weights',
        [{ head: 'Arm' }, { head: 'Units', numeric: true }, { head: 'Mean', numeric: true }, { head: 'Probability of being best', numeric: true }, { head: 'Weight for the next batch', numeric: true }],
        doc.arms.map((a) => [a.arm, fmtNumber(a.n), num(a.mean), pct(a.prob_best), pct(a.weight)]),
        { rowHeaders: true, captionClass: 'govuk-table__caption--s' },
      ),
    ),
  ];
}

// ---- allocations over time ------------------------------------------------------------

/** Splits CSV text into records of fields (RFC 4180 quotes; enough for the look split). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') {
        f += '"';
        i++;
      } else if (ch === '"') q = false;
      else f += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      row.push(f);
      f = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(f);
      f = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else f += ch;
  }
  if (f !== '' || row.length) {
    row.push(f);
    rows.push(row);
  }
  return rows;
}

const csvField = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The looks of a CSV in order (numeric when every label is a number, as the server orders them). */
function looksOf(rows: string[][], col: number): string[] {
  const set = [...new Set(rows.slice(1).map((r) => r[col] ?? ''))];
  const numeric = set.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  return set.sort((a, b) => (numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
}

/** Runs the allocation on the data up to each look (at most 30 looks, evenly spaced). */
async function allocationsOverTime(csvText: string, lookCol: string, q: URLSearchParams, arms: string[]): Promise<Node[]> {
  const rows = parseCsv(csvText);
  if (rows.length < 2) return [];
  const col = rows[0].indexOf(lookCol);
  if (col < 0) return [];
  const all = looksOf(rows, col);
  const stride = Math.max(1, Math.ceil(all.length / 30));
  const looks = all.filter((_, i) => i % stride === stride - 1 || i === all.length - 1);
  const rank = new Map(all.map((l, i) => [l, i]));
  const weights: number[][] = arms.map(() => []);
  const probs: number[][] = arms.map(() => []);
  const qq = new URLSearchParams(q);
  qq.set('draws', '20000');
  for (const l of looks) {
    const upto = rank.get(l)!;
    const sub = [rows[0], ...rows.slice(1).filter((r) => (rank.get(r[col] ?? '') ?? Infinity) <= upto)];
    const body = `${sub.map((r) => r.map(csvField).join(',')).join('\n')}\n`;
    try {
      const doc = await post<Adapt>(`/adapt?${qq}`, body, 'text/csv');
      arms.forEach((a, k) => {
        const x = doc.arms.find((d) => d.arm === a);
        weights[k].push(x ? x.weight : NaN);
        probs[k].push(x ? x.prob_best : NaN);
      });
    } catch {
      arms.forEach((_, k) => {
        weights[k].push(NaN);
        probs[k].push(NaN);
      });
    }
  }
  return [
    h('h3', { class: 'govuk-heading-m' }, 'Allocation over time'),
    h(
      'p',
      { class: 'govuk-body' },
      `The allocation the data up to each look would have given (${looks.length} looks of the “${lookCol}” column; 20,000 draws each). A dash means there was not yet enough data.`,
    ),
    h(
      'figure',
      { class: 'gp-figure', id: 'adapt-over-time' },
      weightsOverTimeChart(
        looks,
        arms.map((a, k) => ({ arm: a, weights: weights[k] })),
        'Allocation weights over time',
        `One line per arm: the share of the next batch it would get after each look, from ${looks[0]} to ${looks[looks.length - 1]}. The same numbers are in the table below.`,
      ),
      h('figcaption', { class: 'govuk-body-s' }, 'One line per arm, each with its own colour and dash pattern, labelled at its end.'),
    ),
    scrollable(
      'Allocation weights over time',
      table(
        'Allocation weights over time',
        [{ head: 'Look' }, ...arms.map((a) => ({ head: `${a}: weight (P best)`, numeric: true }))],
        looks.map((l, i) => [l, ...arms.map((_, k) => (Number.isFinite(weights[k][i]) ? `${pct(weights[k][i])} (${pct(probs[k][i])})` : '–'))]),
        { rowHeaders: true, captionClass: 'govuk-table__caption--s' },
      ),
    ),
  ];
}

// ---- power ------------------------------------------------------------------------

function renderPower(doc: Power): Node[] {
  const rows: [string, Child][] = [
    ['People per arm', `${num(doc.n_per_arm, 6)} (round up to ${doc.n_per_arm_rounded ?? '–'})`],
    ['Minimum detectable effect', num(doc.mde, 6)],
    ['Power', pct(doc.power)],
    ['Design effect', num(doc.design_effect)],
    ['Method', doc.method],
  ];
  if (doc.clusters_per_arm !== null) rows.splice(1, 0, ['Clusters per arm', num(doc.clusters_per_arm, 6)]);
  return [h('h3', { class: 'govuk-heading-m', id: 'power-results-heading', tabindex: '-1' }, 'Answer'), summaryList(rows)];
}

// ---- page -------------------------------------------------------------------------

/** The trials page. */
export function trialsPage(): Page {
  const analyseErrors = h('div');
  const results = h('div', { id: 'trial-results' });
  const csv = h('textarea', {
    class: 'govuk-textarea gp-csv',
    id: 'trial-csv',
    name: 'csv',
    rows: 8,
    spellcheck: 'false',
    'aria-describedby': 'trial-csv-hint',
  }) as HTMLTextAreaElement;
  const upload = h('input', { class: 'govuk-file-upload', id: 'trial-file', name: 'file', type: 'file', accept: '.csv,text/csv' }) as HTMLInputElement;
  upload.addEventListener('change', () => {
    const f = upload.files?.[0];
    if (!f) return;
    void f.text().then((t) => {
      csv.value = t;
    });
  });

  const analyseForm = h(
    'form',
    { id: 'trial-form', novalidate: true },
    h(
      'div',
      { class: 'govuk-form-group' },
      h('label', { class: 'govuk-label govuk-label--s', for: 'trial-csv' }, 'Results CSV'),
      h('div', { class: 'govuk-hint', id: 'trial-csv-hint' }, 'One row per unit, with a header row: the arm, the outcome and any covariates.'),
      csv,
    ),
    h('div', { class: 'govuk-form-group' }, h('label', { class: 'govuk-label govuk-label--s', for: 'trial-file' }, 'Or upload a CSV file'), upload),
    textInput('trial-outcome', 'Outcome column', 'y', { width: '20', hint: 'Several outcomes: separate them with commas.', name: 'outcome' }),
    textInput('trial-arm', 'Arm column', 'arm', { width: '20', name: 'arm' }),
    textInput('trial-control', 'Control arm (optional)', '', { width: '20', hint: 'Default: the first arm in the file.', name: 'control' }),
    textInput('trial-covariates', 'Covariates (optional)', '', { width: '30', hint: 'Columns measured before randomisation, separated by commas.', name: 'covariates' }),
    textInput('trial-cluster', 'Cluster column (optional)', '', { width: '20', name: 'cluster' }),
    textInput('trial-strata', 'Strata column (optional)', '', { width: '20', name: 'strata' }),
    h(
      'div',
      { class: 'govuk-form-group' },
      h(
        'fieldset',
        { class: 'govuk-fieldset' },
        h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--s' }, 'Options'),
        h(
          'div',
          { class: 'govuk-checkboxes govuk-checkboxes--small', 'data-module': 'govuk-checkboxes' },
          checkbox('trial-binary', 'Binary outcome (0 or 1)', 'Adds the risk difference and relative risk.'),
          checkbox('trial-sequential', 'Sequential analysis', 'Always-valid confidence sequences, safe to look at every day.'),
        ),
      ),
    ),
    textInput('trial-look', 'Look column (optional, sequential only)', '', { width: '20', hint: 'A column naming when each row arrived (a date or a number): the confidence sequence at every look.', name: 'look' }),
    textInput('trial-tuning', 'Tuning N* (sequential only)', '', { width: '10', inputmode: 'numeric', hint: 'The sample size at which the sequence is tightest. Default 5000.', name: 'tuning' }),
    h('button', { type: 'submit', class: 'govuk-button', 'data-module': 'govuk-button' }, 'Analyse'),
  ) as HTMLFormElement;

  analyseForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const k of ['outcome', 'arm', 'control', 'covariates', 'cluster', 'strata']) {
      const v = field(analyseForm, k);
      if (v) q.set(k, v);
    }
    if (field(analyseForm, 'trial-binary')) q.set('binary', '1');
    const sequential = field(analyseForm, 'trial-sequential') === '1';
    if (sequential) {
      q.set('sequential', '1');
      if (field(analyseForm, 'look')) q.set('look', field(analyseForm, 'look'));
      if (field(analyseForm, 'tuning')) q.set('tuning', field(analyseForm, 'tuning'));
    }
    replaceChildren(analyseErrors);
    results.setAttribute('aria-busy', 'true');
    post<Analysis>(`/analyse?${q}`, csv.value, 'text/csv')
      .then((doc) => {
        replaceChildren(results, renderAnalysis(doc, sequential));
        document.getElementById('trial-results-heading')?.focus();
      })
      .catch((e) => {
        replaceChildren(results);
        showError(analyseErrors, e, {
          body: 'trial-csv',
          outcome: 'trial-outcome',
          arm: 'trial-arm',
          control: 'trial-control',
          covariates: 'trial-covariates',
          cluster: 'trial-cluster',
          strata: 'trial-strata',
          look: 'trial-look',
          tuning: 'trial-tuning',
        });
      })
      .finally(() => results.removeAttribute('aria-busy'));
  });

  // Adaptive allocation: uses the CSV and the arm and outcome columns above.
  const adaptErrors = h('div');
  const adaptResults = h('div', { id: 'adapt-results' });
  const adaptForm = h(
    'form',
    { id: 'adapt-form', novalidate: true },
    textInput('adapt-arms', 'Arms', '', { width: '30', hint: 'The arms to allocate between, separated by commas, for example A,B,C.', name: 'arms' }),
    h(
      'div',
      { class: 'govuk-form-group' },
      h('div', { class: 'govuk-checkboxes govuk-checkboxes--small', 'data-module': 'govuk-checkboxes' }, checkbox('adapt-binary', 'Binary outcome (0 or 1)')),
    ),
    textInput('adapt-floor', 'Least weight per arm', '0.01', { width: '5', inputmode: 'decimal', name: 'floor' }),
    textInput('adapt-threshold', 'Stop when an arm’s chance of being best passes', '0.95', { width: '5', inputmode: 'decimal', name: 'threshold' }),
    textInput('adapt-seed', 'Random seed', '1', { width: '5', inputmode: 'numeric', name: 'seed' }),
    h('button', { type: 'submit', class: 'govuk-button govuk-button--secondary', 'data-module': 'govuk-button' }, 'Allocate the next batch'),
  ) as HTMLFormElement;
  adaptForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    q.set('arms', field(adaptForm, 'arms'));
    for (const k of ['floor', 'threshold', 'seed']) if (field(adaptForm, k)) q.set(k, field(adaptForm, k));
    if (field(adaptForm, 'adapt-binary')) q.set('binary', '1');
    q.set('arm', field(analyseForm, 'arm') || 'arm');
    q.set('outcome', (field(analyseForm, 'outcome') || 'outcome').split(',')[0]);
    replaceChildren(adaptErrors);
    const look = field(analyseForm, 'look');
    post<Adapt>(`/adapt?${q}`, csv.value, 'text/csv')
      .then(async (doc) => {
        replaceChildren(adaptResults, renderAdapt(doc));
        document.getElementById('adapt-results-heading')?.focus();
        if (look) {
          adaptResults.setAttribute('aria-busy', 'true');
          const more = await allocationsOverTime(csv.value, look, q, doc.arms.map((a) => a.arm));
          adaptResults.append(...more);
          adaptResults.removeAttribute('aria-busy');
        }
      })
      .catch((e) => {
        replaceChildren(adaptResults);
        showError(adaptErrors, e, { body: 'trial-csv', arms: 'adapt-arms', floor: 'adapt-floor', threshold: 'adapt-threshold', seed: 'adapt-seed', outcome: 'trial-outcome', arm: 'trial-arm' });
      });
  });

  // Power calculator.
  const powerErrors = h('div');
  const powerResults = h('div', { id: 'power-results' });
  const powerForm = h(
    'form',
    { id: 'power-form', novalidate: true },
    h(
      'div',
      { class: 'govuk-form-group' },
      h('label', { class: 'govuk-label', for: 'power-kind' }, 'Outcome'),
      h(
        'select',
        { class: 'govuk-select', id: 'power-kind', name: 'kind' },
        h('option', { value: 'means', selected: true }, 'A number (compare means)'),
        h('option', { value: 'proportions' }, 'A yes or no (compare proportions)'),
      ),
    ),
    textInput('power-spread', 'Standard deviation (means) or control proportion (proportions)', '1', { width: '10', inputmode: 'decimal', name: 'spread' }),
    textInput('power-mde', 'Smallest effect worth detecting', '0.5', { width: '10', inputmode: 'decimal', hint: 'Leave empty to solve for it.', name: 'mde' }),
    textInput('power-n', 'People per arm', '', { width: '10', inputmode: 'numeric', hint: 'Leave empty to solve for it.', name: 'n' }),
    textInput('power-power', 'Power', '0.8', { width: '5', inputmode: 'decimal', hint: 'Leave empty to solve for it. Give two of effect, people and power.', name: 'power' }),
    textInput('power-alpha', 'Significance level', '0.05', { width: '5', inputmode: 'decimal', name: 'alpha' }),
    h('button', { type: 'submit', class: 'govuk-button govuk-button--secondary', 'data-module': 'govuk-button' }, 'Calculate'),
  ) as HTMLFormElement;
  powerForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body: Record<string, number> = {};
    const kind = field(powerForm, 'kind');
    const bad: [string, string | null][] = [];
    const read = (name: string, key: string, id: string) => {
      const v = field(powerForm, name);
      if (!v) return;
      const x = Number(v);
      if (!Number.isFinite(x)) bad.push([`${key}: '${v}' is not a number`, id]);
      else body[key] = x;
    };
    read('spread', kind === 'proportions' ? 'p0' : 'sd', 'power-spread');
    read('mde', 'mde', 'power-mde');
    read('n', 'n', 'power-n');
    read('power', 'power', 'power-power');
    read('alpha', 'alpha', 'power-alpha');
    replaceChildren(powerErrors);
    if (bad.length) {
      const summary = errorSummary(bad);
      replaceChildren(powerErrors, summary);
      summary.focus();
      return;
    }
    post<Power>('/power', JSON.stringify(body), 'application/json')
      .then((doc) => {
        replaceChildren(powerResults, renderPower(doc));
        document.getElementById('power-results-heading')?.focus();
      })
      .catch((e) => {
        replaceChildren(powerResults);
        const map: Record<string, string> = {
          'body.sd': 'power-spread',
          'body.p0': 'power-spread',
          'body.mde': 'power-mde',
          'body.n': 'power-n',
          'body.power': 'power-power',
          'body.alpha': 'power-alpha',
        };
        showError(powerErrors, e, map);
      });
  });

  return {
    title: 'Trials',
    nav: 'trials',
    content: [
      h('h1', { class: 'govuk-heading-xl' }, 'Trials'),
      h(
        'p',
        { class: 'govuk-body-l' },
        'Did it work? Analyse a trial’s results, keep looking at them safely while they come in, send more people to the arms that work, and plan how many people a trial needs.',
      ),
      h('h2', { class: 'govuk-heading-l' }, 'Analyse results'),
      analyseErrors,
      analyseForm,
      results,
      h('h2', { class: 'govuk-heading-l', id: 'adapt' }, 'Adaptive trial'),
      h(
        'p',
        { class: 'govuk-body' },
        'Uses the CSV and the arm and outcome columns above: one row per unit, or one row per arm with the columns arm, n and successes (binary) or arm, n, mean and sd.',
      ),
      adaptErrors,
      adaptForm,
      adaptResults,
      h('h2', { class: 'govuk-heading-l', id: 'power' }, 'Power calculator'),
      powerErrors,
      powerForm,
      powerResults,
    ],
  };
}
