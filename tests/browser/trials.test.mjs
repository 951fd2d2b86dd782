// Browser test of the trials page (/trials) against a real `gameplan serve` (see run.sh):
// paste a results CSV (tests/reference/data/trial_a.csv), name the outcome, arm and
// covariates, turn sequential analysis on with a look column, and check the forest plot,
// the comparisons table (against the API's own reply), the sample-ratio check, the
// Bayesian summary and the confidence sequence over time; then the adaptive allocation
// and the power calculator; axe-core finds no WCAG 2.2 AA violations; a screenshot is
// saved to tests/output/browser/trials.png.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BASE_URL, ROOT, axeViolations, launch, open, screenshot } from './lib.mjs';

const CSV = fs.readFileSync(path.join(ROOT, 'tests', 'reference', 'data', 'trial_a.csv'), 'utf8');
let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

async function apiPost(urlPath, body) {
  const res = await fetch(BASE_URL + urlPath, { method: 'POST', body });
  assert.equal(res.status, 200, `${urlPath}: HTTP ${res.status}`);
  return res.json();
}

test('trials: analyse a pasted CSV, see the forest plot, tables, sequence; adapt; power; accessible', async () => {
  const { page } = browser;
  await open(page, '/trials');
  assert.equal(await page.title(), 'Trials – gameplan');
  assert.equal((await page.locator('h1').innerText()).trim(), 'Trials');
  assert.equal(
    await page.locator('[data-nav-item="trials"] a').getAttribute('aria-current'),
    'page',
    'the Trials navigation link is current',
  );

  await page.fill('#trial-csv', CSV);
  await page.fill('#trial-outcome', 'y');
  await page.fill('#trial-arm', 'arm');
  await page.fill('#trial-control', 'control');
  await page.fill('#trial-covariates', 'x1,x2,x3');
  await page.check('#trial-sequential');
  await page.fill('#trial-look', 'cluster');
  await page.click('#trial-form button[type="submit"]');
  await page.waitForSelector('#trial-forest svg', { timeout: 15000 });

  const api = await apiPost(
    '/api/v1/trials/analyse?outcome=y&arm=arm&control=control&covariates=x1,x2,x3&sequential=1&look=cluster',
    CSV,
  );
  const additive = api.comparisons.filter((c) => c.estimator !== 'relative_risk');
  // forest plot: one row per comparison, an accessible name, positioned by the estimates
  const forest = page.locator('#trial-forest svg');
  assert.equal(await forest.getAttribute('role'), 'img');
  assert.equal(Number(await forest.getAttribute('data-rows')), additive.length);
  assert.equal(await forest.locator('.gp-forest__estimate').count(), additive.length);
  assert.match(await forest.locator('title').textContent(), /Forest plot/);

  // comparisons table: the API's numbers, as the page formats them (4 significant digits)
  const rows = page.locator('#trial-comparisons tbody tr');
  assert.equal(await rows.count(), api.comparisons.length);
  const lin = api.comparisons.findIndex((c) => c.estimator === 'lin');
  const cells = await rows.nth(lin).locator('th, td').allInnerTexts();
  assert.match(cells[0], /treat vs control: Regression adjusted \(Lin\)/);
  assert.equal(cells[1], 'HC2');
  const four = (v) => Number(v.toPrecision(4)).toLocaleString('en-GB', { maximumFractionDigits: 10 });
  assert.equal(cells[2], four(api.comparisons[lin].estimate));
  assert.equal(cells[3], four(api.comparisons[lin].std_error));
  assert.equal(cells[5], four(api.comparisons[lin].conf_low));
  assert.equal(cells[6], four(api.comparisons[lin].conf_high));
  // R's estimatr value for the Lin estimate (tests/reference/trial_values_r.h): 1.2001648...
  assert.equal(cells[2], '1.2');

  // sample-ratio check and Bayesian summary
  assert.equal(await page.locator('#trial-srm').getAttribute('data-flag'), String(api.srm.flag));
  assert.match(await page.locator('#trial-srm').innerText(), /sample-ratio mismatch/i);
  assert.equal(await page.locator('#trial-bayes tbody tr').count(), api.bayes.length);

  // sequential: the table at the latest look and the confidence sequence over the 40 looks
  assert.equal(await page.locator('#trial-sequential tbody tr').count(), api.sequential.length);
  const seq = page.locator('figure[data-sequence] svg');
  assert.equal(await seq.count(), 1);
  const looks = api.sequential_path.filter((p) => p.arm === 'treat').length;
  assert.equal(Number(await seq.getAttribute('data-points')), looks);
  assert.ok(looks > 1, 'several looks');

  // adaptive allocation from the same CSV
  await page.fill('#adapt-arms', 'control,treat');
  await page.click('#adapt-form button[type="submit"]');
  await page.waitForSelector('#adapt-chart svg', { timeout: 15000 });
  const adapt = await apiPost('/api/v1/trials/adapt?arms=control,treat&floor=0.01&threshold=0.95&seed=1&arm=arm&outcome=y', CSV);
  const arows = page.locator('#adapt-table tbody tr');
  assert.equal(await arows.count(), 2);
  for (let i = 0; i < 2; i++) {
    const c = await arows.nth(i).locator('th, td').allInnerTexts();
    assert.equal(c[0], adapt.arms[i].arm);
    assert.equal(c[3], `${(adapt.arms[i].prob_best * 100).toFixed(1)}%`);
    assert.equal(c[4], `${(adapt.arms[i].weight * 100).toFixed(1)}%`);
  }
  assert.equal(Number(await page.locator('#adapt-chart svg').getAttribute('data-bars')), 2);
  // with the look column (40 clusters), the allocation over time at every 2nd look: 20 looks
  await page.waitForSelector('#adapt-over-time svg', { timeout: 30000 });
  assert.equal(Number(await page.locator('#adapt-over-time svg').getAttribute('data-looks')), 20);
  const trows = page.locator('#adapt-results table').last().locator('tbody tr');
  assert.equal(await trows.count(), 20);
  const lastRow = await trows.nth(19).locator('th, td').allInnerTexts();
  assert.equal(lastRow[0], 'c40');
  assert.match(lastRow[2], /^\d+\.\d%/);

  // power calculator: defaults sd 1, effect 0.5, power 0.8 -> 63.77 per arm (R pwr.t.test), round up 64
  await page.click('#power-form button[type="submit"]');
  await page.waitForSelector('#power-results dl', { timeout: 15000 });
  const answer = await page.locator('#power-results').innerText();
  assert.match(answer, /63\.7656/);
  assert.match(answer, /round up to 64/);

  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe-core WCAG 2.2 AA violations on /trials:\n${violations.join('\n')}`);
  await screenshot(page, 'trials');
  assert.deepEqual(browser.errors.splice(0), [], 'no errors in the browser');
});

test('trials: a bad column is reported in an error summary linking to its field', async () => {
  const { page } = browser;
  await open(page, '/trials');
  await page.fill('#trial-csv', CSV);
  await page.fill('#trial-outcome', 'nope');
  await page.click('#trial-form button[type="submit"]');
  const summary = page.locator('.govuk-error-summary');
  await summary.waitFor({ timeout: 15000 });
  assert.match(await summary.innerText(), /no column 'nope'/);
  assert.equal(await summary.locator('a').getAttribute('href'), '#trial-outcome');
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], violations.join('\n'));
  // the API's 422 shows in the console as a failed resource load; that is expected here
  browser.errors.splice(0);
});

test('trials: record the result as a test of an assumption (token), and the plan gets a new version', async (t) => {
  const token = process.env.GAMEPLAN_TOKEN;
  if (!token) {
    t.skip('no GAMEPLAN_TOKEN');
    return;
  }
  // A mission of our own, not published, so the other tests' pages do not change.
  const plan = {
    mission: { id: 'trials-ui-test', title: 'Trials UI test', start: '2025', horizon: '2030' },
    metrics: [{ id: 'trials-ui-k', name: 'K', direction: 'lower' }],
    targets: [{ id: 't', metric: 'trials-ui-k', kind: 'moonshot', baseline: { period: '2024', value: 100 },
      target: { period: '2030', value: 50 } }],
    nodes: [{ id: 'act', kind: 'activity', label: 'A', start: '2025' },
      { id: 'trials-ui-k', kind: 'outcome', label: 'K', metric: 'trials-ui-k' }],
    edges: [{ from: 'act', to: 'trials-ui-k', effect: -10 }],
    assumptions: [{ id: 'a1', text: 'works', on: 'edge:act->trials-ui-k' }],
  };
  const auth = { Authorization: `Bearer ${token}` };
  const put = await fetch(`${BASE_URL}/api/v1/missions/trials-ui-test/plan`, { method: 'PUT', headers: auth, body: JSON.stringify(plan) });
  assert.ok(put.ok, `PUT plan: ${put.status}`);
  const v0 = (await put.json()).version;

  const { page } = browser;
  await open(page, '/trials');
  await page.fill('#trial-csv', CSV);
  await page.fill('#trial-covariates', 'x1,x2,x3');
  await page.click('#trial-form button[type="submit"]');
  await page.waitForSelector('#link-form', { timeout: 15000 });
  await page.fill('#link-mission', 'trials-ui-test');
  await page.fill('#link-assumption', 'a1');
  await page.fill('#link-token', token);
  await page.click('#link-form button[type="submit"]');
  const banner = page.locator('#link-messages .govuk-notification-banner');
  await banner.waitFor({ timeout: 15000 });
  assert.match(await banner.innerText(), new RegExp(`test trial-a1-1 of assumption a1: plan version ${v0 + 1}`));
  const got = await (await fetch(`${BASE_URL}/api/v1/missions/trials-ui-test/plan`, { headers: auth })).json();
  const test1 = got.tests.find((x) => x.id === 'trial-a1-1');
  assert.equal(test1.method, 'rct');
  // R's estimatr lm_lin estimate and HC2 standard error (tests/reference/trial_values_r.h)
  assert.ok(Math.abs(test1.estimate.mean - 1.2001648538087186) < 1e-9);
  assert.ok(Math.abs(test1.estimate.se - 0.18890959930971174) < 1e-9);
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], violations.join('\n'));
  assert.deepEqual(browser.errors.splice(0), [], 'no errors in the browser');
});
