// Browser tests of the gameplan web UI against a real `gameplan serve` (see run.sh):
// the board, a mission page, a metric page and the not-found page; client-side
// routing and reloads; charts drawn from the API's data with text alternatives;
// the CSV download; keyboard access; and zero axe-core WCAG 2.2 AA violations.
// Ids are discovered from the API; the poverty example (mission "poverty", metric
// "poverty-rate", 14.5% in 2015) is checked by value when it is present.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  OPEN_SDG_WORDS,
  RATING_WORDS,
  apiGet,
  axeViolations,
  fmtNumber,
  fmtProbability,
  launch,
  open,
  screenshot,
  waitReady,
} from './lib.mjs';

let browser;
let missions;
let status;
/** The mission the mission-page tests use: "poverty" when present, else the first with actuals. */
let mission;
/** Its status targets. */
let missionTargets;
/** The metric the metric-page tests use. */
let metricId;

before(async () => {
  missions = (await apiGet('/api/v1/missions')).missions;
  status = await apiGet('/api/v1/status');
  assert.ok(missions.length > 0, 'the demo database has published missions');
  mission =
    missions.find((m) => m.id === 'poverty') ??
    missions.find((m) => status.targets.some((t) => t.mission === m.id && t.actuals.length > 0)) ??
    missions[0];
  missionTargets = (await apiGet(`/api/v1/missions/${encodeURIComponent(mission.id)}/status`)).targets;
  const withData = missionTargets.find((t) => t.metric === 'poverty-rate') ?? missionTargets.find((t) => t.actuals.length > 0);
  metricId = withData?.metric ?? missionTargets[0]?.metric;
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

async function assertAccessible(page, what) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe-core WCAG 2.2 AA violations on ${what}:\n${violations.join('\n')}`);
}

function assertNoErrors(what) {
  const errs = browser.errors.splice(0);
  assert.deepEqual(errs, [], `errors in the browser on ${what}`);
}

describe('board', () => {
  test('shows every mission, every target with its rating tag, p_meet and sparkline', async () => {
    const { page } = browser;
    await open(page, '/');
    assert.equal(await page.title(), 'Missions board – gameplan');
    assert.equal(await page.locator('h1').count(), 1);
    assert.equal((await page.locator('h1').innerText()).trim(), 'Missions board');

    for (const m of missions) {
      const section = page.locator(`section[data-mission="${m.id}"]`);
      assert.equal(await section.count(), 1, `section for mission ${m.id}`);
      const heading = section.locator('h2');
      assert.equal((await heading.innerText()).trim(), m.title);
      assert.equal(await heading.locator('a').getAttribute('href'), `/missions/${encodeURIComponent(m.id)}`);

      const targets = status.targets.filter((t) => t.mission === m.id);
      const rows = section.locator('tbody tr');
      assert.equal(await rows.count(), targets.length, `rows of mission ${m.id}`);
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i];
        const row = rows.nth(i);
        const tag = row.locator('.govuk-tag');
        assert.equal((await tag.innerText()).trim(), RATING_WORDS[t.rating], `rating of ${t.id}`);
        assert.equal(await tag.getAttribute('data-rating'), t.rating);
        const cells = await row.locator('td').allInnerTexts();
        assert.ok(cells[0].includes(t.metric_name), `target cell names ${t.metric_name}`);
        assert.equal(cells[2].trim(), fmtProbability(t.p_meet), `p_meet of ${t.id}`);
        if (t.latest) {
          assert.ok(cells[3].includes(fmtNumber(t.latest.value)), `latest of ${t.id}: ${cells[3]}`);
          assert.ok(cells[3].includes(t.latest.period));
        }
        const spark = row.locator('svg.gp-sparkline');
        if (t.actuals.length > 0) {
          assert.equal(await spark.count(), 1, `sparkline of ${t.id}`);
          assert.equal(Number(await spark.getAttribute('data-points')), t.actuals.length);
          const d = await spark.locator('path').getAttribute('d');
          assert.ok(d && d.startsWith('M'), 'sparkline path drawn');
          const label = await spark.getAttribute('aria-label');
          assert.ok(label.includes(t.actuals[0].period), 'sparkline text alternative names the first period');
        } else {
          assert.equal(await spark.count(), 0);
        }
      }
    }
    // The summary counts every target.
    const counts = await page.locator('.gp-rating-summary__count').allInnerTexts();
    assert.equal(counts.reduce((a, c) => a + Number(c), 0), status.targets.length);

    await screenshot(page, 'board');
    await assertAccessible(page, 'the board');
    assertNoErrors('the board');
  });

  test('has the GOV.UK page furniture: skip link first, header, service navigation, footer', async () => {
    const { page } = browser;
    await open(page, '/');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => ({
      text: document.activeElement?.textContent?.trim(),
      cls: document.activeElement?.className,
    }));
    assert.equal(focused.text, 'Skip to main content');
    assert.match(focused.cls, /govuk-skip-link/);
    // Focus style: the skip link becomes visible with the GOV.UK yellow focus colour.
    const bg = await page.evaluate(() => getComputedStyle(document.activeElement).backgroundColor);
    assert.equal(bg, 'rgb(255, 221, 0)');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main-content');

    assert.equal((await page.locator('header').first().innerText()).includes('gameplan'), true);
    assert.equal(await page.locator('header nav .govuk-service-navigation__link[aria-current="page"]').innerText(), 'Missions board');
    assert.equal(await page.locator('footer.govuk-footer').count(), 1);
    assert.equal(await page.locator('main#main-content').count(), 1);
    assertNoErrors('the board furniture');
  });
});

describe('mission page', () => {
  test('opens from the board by client-side navigation and back again', async () => {
    const { page } = browser;
    await open(page, '/');
    await page.evaluate(() => {
      window.__sameDocument = true;
    });
    await page.locator(`section[data-mission="${mission.id}"] h2 a`).click();
    await page.waitForURL(`${BASE_URL}/missions/${encodeURIComponent(mission.id)}`);
    await waitReady(page);
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no full page load');
    assert.equal((await page.locator('h1').innerText()).trim(), mission.title);
    assert.equal(await page.title(), `${mission.title} – gameplan`);
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus moves to the new heading');
    await page.goBack();
    await page.waitForURL(`${BASE_URL}/`);
    await waitReady(page);
    assert.equal((await page.locator('h1').innerText()).trim(), 'Missions board');
    assertNoErrors('navigation');
  });

  test('shows each target with rating, p_meet, Open SDG status, chart, data table and attribution', async () => {
    const { page } = browser;
    await open(page, `/missions/${encodeURIComponent(mission.id)}`);
    assert.equal((await page.locator('h1').innerText()).trim(), mission.title);
    assert.ok(missionTargets.length > 0, `mission ${mission.id} has targets`);

    for (const t of missionTargets) {
      const sec = page.locator(`section[data-target="${t.id}"]`);
      assert.equal(await sec.count(), 1, `section for target ${t.id}`);
      const h2 = (await sec.locator('h2').innerText()).trim();
      assert.ok(h2.endsWith(t.metric_name), `heading names the metric: ${h2}`);
      assert.ok(h2.includes(`by ${t.target.period}`), `heading names the target period: ${h2}`);
      assert.equal((await sec.locator('.gp-headline-status .govuk-tag').innerText()).trim(), RATING_WORDS[t.rating]);
      assert.equal((await sec.locator('[data-p-meet]').innerText()).trim(), fmtProbability(t.p_meet));
      assert.equal((await sec.locator('[data-open-sdg]').innerText()).trim(), OPEN_SDG_WORDS[t.open_sdg_status]);

      // The chart: drawn from the API's series, with a title and description.
      const chart = sec.locator('svg.gp-chart');
      assert.equal(await chart.count(), 1, `chart for ${t.id}`);
      assert.equal(await chart.getAttribute('role'), 'img');
      assert.equal(Number(await chart.getAttribute('data-actuals')), t.actuals.length);
      assert.equal(Number(await chart.getAttribute('data-trajectory')), t.trajectory_points.length);
      assert.equal(Number(await chart.getAttribute('data-fan')), t.fan.length);
      assert.equal(await chart.locator('.gp-chart__actual-point').count(), t.actuals.length);
      if (t.actuals.length > 1) {
        const d = await chart.locator('.gp-chart__actual-line').getAttribute('d');
        assert.ok(d && d.split(/[ML]/).filter(Boolean).length >= t.actuals.length, 'actuals line has a vertex per actual');
      }
      if (t.fan.length > 0) {
        assert.equal(await chart.locator('[data-series="pi80"]').count(), 1);
        assert.equal(await chart.locator('[data-series="pi95"]').count(), 1);
        assert.equal(await chart.locator('[data-series="forecast"]').count(), 1);
      }
      assert.equal(await chart.locator('[data-series="target"]').count(), 1, 'target marker');
      const titleText = await chart.locator('title').textContent();
      assert.ok(titleText.includes(t.metric_name));
      const desc = await chart.locator('desc').textContent();
      assert.ok(desc.includes(t.target.period), 'chart description names the target period');

      // The text alternative: a data table in a details component.
      const det = sec.locator('details.govuk-details').first();
      await det.locator('summary').click();
      const table = det.locator('table');
      assert.ok(await table.isVisible());
      for (const a of t.actuals) {
        const row = table.locator('tbody tr', { has: page.locator(`th:text-is("${a.period}")`) });
        assert.equal(await row.count(), 1, `data table row for ${a.period}`);
        const cells = await row.locator('td').allInnerTexts();
        assert.equal(cells[0].trim(), fmtNumber(a.value), `actual for ${a.period}`);
      }
      for (const f of t.fan) {
        const row = table.locator('tbody tr', { has: page.locator(`th:text-is("${f.period}")`) });
        const cells = await row.locator('td').allInnerTexts();
        assert.equal(cells[2].trim(), fmtNumber(f.mean), `forecast mean for ${f.period}`);
      }

      if (t.rebaselined) {
        const text = await sec.locator('.govuk-inset-text').innerText();
        assert.match(text, /Rebaselined/);
        if (t.rebaseline?.reason) assert.ok(text.includes(t.rebaseline.reason), 'rebaseline reason shown');
      }
      if (t.kind === 'floor' && Array.isArray(t.below_floor)) {
        const floorRows = sec.locator('table.gp-below-floor tbody tr');
        assert.equal(await floorRows.count(), t.below_floor.length, 'one row per breakdown below the floor');
        for (let i = 0; i < t.below_floor.length; i++) {
          assert.equal((await floorRows.nth(i).locator('th').innerText()).trim(), t.below_floor[i].breakdown);
        }
      }
    }

    // The poverty example, by value: the data table lists 2015 with 14.5.
    const poverty = missionTargets.find((t) => t.metric === 'poverty-rate');
    if (poverty) {
      const sec = page.locator(`section[data-target="${poverty.id}"]`);
      const row = sec.locator('table.gp-data-table tbody tr', { has: page.locator('th:text-is("2015")') });
      assert.equal((await row.locator('td').first().innerText()).trim(), '14.5');
    }

    if (mission.attribution) {
      assert.equal((await page.locator('[data-attribution]').innerText()).trim(), mission.attribution.trim());
    }

    await screenshot(page, 'mission');
    await assertAccessible(page, `the mission page ${mission.id} (details open)`);
    assertNoErrors('the mission page');
  });
});

describe('metric page', () => {
  test('shows the observations with sources, the breakdown filter and the CSV link', async () => {
    const { page } = browser;
    assert.ok(metricId, 'a metric to test');
    const metric = await apiGet(`/api/v1/metrics/${encodeURIComponent(metricId)}`);
    const obs = (await apiGet(`/api/v1/metrics/${encodeURIComponent(metricId)}/observations?breakdown=headline&history=1`)).observations;
    await open(page, `/metrics/${encodeURIComponent(metricId)}`);
    assert.equal((await page.locator('h1').innerText()).trim(), metric.metric.name);

    const rows = page.locator('table.gp-observations tbody tr');
    assert.equal(await rows.count(), Math.min(obs.length, 100), 'one row per headline observation');
    const shown = new Map();
    for (let i = 0; i < (await rows.count()); i++) {
      const period = (await rows.nth(i).locator('th').innerText()).trim();
      const cells = await rows.nth(i).locator('td').allInnerTexts();
      shown.set(period, cells);
    }
    for (const o of obs.slice(0, 100)) {
      const cells = shown.get(o.period);
      assert.ok(cells, `row for ${o.period}`);
      assert.equal(cells[0].trim(), fmtNumber(o.value), `value for ${o.period}`);
      if (o.source) {
        // The source cell links to the numbered source listed under the table.
        const ref = cells.find((c) => /^Source \d+$/.test(c.trim()));
        assert.ok(ref, `source reference for ${o.period}`);
        const n = ref.trim().split(' ')[1];
        assert.equal((await page.locator(`#source-${n}`).innerText()).trim(), o.source.trim(), `source of ${o.period}`);
      }
      const revised = (o.revisions ?? []).length;
      if (revised > 0) assert.ok(cells[cells.length - 1].includes(`${revised} earlier`), `revisions of ${o.period}`);
    }
    if (metricId === 'poverty-rate') assert.equal(shown.get('2015')?.[0].trim(), '14.5');

    // CSV download link, and the server answers it with CSV.
    const link = page.locator('a[data-csv]');
    const href = await link.getAttribute('href');
    assert.equal(href, `/api/v1/metrics/${encodeURIComponent(metricId)}/observations.csv`);
    const csv = await fetch(BASE_URL + href);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const firstLine = (await csv.text()).split(/\r?\n/)[0];
    assert.match(firstLine, /^period,value,lower,upper,n/);

    await screenshot(page, 'metric');
    await assertAccessible(page, `the metric page ${metricId}`);

    // The breakdown filter.
    const values = metric.breakdowns.flatMap((b) => b.values);
    if (values.length > 0) {
      const value = values[0];
      await page.locator('select#breakdown').selectOption(value);
      await page.locator('form.gp-filter button').click();
      await page.waitForURL((u) => u.searchParams.get('breakdown') === value);
      await waitReady(page);
      const expect = (await apiGet(`/api/v1/metrics/${encodeURIComponent(metricId)}/observations?breakdown=${encodeURIComponent(value)}&history=1`)).observations;
      const filtered = page.locator('table.gp-observations tbody tr');
      assert.equal(await filtered.count(), Math.min(expect.length, 100), `rows for breakdown ${value}`);
      if (expect.length > 0) {
        const cells = await filtered.first().locator('td').allInnerTexts();
        assert.equal(cells[0].trim(), value, 'breakdown column shows the chosen value');
      }
      assert.equal(await page.locator('select#breakdown').inputValue(), value);
      await screenshot(page, 'metric-breakdown');
      await assertAccessible(page, `the metric page ${metricId}, breakdown ${value}`);
    }
    assertNoErrors('the metric page');
  });
});

describe('revisions', () => {
  test('a revised observation shows its earlier values, sources and times', async (t) => {
    const token = process.env.GAMEPLAN_TOKEN;
    if (!token) {
      t.skip('no GAMEPLAN_TOKEN to post a revision with');
      return;
    }
    const { page } = browser;
    const enc = encodeURIComponent(metricId);
    const before = (await apiGet(`/api/v1/metrics/${enc}/observations?breakdown=headline&history=1`)).observations;
    const latest = before[before.length - 1];
    const post = async (value, source) => {
      const res = await fetch(`${BASE_URL}/api/v1/metrics/${enc}/observations?source=${encodeURIComponent(source)}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' },
        body: `period,value\n${latest.period},${value}\n`,
      });
      assert.equal(res.status, 200, `POST observations: ${await res.clone().text()}`);
      return res.json();
    };
    // Revise the latest headline value, then put the original back: two earlier values.
    const revised = Math.round((latest.value + 0.1) * 1000) / 1000;
    assert.equal((await post(revised, 'browser test: provisional figure')).revised, 1);
    assert.equal((await post(latest.value, latest.source)).revised, 1);
    const after = (await apiGet(`/api/v1/metrics/${enc}/observations?breakdown=headline&history=1`)).observations;
    const obs = after.find((o) => o.period === latest.period);
    assert.equal(obs.value, latest.value);
    assert.equal(obs.revisions.length, (latest.revisions ?? []).length + 2);

    await open(page, `/metrics/${enc}`);
    const row = page.locator('table.gp-observations tbody tr', { has: page.locator(`th:text-is("${latest.period}")`) });
    const det = row.locator('details');
    assert.equal((await det.locator('summary').innerText()).trim(), `${obs.revisions.length} earlier values`);
    await det.locator('summary').click();
    const items = await det.locator('li').allInnerTexts();
    assert.equal(items.length, obs.revisions.length);
    // Oldest first: the original value, then the provisional one.
    const n = items.length;
    assert.ok(items[n - 2].includes(fmtNumber(latest.value)), `first revision: ${items[n - 2]}`);
    assert.ok(items[n - 1].includes(fmtNumber(revised)), `second revision: ${items[n - 1]}`);
    // The revision's source is a numbered reference to the list under the table.
    const ref = /Source (\d+)/.exec(items[n - 1]);
    assert.ok(ref, `revision source reference: ${items[n - 1]}`);
    assert.equal((await page.locator(`#source-${ref[1]}`).innerText()).trim(), 'browser test: provisional figure');
    await screenshot(page, 'metric-revisions');
    await assertAccessible(page, 'the metric page with revisions open');
    assertNoErrors('the revisions');
  });
});

describe('rebaselining', () => {
  test('a rebaselined target shows the notice with its reason and the previous target', async (t) => {
    const token = process.env.GAMEPLAN_TOKEN;
    if (!token) {
      t.skip('no GAMEPLAN_TOKEN to apply a plan with');
      return;
    }
    const { page } = browser;
    // Another mission than the one the other tests look at, when there is one.
    const other = missions.find((m) => m.id !== mission.id) ?? mission;
    const enc = encodeURIComponent(other.id);
    const plan = await apiGet(`/api/v1/missions/${enc}/plan`);
    assert.ok(plan.targets.length > 0, `mission ${other.id} has a target`);
    const target = plan.targets[0];
    const previous = target.target.value;
    target.target.value = Math.round(previous * 0.9 * 100) / 100;
    const reason = 'Browser test: the target was tightened after the spending review.';
    const res = await fetch(`${BASE_URL}/api/v1/missions/${enc}/plan?reason=${encodeURIComponent(reason)}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(plan),
    });
    assert.equal(res.status, 200, `PUT plan: ${await res.text()}`);
    const st = (await apiGet(`/api/v1/missions/${enc}/status`)).targets.find((x) => x.id === target.id);
    assert.equal(st.rebaselined, true, 'the server reports the target as rebaselined');

    await open(page, `/missions/${enc}`);
    const notice = page.locator(`section[data-target="${target.id}"] .govuk-inset-text`);
    const text = await notice.innerText();
    assert.match(text, /Rebaselined/);
    assert.ok(text.includes(reason), `reason shown: ${text}`);
    assert.ok(text.includes(`target ${fmtNumber(previous)}`), `previous target shown: ${text}`);
    await screenshot(page, 'mission-rebaselined');
    await assertAccessible(page, `the rebaselined mission ${other.id}`);
    assertNoErrors('the rebaselined mission');
  });
});

describe('not found', () => {
  test('an unknown mission shows a GOV.UK "not found" page', async () => {
    const { page } = browser;
    await open(page, '/missions/no-such-mission-here');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Page not found');
    await screenshot(page, 'not-found');
    await assertAccessible(page, 'the not-found page');
    browser.errors.splice(0); // the failed API request logs a console error: expected
  });
});

describe('small screen', () => {
  test('the board, a mission page and a metric page work at 375 px wide', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      const pages = [
        ['board-mobile', '/'],
        ['mission-mobile', `/missions/${encodeURIComponent(mission.id)}`],
        ['metric-mobile', `/metrics/${encodeURIComponent(metricId)}`],
      ];
      for (const [name, urlPath] of pages) {
        await open(page, urlPath);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${urlPath}: no horizontal scrolling of the page (overflow ${overflow}px)`);
        await screenshot(page, name);
        await assertAccessible(page, `${urlPath} at 375 px`);
      }
    } finally {
      await page.setViewportSize({ width: 1100, height: 900 });
    }
    assertNoErrors('the small-screen pages');
  });
});
