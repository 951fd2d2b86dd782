// Browser tests of the optimiser page (/missions/{id}/optimise) against a real `gameplan
// serve` (see run.sh): reached from the simulation page and the mission's navigation; the
// form's values checked in the page (an error summary naming each field, the field marked,
// nothing sent to the server); a server 4xx mapped back to the field its JSON path names;
// a run from the form whose portfolio, likelihoods with their standard errors, costs,
// marginal values and weakest ideas are the API's answer for the same seed; the address
// reproducing the run on reload; a run with the API token stored and shown again; and zero
// axe-core WCAG 2.2 AA violations on every state.
//
// The mission used is the one whose plan has the most activities with a cost (the demo's
// poverty mission).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, apiGet, axeViolations, fmtNumber, fmtProbability, launch, open, screenshot, waitReady } from './lib.mjs';

const TOKEN = process.env.GAMEPLAN_TOKEN || '';
let browser;
let missionId;
let plan;
let targetId;
/** POST /optimise requests the browser sent. */
const posts = [];
/** 4xx answers the browser saw, by URL path (their console lines are expected). */
const failed = [];

const enc = (s) => encodeURIComponent(s);

async function apiPost(urlPath, body, token = '') {
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(BASE_URL + urlPath, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** Percentage points as the page writes them: "+4.4 points", "−1.2 points". */
function fmtPoints(d) {
  const v = Math.abs(d) * 100;
  const sign = d > 0 ? '+' : d < 0 ? '−' : '';
  return `${sign}${fmtNumber(v)} ${v === 1 ? 'point' : 'points'}`;
}

async function assertAccessible(page, what) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe-core WCAG 2.2 AA violations on ${what}:\n${violations.join('\n')}`);
}

/** No page errors; console errors only for the 4xx answers the test provoked (and the 404 of no stored run). */
function assertNoErrors(what) {
  let errs = browser.errors.splice(0);
  const seen = failed.splice(0);
  if (seen.length > 0) errs = errs.filter((e) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(e));
  assert.deepEqual(errs, [], `errors in the browser on ${what}`);
}

before(async () => {
  const missions = (await apiGet('/api/v1/missions')).missions;
  const plans = await Promise.all(missions.map(async (m) => [m.id, await apiGet(`/api/v1/missions/${enc(m.id)}/plan`)]));
  const costed = (p) => (p.targets?.length ? (p.nodes ?? []).filter((n) => n.kind === 'activity' && n.cost > 0 && n.stage !== 'stopped').length : 0);
  plans.sort((a, b) => costed(b[1]) - costed(a[1]));
  assert.ok(plans.length > 0 && costed(plans[0][1]) >= 2, 'a published mission whose plan has at least two activities with a cost (the demo has poverty)');
  [missionId, plan] = plans[0];
  targetId = (plan.targets.find((t) => t.kind === 'committed') ?? plan.targets[0]).id;
  browser = await launch();
  browser.page.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/v1\/missions\/[^/]+\/optimise$/.test(new URL(r.url()).pathname)) posts.push(r.postData());
  });
  browser.page.on('response', (r) => {
    if (r.status() >= 400 && r.status() < 500) failed.push(new URL(r.url()).pathname);
  });
});

after(async () => {
  await browser?.close();
});

describe('optimiser', () => {
  test('is linked from the simulation page and the mission navigation', async () => {
    const { page } = browser;
    await page.evaluate(() => sessionStorage.removeItem('gameplan.apiToken')).catch(() => {});
    await open(page, `/missions/${enc(missionId)}/simulation`);
    const link = page.locator('a.gp-optimise-link');
    assert.equal(await link.getAttribute('href'), `/missions/${enc(missionId)}/optimise`);
    await link.click();
    await page.waitForURL(`${BASE_URL}/missions/${enc(missionId)}/optimise`);
    await waitReady(page);
    assert.equal((await page.locator('h1').innerText()).trim(), 'Optimiser');
    const current = page.locator('nav.gp-subnav a[aria-current="page"]');
    assert.equal((await current.innerText()).trim(), 'Optimiser');
    // The mission page's navigation has it too.
    await open(page, `/missions/${enc(missionId)}`);
    assert.equal(await page.locator('nav.gp-subnav a', { hasText: 'Optimiser' }).getAttribute('href'), `/missions/${enc(missionId)}/optimise`);
    await open(page, `/missions/${enc(missionId)}/optimise`);
    // A fresh database has no stored optimiser run (unless a test with a token stored one).
    const stored = await page.locator('[data-run="stored"]').count();
    if (stored === 0) assert.equal(await page.locator('[data-no-optimise]').count(), 1);
    assert.equal(await page.locator('#opt-target').inputValue(), targetId, 'the first committed target is chosen');
    await screenshot(page, 'optimise-form');
    await assertAccessible(page, 'the optimiser form');
    assertNoErrors('the optimiser form');
  });

  test('checks the form in the page: an error summary names each field, and nothing is sent', async () => {
    const { page } = browser;
    await open(page, `/missions/${enc(missionId)}/optimise`);
    const det = page.locator('details:has(> .govuk-details__text > form.gp-opt-form)');
    if ((await det.count()) > 0 && !(await det.evaluate((d) => d.open))) await det.locator('> summary').click();
    await page.locator('#opt-budget').fill('');
    await page.locator('#opt-draws').fill('2.5');
    await page.locator('#opt-seed').fill('-1');
    const before = posts.length;
    await page.locator('form.gp-opt-form button[type="submit"]').click();
    await page.waitForURL((u) => u.searchParams.get('run') === '1');
    await waitReady(page);
    const summary = page.locator('.govuk-error-summary');
    assert.equal(await summary.count(), 1);
    const links = summary.locator('a');
    const items = await links.evaluateAll((as) => as.map((a) => [a.textContent.trim(), a.getAttribute('href')]));
    assert.deepEqual(items, [
      ['Enter the budget', '#opt-budget'],
      ['Enter the number of draws as a whole number from 1 to 5,000,000', '#opt-draws'],
      ['Enter the seed as a whole number, 0 or more', '#opt-seed'],
    ]);
    for (const id of ['opt-budget', 'opt-draws', 'opt-seed']) {
      const group = page.locator(`.govuk-form-group:has(#${id})`);
      assert.match(await group.getAttribute('class'), /govuk-form-group--error/, `${id} marked`);
      assert.match(await group.locator('.govuk-error-message').innerText(), /Error:/);
      assert.match(await page.locator(`#${id}`).getAttribute('aria-describedby'), new RegExp(`${id}-error`));
    }
    assert.equal(posts.length, before, 'nothing was sent to the server');
    // A link in the summary moves to its field.
    await links.first().click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'opt-budget');
    await screenshot(page, 'optimise-errors');
    await assertAccessible(page, 'the optimiser with errors');

    // A budget that is not a number, and too many draws for a visitor.
    await open(page, `/missions/${enc(missionId)}/optimise?run=1&budget=lots&target=${enc(targetId)}&draws=50000`);
    const texts = await page.locator('.govuk-error-summary a').allInnerTexts();
    assert.deepEqual(texts.map((x) => x.trim()), [
      'Enter the budget as a number, 0 or more, for example 40000000',
      'Without an API token a run can have at most 20,000 draws',
    ]);
    assert.equal(posts.length, before, 'still nothing sent');
    assertNoErrors('the optimiser form checks');
  });

  test('maps the server’s 4xx errors to the field their JSON path names', async () => {
    const { page } = browser;
    await open(page, `/missions/${enc(missionId)}/optimise`);
    // A token the server does not know: the page thinks more draws are allowed, the server
    // refuses the token (401), the page forgets it and asks again as a visitor: 422 at body.draws.
    await page.evaluate(() => sessionStorage.setItem('gameplan.apiToken', 'gp_not_a_real_token'));
    const before = posts.length;
    await open(page, `/missions/${enc(missionId)}/optimise?run=1&budget=1000&target=${enc(targetId)}&draws=30000`);
    assert.equal(posts.length, before + 2, 'sent with the token, then again without');
    const link = page.locator('.govuk-error-summary a');
    assert.equal(await link.count(), 1);
    assert.equal(await link.getAttribute('href'), '#opt-draws');
    assert.match(await link.innerText(), /without an API token a run may use at most 20000 draws/i);
    assert.match(await page.locator('.govuk-form-group:has(#opt-draws)').getAttribute('class'), /govuk-form-group--error/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gameplan.apiToken')), null, 'the bad token is forgotten');
    await assertAccessible(page, 'the optimiser with a server error');
    assertNoErrors('a server error');
  });

  test('runs from the form: the portfolio, likelihoods, costs, marginal values and weakest ideas are the API’s', async () => {
    const { page } = browser;
    await page.evaluate(() => sessionStorage.removeItem('gameplan.apiToken'));
    const costs = plan.nodes.filter((n) => n.kind === 'activity' && n.stage !== 'stopped').map((n) => n.cost ?? 0);
    const total = costs.reduce((a, b) => a + b, 0);
    const budget = Math.round(total * 0.55);
    await open(page, `/missions/${enc(missionId)}/optimise`);
    const det = page.locator('details:has(> .govuk-details__text > form.gp-opt-form)');
    if ((await det.count()) > 0 && !(await det.evaluate((d) => d.open))) await det.locator('> summary').click();
    await page.locator('#opt-budget').fill(budget.toLocaleString('en-GB'));
    await page.locator('#opt-target').selectOption(targetId);
    await page.locator('#opt-draws').fill('2000');
    await page.locator('#opt-seed').fill('7');
    await page.locator('form.gp-opt-form button[type="submit"]').click();
    await page.waitForURL((u) => u.searchParams.get('run') === '1' && u.searchParams.get('seed') === '7');
    await waitReady(page);
    const res = await apiPost(`/api/v1/missions/${enc(missionId)}/optimise`, { budget, target: targetId, draws: 2000, seed: 7 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const r = res.body;
    assert.ok(r.after.cost <= budget, 'the API keeps within the budget');
    const sec = page.locator('section.gp-opt');
    assert.equal(Number(await sec.getAttribute('data-budget')), budget);
    assert.equal(await sec.getAttribute('data-target'), targetId);
    for (const which of ['before', 'after']) {
      const card = page.locator(`[data-portfolio="${which}"]`);
      assert.equal((await card.locator('[data-p-meet]').innerText()).trim(), fmtProbability(r[which].p_meet), `${which} p_meet`);
      assert.equal(Number(await card.locator('[data-p-meet]').getAttribute('data-p-meet')), r[which].p_meet);
      assert.equal(Number(await card.locator('[data-p-meet-se]').getAttribute('data-p-meet-se')), r[which].p_meet_se);
    }
    // The two portfolios as a table: cost, likelihood, standard error, 95% interval.
    const rows = page.locator('table.gp-opt-portfolios tbody tr');
    assert.equal(await rows.count(), 2);
    for (const [i, which, n] of [[0, 'before', r.activities.length], [1, 'after', r.chosen.length]]) {
      const p = r[which];
      const cells = (await rows.nth(i).locator('td').allInnerTexts()).map((x) => x.trim());
      const lo = Math.max(0, p.p_meet - 1.96 * p.p_meet_se);
      const hi = Math.min(1, p.p_meet + 1.96 * p.p_meet_se);
      assert.deepEqual(cells, [
        String(n),
        fmtNumber(p.cost),
        fmtProbability(p.p_meet),
        `${fmtNumber(p.p_meet_se * 100)} points`,
        `${fmtNumber(lo * 100)}% to ${fmtNumber(hi * 100)}%`,
      ], `${which} row`);
    }
    // The chart: a bar for each portfolio.
    assert.equal(Number(await page.locator('section.gp-opt svg.gp-tornado').getAttribute('data-bars')), 2);
    // Every activity: chosen or not, its cost and its marginal value.
    const acts = page.locator('table.gp-opt-activities tbody tr');
    assert.equal(await acts.count(), r.activities.length);
    for (const a of r.activities) {
      const row = page.locator('table.gp-opt-activities tbody tr', { has: page.locator(`th .gp-secondary:text-is("${a.id}")`) });
      assert.equal(await row.count(), 1, `row of ${a.id}`);
      assert.equal(await row.locator('[data-chosen]').getAttribute('data-chosen'), String(a.chosen), `${a.id} chosen`);
      const cells = (await row.locator('td').allInnerTexts()).map((x) => x.trim());
      assert.equal(cells[1], fmtNumber(a.cost), `${a.id} cost`);
      assert.equal(cells[3], fmtPoints(a.marginal_p_meet), `${a.id} marginal p_meet`);
    }
    // Chosen ones first.
    const flags = await acts.locator('[data-chosen]').evaluateAll((xs) => xs.map((x) => x.getAttribute('data-chosen')));
    assert.deepEqual(flags, [...flags].sort().reverse(), 'chosen activities first');
    assert.equal(flags.filter((f) => f === 'true').length, r.chosen.length);
    // The weakest ideas, in the API's order.
    const weak = await page.locator('table.gp-opt-weakest [data-weakest]').evaluateAll((xs) => xs.map((x) => x.getAttribute('data-weakest')));
    assert.deepEqual(weak, r.weakest.map((w) => w.id));
    const firstWeak = (await page.locator('table.gp-opt-weakest tbody tr').first().locator('td').allInnerTexts()).map((x) => x.trim());
    assert.equal(firstWeak[0], '1');
    assert.equal(firstWeak[2], fmtNumber(r.weakest[0].cost));
    assert.equal(firstWeak[3], `${fmtNumber(r.weakest[0].p_meet_loss * 100)} points`);
    await screenshot(page, 'optimise-results');
    await assertAccessible(page, 'the optimiser results');

    // The address is the run: reloading it gives the same answer.
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('budget'), budget.toLocaleString('en-GB'));
    assert.equal(url.searchParams.get('target'), targetId);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitReady(page);
    assert.equal(Number(await page.locator('[data-portfolio="after"] [data-p-meet]').getAttribute('data-p-meet')), r.after.p_meet);
    assertNoErrors('the optimiser run');
  });
});

describe('optimiser with a token', () => {
  test('a run with the API token may use more draws, is stored, and is shown again', async (t) => {
    if (!TOKEN) {
      t.skip('no GAMEPLAN_TOKEN');
      return;
    }
    const { page } = browser;
    await open(page, `/missions/${enc(missionId)}/optimise`);
    await page.evaluate(() => sessionStorage.removeItem('gameplan.apiToken'));
    const det = page.locator('details:has(> .govuk-details__text > form.gp-opt-form)');
    if ((await det.count()) > 0 && !(await det.evaluate((d) => d.open))) await det.locator('> summary').click();
    await page.locator('#opt-budget').fill('0');
    await page.locator('#opt-draws').fill('25000');
    await page.locator('#opt-seed').fill('3');
    await page.locator('#opt-search').selectOption('heuristic');
    await page.locator('form.gp-opt-form details summary').click();
    await page.locator('#opt-token').fill(TOKEN);
    await page.locator('form.gp-opt-form button[type="submit"]').click();
    await page.waitForURL((u) => u.searchParams.get('draws') === '25000');
    await waitReady(page);
    assert.ok(!page.url().includes(TOKEN), 'no token in the address');
    assert.equal(Number(await page.locator('section.gp-opt').getAttribute('data-draws')), 25000);
    const stored = await (await fetch(`${BASE_URL}/api/v1/missions/${enc(missionId)}/simulation?kind=optimise`)).json();
    assert.equal(stored.draws, 25000);
    assert.equal(stored.budget, 0);
    // With a budget of 0 only free activities can be chosen.
    assert.equal(stored.after.cost, 0);
    await open(page, `/missions/${enc(missionId)}/optimise`);
    assert.equal(await page.locator('[data-run]').getAttribute('data-run'), 'stored');
    assert.equal(Number(await page.locator('[data-portfolio="after"] [data-p-meet]').getAttribute('data-p-meet')), stored.after.p_meet);
    assert.equal(await page.locator('#opt-budget').inputValue(), '0', 'the form starts from the stored run');
    await assertAccessible(page, 'the stored optimiser run');
    assertNoErrors('the optimiser with a token');
  });
});

describe('optimiser on a small screen', () => {
  test('the form and the results work at 375 px wide', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      for (const [name, urlPath] of [
        ['optimise-form-mobile', `/missions/${enc(missionId)}/optimise?run=1&budget=`],
        ['optimise-mobile', `/missions/${enc(missionId)}/optimise?run=1&budget=1e10&target=${enc(targetId)}&draws=1000&seed=2`],
      ]) {
        await open(page, urlPath);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${urlPath}: no horizontal scrolling of the page (overflow ${overflow}px)`);
        await screenshot(page, name);
        await assertAccessible(page, `${urlPath} at 375 px`);
      }
      assert.equal(await page.locator('table.gp-opt-activities').count(), 1);
    } finally {
      await page.setViewportSize({ width: 1100, height: 900 });
    }
    assertNoErrors('the optimiser on a small screen');
  });
});
