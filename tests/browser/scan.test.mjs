// Browser tests of the unit-data scan pages (web/src/pages/scan.ts) against a real
// `gameplan serve` (see run.sh): the funnel plot of the schools walk-through
// (Hampshire's Key Stage 2 reading progress, docs/methods/scan.md) with one point per
// scanned school and the control limits, the flagged-units table agreeing with the API's
// scan document, hover and click on a point opening the unit panel (history and peers),
// keyboard access to the points, the unit page, the link from the metric page, and zero
// axe-core WCAG 2.2 AA violations. Screenshot: tests/output/browser/scan.png.
//
// It needs the schools data in the served database (`gameplan demo` will include it;
// or load examples/schools/load.sh into a database, publish mission ks2-progress and set
// BASE_URL). Without it the tests are skipped with a message saying so.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, apiGet, axeViolations, launch, open, screenshot, waitReady } from './lib.mjs';

const METRIC = 'ks2-reading-progress';
let browser;
let units = null;
let scan = null;
let skip = false;

before(async () => {
  const res = await fetch(`${BASE_URL}/api/v1/metrics/${METRIC}/units`);
  units = res.ok ? await res.json() : null;
  if (!units || !units.latest) {
    skip = `the served database has no unit data for ${METRIC} (HTTP ${res.status}): ` +
      'the schools scan is not in the demo yet; load examples/schools/load.sh, publish ' +
      'ks2-progress and run with BASE_URL to test the scan pages';
    return;
  }
  scan = await apiGet(`/api/v1/metrics/${METRIC}/scan`);
  browser = await launch({ width: 1200, height: 1000 });
});

after(async () => {
  await browser?.close();
});

function assertNoErrors(what) {
  const errs = browser.errors.splice(0);
  assert.deepEqual(errs, [], `errors in the browser on ${what}`);
}

async function assertAccessible(page, what) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe-core WCAG 2.2 AA violations on ${what}:\n${violations.join('\n')}`);
}

describe('scan page', () => {
  test('draws the funnel with every scanned unit and the limits at each level', async (t) => {
    if (skip) return t.skip(skip);
    const { page } = browser;
    await open(page, `/metrics/${METRIC}/scan`);
    assert.equal(await page.locator('h1').innerText(), 'Unit scan');
    const svg = page.locator('svg.gp-funnel');
    await svg.waitFor();
    const n = scan.units.length;
    assert.equal(Number(await svg.getAttribute('data-points')), n);
    assert.equal(await page.locator('svg.gp-funnel .gp-funnel__point').count(), n, 'one point a scanned unit');
    // the schools walk-through: 315 schools, 309 with a progress score
    if (units.latest.units === 315) assert.equal(n, 309);
    const levels = Object.keys(scan.units[0].limits);
    for (const lv of levels) {
      assert.equal(await page.locator(`path.gp-funnel__limit[data-level="${lv}"]`).count(), 2, `both limits at ${lv}%`);
    }
    const first = levels.sort((a, b) => Number(a) - Number(b))[0];
    const highs = scan.units.filter((u) => u.flag[first] === 'high').length;
    const lows = scan.units.filter((u) => u.flag[first] === 'low').length;
    assert.equal(await page.locator('.gp-funnel__point[data-flag="high"]').count(), highs);
    assert.equal(await page.locator('.gp-funnel__point[data-flag="low"]').count(), lows);
    // the flagged table lists the same units as the API
    const rows = page.locator('table.gp-flagged tbody tr');
    assert.equal(await rows.count(), highs + lows);
    const ids = await page.locator('table.gp-flagged tbody tr td:nth-child(2)').allInnerTexts();
    const want = scan.units.filter((u) => u.flag[first] !== 'none').map((u) => u.unit).sort();
    assert.deepEqual([...ids].sort(), want);
    assertNoErrors('the scan page');
    await assertAccessible(page, 'the scan page');
    await screenshot(page, 'scan');
  });

  test('hover shows the unit; click opens its history and peers', async (t) => {
    if (skip) return t.skip(skip);
    const { page } = browser;
    await open(page, `/metrics/${METRIC}/scan`);
    const top = [...scan.units].filter((u) => u.z !== null).sort((a, b) => b.z - a.z)[0];
    const point = page.locator(`.gp-funnel__point[data-unit="${top.unit}"]`);
    await point.hover();
    const tip = page.locator('.gp-funnel__tip');
    await tip.waitFor({ state: 'visible' });
    assert.match(await tip.innerText(), new RegExp(top.name ?? top.unit));
    await point.click();
    const panel = page.locator('#unit-panel');
    await panel.locator('table.gp-peers').waitFor();
    assert.equal(await panel.locator('h2').innerText(), top.name ?? top.unit);
    assert.ok((await panel.locator('table.gp-unit-history tbody tr').count()) >= 1, 'history rows');
    assert.equal(await panel.locator('table.gp-peers tbody tr').count(), 10, 'ten peers');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'unit-panel-heading');
    assertNoErrors('the unit panel');
    await assertAccessible(page, 'the scan page with the unit panel');
    await screenshot(page, 'scan-unit-panel');
  });

  test('the points are reachable from the keyboard', async (t) => {
    if (skip) return t.skip(skip);
    const { page } = browser;
    await open(page, `/metrics/${METRIC}/scan`);
    const focusable = page.locator('.gp-funnel__point[tabindex="0"]');
    assert.equal(await focusable.count(), 1, 'one tab stop for the points');
    await focusable.focus();
    const firstUnit = await page.evaluate(() => document.activeElement?.getAttribute('data-unit'));
    await page.keyboard.press('ArrowRight');
    const second = await page.evaluate(() => document.activeElement?.getAttribute('data-unit'));
    assert.notEqual(second, firstUnit);
    await page.keyboard.press('Enter');
    await page.locator('#unit-panel table.gp-peers').waitFor();
    assert.match(await page.locator('#unit-panel h2').innerText(), /\S/);
  });

  test('the metric page links to the scan, and a unit page shows history and peers', async (t) => {
    if (skip) return t.skip(skip);
    const { page } = browser;
    await open(page, `/metrics/${METRIC}`);
    const link = page.locator('.gp-scan-link a');
    await link.waitFor();
    await link.click();
    await page.waitForURL(`**/metrics/${METRIC}/scan`);
    await waitReady(page);
    await page.locator('svg.gp-funnel').waitFor();
    await open(page, `/metrics/${METRIC}/units/115911`);
    assert.equal(await page.locator('h1').innerText(), 'Trosnant Junior School');
    assert.ok((await page.locator('table.gp-unit-history tbody tr').count()) >= 1);
    assert.equal(await page.locator('table.gp-peers tbody tr').count(), 10);
    assertNoErrors('the unit page');
    await assertAccessible(page, 'the unit page');
    await screenshot(page, 'scan-unit');
  });

  test('the options form scans again without adjustment', async (t) => {
    if (skip) return t.skip(skip);
    const { page } = browser;
    await open(page, `/metrics/${METRIC}/scan`);
    for (const box of await page.locator('input[name="adjust"]:checked').all()) await box.uncheck();
    await page.locator('form.gp-scan-options button[type="submit"]').click();
    await page.waitForURL(/options=1/);
    await waitReady(page);
    await page.locator('svg.gp-funnel').waitFor();
    const plain = await apiGet(`/api/v1/metrics/${METRIC}/scan?adjust=&overdispersion=additive`);
    assert.deepEqual(plain.adjust ?? [], []);
    const summary = await page.locator('.govuk-summary-list').first().innerText();
    assert.match(summary, /Nothing/);
    const first = Object.keys(plain.units[0].flag).sort((a, b) => Number(a) - Number(b))[0];
    const flagged = plain.units.filter((u) => u.flag[first] !== 'none').length;
    assert.equal(await page.locator('table.gp-flagged tbody tr').count(), flagged);
    assertNoErrors('the scan page without adjustment');
  });

  test('the scan page works at 375 px wide', async (t) => {
    if (skip) return t.skip(skip);
    const { page } = browser;
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      await open(page, `/metrics/${METRIC}/scan`);
      await page.locator('svg.gp-funnel').waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
      assertNoErrors('the scan page at 375 px');
      await assertAccessible(page, 'the scan page at 375 px');
      await screenshot(page, 'scan-small');
    } finally {
      await page.setViewportSize({ width: 1200, height: 1000 });
    }
  });
});
