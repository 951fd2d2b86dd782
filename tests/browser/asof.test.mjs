// Browser tests of the "as of" control on the mission page (/missions/{id}?as_of=PERIOD)
// against a real `gameplan serve` (see run.sh): the select lists the periods that have
// observations (latest first) after "Latest"; choosing an earlier period shows the status
// as the API computes it as of then (that period's latest actual, the likelihood and the
// rating), with the address carrying ?as_of= so a reload shows the same; choosing "Latest"
// goes back; a period that is not one is refused with an error summary linking to the
// select. axe-core finds nothing on each state.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, RATING_WORDS, apiGet, axeViolations, fmtNumber, fmtProbability, launch, open, screenshot, waitReady } from './lib.mjs';

let browser;
let missionId;
let latest;
const enc = (s) => encodeURIComponent(s);

/** A value with its unit, as the page writes it (format.ts fmtValue). */
function fmtValue(v, unit) {
  const n = fmtNumber(v);
  if (!unit) return n;
  if (['%', 'percent', 'per cent', 'percentage', 'pct'].includes(unit.trim().toLowerCase())) return `${n}%`;
  return `${n} ${unit}`;
}

async function assertAccessible(page, what) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe-core WCAG 2.2 AA violations on ${what}:\n${violations.join('\n')}`);
}

/** Checks every target section against a status document. */
async function assertStatus(page, doc, what) {
  for (const t of doc.targets) {
    const sec = page.locator(`section[data-target="${t.id}"]`);
    assert.equal(await sec.count(), 1, `${what}: section of ${t.id}`);
    const row = sec.locator('.govuk-summary-list__row', { has: page.locator('dt:text-is("Latest actual")') });
    const expected = t.latest ? `${fmtValue(t.latest.value, t.unit)} in ${t.latest.period}` : 'No data yet';
    assert.equal((await row.locator('dd').innerText()).trim(), expected, `${what}: latest actual of ${t.id}`);
    assert.equal((await sec.locator('[data-p-meet]').innerText()).trim(), fmtProbability(t.p_meet), `${what}: p_meet of ${t.id}`);
    assert.equal((await sec.locator('.gp-headline-status .govuk-tag').innerText()).trim(), RATING_WORDS[t.rating], `${what}: rating of ${t.id}`);
    assert.equal(await sec.locator('svg.gp-chart .gp-chart__actual-point').count(), t.actuals.length, `${what}: actuals drawn for ${t.id}`);
  }
}

before(async () => {
  const missions = (await apiGet('/api/v1/missions')).missions;
  // The mission with the most observed periods.
  const docs = await Promise.all(missions.map(async (m) => [m.id, await apiGet(`/api/v1/missions/${enc(m.id)}/status`)]));
  const periods = (d) => new Set(d.targets.flatMap((t) => t.actuals.map((a) => a.period))).size;
  docs.sort((a, b) => periods(b[1]) - periods(a[1]));
  [missionId, latest] = docs[0];
  assert.ok(periods(latest) >= 3, 'a mission with observations in at least three periods');
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

describe('mission page as of an earlier period', () => {
  test('the select lists the observed periods; an earlier one shows the status as it was, in the address too', async () => {
    const { page } = browser;
    await open(page, `/missions/${enc(missionId)}`);
    const select = page.locator('#as-of');
    assert.equal(await select.inputValue(), '', '"Latest" is chosen');
    const observed = [...new Set(latest.targets.flatMap((t) => t.actuals.map((a) => a.period)))].sort().reverse();
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(options, ['', ...observed], 'Latest, then every observed period, latest first');
    assert.equal(await page.locator('[data-as-of]').count(), 0);
    await assertAccessible(page, 'the mission page with the as-of control');

    // An earlier period: the third latest.
    const asOf = observed[2];
    await select.selectOption(asOf);
    await page.locator('form.gp-asof-form button[type="submit"]').click();
    await page.waitForURL((u) => u.searchParams.get('as_of') === asOf);
    await waitReady(page);
    const then = await apiGet(`/api/v1/missions/${enc(missionId)}/status?as_of=${enc(asOf)}`);
    assert.equal(then.as_of, asOf);
    // The headline series has an observation in that period: it is the latest one then.
    const withData = then.targets.filter((t) => latest.targets.find((x) => x.id === t.id)?.actuals.some((a) => a.period === asOf));
    assert.ok(withData.length > 0);
    for (const t of withData) assert.equal(t.latest.period, asOf, `the API's latest of ${t.id} as of ${asOf}`);
    await assertStatus(page, then, `as of ${asOf}`);
    assert.equal(await page.locator('[data-as-of]').getAttribute('data-as-of'), asOf);
    assert.equal(await page.locator('#as-of').inputValue(), asOf, 'the select shows the period');
    assert.match(await page.title(), new RegExp(`as of ${asOf.replace('/', '\\/')}`));
    // The status differs from the latest one (else the test shows nothing).
    assert.notDeepEqual(then.targets.map((t) => t.latest), latest.targets.map((t) => t.latest));
    await screenshot(page, 'mission-as-of');
    await assertAccessible(page, `the mission page as of ${asOf}`);

    // The address can be shared: a reload shows the same.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitReady(page);
    assert.equal(await page.locator('#as-of').inputValue(), asOf);
    await assertStatus(page, then, `as of ${asOf} after a reload`);

    // Back to the latest status.
    await page.locator('#as-of').selectOption('');
    await page.locator('form.gp-asof-form button[type="submit"]').click();
    await page.waitForURL(`${BASE_URL}/missions/${enc(missionId)}`);
    await waitReady(page);
    await assertStatus(page, latest, 'the latest status');
    assert.equal(await page.locator('[data-as-of]').count(), 0);
    assert.deepEqual(browser.errors.splice(0), [], 'no errors in the browser');
  });

  test('a period that is not one is refused with an error summary linking to the select', async () => {
    const { page } = browser;
    await open(page, `/missions/${enc(missionId)}?as_of=20x4`);
    const summary = page.locator('.govuk-error-summary');
    assert.equal(await summary.count(), 1);
    assert.match(await summary.innerText(), /'20x4' is not one/);
    assert.equal(await summary.locator('a').getAttribute('href'), '#as-of');
    assert.match(await page.locator('.govuk-form-group:has(#as-of)').getAttribute('class'), /govuk-form-group--error/);
    // The latest status is shown meanwhile.
    await assertStatus(page, latest, 'the latest status beside the error');
    await assertAccessible(page, 'the mission page with a bad period');
    assert.deepEqual(browser.errors.splice(0), [], 'no errors in the browser (refused in the page, nothing sent)');
    // A period of the right form that does not exist: the server's 422 at as_of is shown.
    await open(page, `/missions/${enc(missionId)}?as_of=2020-02-30`);
    const server = page.locator('.govuk-error-summary');
    assert.match(await server.innerText(), /'2020-02-30' is not a period .*\(at as_of\)/);
    assert.equal(await server.locator('a').getAttribute('href'), '#as-of');
    await assertStatus(page, latest, 'the latest status beside the server error');
    await assertAccessible(page, 'the mission page with a period the server refuses');
    const errs = browser.errors.splice(0);
    assert.deepEqual(errs.filter((e) => !/status of 422/.test(e)), [], 'only the expected 422 in the browser');
  });
});
