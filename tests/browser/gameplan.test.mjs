// Browser tests of the game plan pages (issue 3) against a real `gameplan serve` (see
// run.sh): the theory-of-change graph drawn from the real plan (one node per plan node,
// one label per edge, colours from the weakest evidence feeding each node, recomputed
// here from the plan), a node's and an edge's details with their assumptions and tests,
// editing a link through the API token field (a new plan version); the assumptions board
// (every assumption in its importance × evidence cell with its rank and its tests); a
// simulation run from the form (fan chart, p_meet, tornado, what-if and contributions,
// compared with the API's answer for the same seed); plan versions and their comparison;
// small screens; and zero axe-core WCAG 2.2 AA violations on every page.
//
// The mission used is the one whose plan has the most nodes. When no plan has a theory of
// change yet (a demo database from before the example game plan was merged), and a token
// is available, the draft theory of change in examples/gameplans/poverty-graph.md is
// applied to the poverty mission first, as a fixture.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BASE_URL, ROOT, apiGet, axeViolations, fmtProbability, launch, open, screenshot, waitReady } from './lib.mjs';

const TOKEN = process.env.GAMEPLAN_TOKEN || '';
let browser;
let missionId;
let plan;

async function apiSend(method, urlPath, body, token = '') {
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(BASE_URL + urlPath, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The weakest evidence on any path into each node (null: nothing feeds it). */
function weakestEvidence(p) {
  const memo = new Map();
  const walk = (id) => {
    if (memo.has(id)) return memo.get(id);
    let w = null;
    for (const e of p.edges.filter((x) => x.to === id)) {
      const up = walk(e.from);
      const here = up === null ? e.evidence : Math.min(e.evidence, up);
      w = w === null ? here : Math.min(w, here);
    }
    memo.set(id, w);
    return w;
  };
  for (const n of p.nodes) walk(n.id);
  return memo;
}

async function assertAccessible(page, what) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe-core WCAG 2.2 AA violations on ${what}:\n${violations.join('\n')}`);
}

/** 404 answers the browser saw, by URL path (see assertNoErrors). */
const notFound = [];

/**
 * No page errors and no console errors. The one expected failure: GET …/simulation is 404
 * when no run is stored (the API's contract; visitors' runs are not stored), which the
 * browser logs as a failed resource load. Such a log line is ignored when every 404 the
 * browser saw since the last check was that request.
 */
function assertNoErrors(what) {
  let errs = browser.errors.splice(0);
  const seen = notFound.splice(0);
  if (seen.length > 0 && seen.every((p) => /^\/api\/v1\/missions\/[^/]+\/simulation$/.test(p))) {
    errs = errs.filter((e) => !/Failed to load resource: the server responded with a status of 404/.test(e));
  }
  assert.deepEqual(errs, [], `errors in the browser on ${what}`);
}

before(async () => {
  const missions = (await apiGet('/api/v1/missions')).missions;
  const plans = await Promise.all(missions.map(async (m) => [m.id, await apiGet(`/api/v1/missions/${encodeURIComponent(m.id)}/plan`)]));
  // The richest theory of change: most edges, among plans with targets to simulate.
  const score = (p) => ((p.targets?.length ?? 0) > 0 ? (p.edges?.length ?? 0) * 1000 + (p.nodes?.length ?? 0) : -1);
  plans.sort((a, b) => score(b[1]) - score(a[1]));
  if ((plans[0]?.[1].edges?.length ?? 0) === 0 && TOKEN && missions.some((m) => m.id === 'poverty')) {
    const md = fs.readFileSync(path.join(ROOT, 'examples', 'gameplans', 'poverty-graph.md'), 'utf8');
    const block = JSON.parse(md.split('```json')[1].split('```')[0]);
    const base = plans.find(([id]) => id === 'poverty')[1];
    const res = await apiSend('PUT', `/api/v1/missions/poverty/plan?reason=${encodeURIComponent('Browser tests: theory of change from examples/gameplans/poverty-graph.md')}`, { ...base, ...block }, TOKEN);
    assert.equal(res.status, 200, `PUT the fixture plan: ${JSON.stringify(res.body)}`);
    plans.unshift(['poverty', await apiGet('/api/v1/missions/poverty/plan')]);
  }
  [missionId, plan] = plans[0];
  for (const k of ['nodes', 'edges', 'assumptions', 'tests', 'targets']) plan[k] = plan[k] ?? [];
  browser = await launch();
  browser.page.on('response', (r) => {
    if (r.status() === 404) notFound.push(new URL(r.url()).pathname);
  });
});

after(async () => {
  await browser?.close();
});

const enc = (s) => encodeURIComponent(s);

describe('theory of change', () => {
  test('draws the real plan as a graph, with its evidence colours and the same content as tables', async (t) => {
    if (!plan.nodes.length) {
      t.skip('no mission has a theory of change (and no token to apply one)');
      return;
    }
    const { page } = browser;
    await open(page, `/missions/${enc(missionId)}/plan`);
    assert.equal((await page.locator('h1').innerText()).trim(), 'Theory of change');
    const svg = page.locator('svg.gp-toc');
    assert.equal(Number(await svg.getAttribute('data-nodes')), plan.nodes.length);
    assert.equal(Number(await svg.getAttribute('data-edges')), plan.edges.length);
    assert.equal(await svg.locator('g[data-node]').count(), plan.nodes.length, 'one drawn node per plan node');
    assert.equal(await svg.locator('g.gp-toc__label').count(), plan.edges.length, 'one label per edge');
    assert.equal(await svg.locator('.gp-toc__edge-line').count(), plan.edges.length, 'one line per edge');
    const weakest = weakestEvidence(plan);
    for (const n of plan.nodes) {
      const g = svg.locator(`g[data-node="${n.id}"]`);
      assert.equal(await g.count(), 1, `node ${n.id} drawn`);
      const cls = await g.getAttribute('class');
      const w = weakest.get(n.id);
      const expected = n.kind === 'activity' || w === null ? 'gp-ev-none' : `gp-ev-${w}`;
      assert.ok(cls.split(' ').includes(expected), `node ${n.id} coloured ${expected}: ${cls}`);
      // Colour is not the only cue: the node says its level in words.
      if (n.kind !== 'activity' && w !== null) assert.match(await g.innerHTML(), new RegExp(`evidence ${w}`));
      const [x, y] = (await g.getAttribute('transform')).match(/-?[\d.]+/g).map(Number);
      assert.ok(Number.isFinite(x) && Number.isFinite(y), `node ${n.id} placed`);
    }
    // Layered from left to right: every edge goes to a node further right.
    const xOf = async (id) => Number((await svg.locator(`g[data-node="${id}"]`).getAttribute('transform')).match(/-?[\d.]+/)[0]);
    for (const e of plan.edges.slice(0, 12)) assert.ok((await xOf(e.to)) > (await xOf(e.from)), `${e.from} -> ${e.to} goes right`);
    // Edge labels carry effect and evidence.
    const e0 = plan.edges[0];
    const label = await svg.locator(`g.gp-toc__label[data-edge="${e0.from}->${e0.to}"]`).textContent();
    assert.match(label, new RegExp(`E${e0.evidence}$`));
    // The text legend names the five levels.
    const legend = await page.locator('.gp-ev-legend').innerText();
    for (let l = 1; l <= 5; l++) assert.match(legend, new RegExp(`Level ${l}:`));
    // The tables: a row per node and per edge.
    assert.equal(await page.locator('table.gp-toc-nodes tbody tr').count(), plan.nodes.length);
    assert.equal(await page.locator('table.gp-toc-edges tbody tr').count(), plan.edges.length);
    await screenshot(page, 'toc');
    await assertAccessible(page, 'the theory-of-change page');
    assertNoErrors('the theory-of-change page');
  });

  test('a node opens its details, assumptions and tests; an edge and the keyboard too', async (t) => {
    if (!plan.edges.length) {
      t.skip('no theory of change with links');
      return;
    }
    const { page } = browser;
    await open(page, `/missions/${enc(missionId)}/plan`);
    // A node with an assumption (that has a test, when there is one).
    const on = (plan.assumptions ?? []).map((a) => a.on).filter((o) => o.startsWith('node:'));
    const tested = new Set((plan.tests ?? []).map((x) => x.assumption));
    const withTest = (plan.assumptions ?? []).find((a) => a.on.startsWith('node:') && tested.has(a.id));
    const nodeId = (withTest?.on ?? on[0] ?? `node:${plan.nodes[0].id}`).slice(5);
    await page.locator(`svg.gp-toc g[data-node="${nodeId}"]`).click();
    const heading = page.locator('#selected-heading');
    assert.equal(await heading.getAttribute('data-selected'), `node:${nodeId}`);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'selected-heading', 'focus moves to the details');
    assert.ok(page.url().endsWith(`?node=${enc(nodeId)}`), `URL names the node: ${page.url()}`);
    const node = plan.nodes.find((n) => n.id === nodeId);
    if (node.label) assert.ok((await heading.innerText()).includes(node.label.trim()));
    const assumptions = plan.assumptions.filter((a) => a.on === `node:${nodeId}`);
    const shown = await page.locator('#selected .gp-assumption').evaluateAll((els) => els.map((e) => e.dataset.assumption));
    assert.deepEqual(shown, assumptions.map((a) => a.id), 'the node’s assumptions');
    for (const a of assumptions) {
      const tests = plan.tests.filter((x) => x.assumption === a.id).map((x) => x.id);
      const listed = await page.locator(`#selected .gp-assumption[data-assumption="${a.id}"] li.gp-test`).evaluateAll((els) => els.map((e) => e.dataset.test));
      assert.deepEqual(listed, tests, `tests of ${a.id}`);
    }
    assert.equal(await page.locator(`svg.gp-toc g[data-node="${nodeId}"]`).getAttribute('aria-pressed'), 'true');
    await screenshot(page, 'toc-node');
    await assertAccessible(page, 'the theory-of-change page with a node selected');

    // An edge, by keyboard: focus its label and press Enter.
    const edge = plan.edges.find((e) => plan.assumptions.some((a) => a.on === `edge:${e.from}->${e.to}`)) ?? plan.edges[0];
    await page.locator(`svg.gp-toc g.gp-toc__label[data-edge="${edge.from}->${edge.to}"]`).focus();
    await page.keyboard.press('Enter');
    assert.equal(await heading.getAttribute('data-selected'), `edge:${edge.from}->${edge.to}`);
    const details = await page.locator('#selected').innerText();
    assert.match(details, new RegExp(`Level ${edge.evidence}:`), 'evidence level in words');
    const edgeAssumptions = plan.assumptions.filter((a) => a.on === `edge:${edge.from}->${edge.to}`).map((a) => a.id);
    assert.deepEqual(
      await page.locator('#selected .gp-assumption').evaluateAll((els) => els.map((e) => e.dataset.assumption)),
      edgeAssumptions,
    );
    // From the table: the accessible alternative selects too.
    const other = plan.nodes[plan.nodes.length - 1];
    await page.locator('table.gp-toc-nodes tbody tr').last().locator('button').click();
    assert.equal(await heading.getAttribute('data-selected'), `node:${other.id}`);
    await screenshot(page, 'toc-edge-table');
    await assertAccessible(page, 'the theory-of-change page after selecting from the table');
    // Reloading the URL keeps the selection.
    await open(page, `/missions/${enc(missionId)}/plan?edge=${enc(`${edge.from}->${edge.to}`)}`);
    assert.equal(await page.locator('#selected-heading').getAttribute('data-selected'), `edge:${edge.from}->${edge.to}`);
    assertNoErrors('selecting nodes and edges');
  });
});

describe('assumptions board', () => {
  test('places every assumption by importance and evidence, with its status, rank and tests', async (t) => {
    if (!plan.assumptions?.length) {
      t.skip('the plan has no assumptions');
      return;
    }
    const { page } = browser;
    await open(page, `/missions/${enc(missionId)}/assumptions`);
    assert.equal((await page.locator('h1').innerText()).trim(), 'Assumptions');
    const board = page.locator('table.gp-aboard');
    assert.equal(await board.locator('li.gp-acard').count(), plan.assumptions.length, 'every assumption once');
    // The ranks the page used: the stored run of the current version, else its own run.
    const current = (await apiGet(`/api/v1/missions/${enc(missionId)}`)).mission.plan_version;
    let sim = await apiSend('GET', `/api/v1/missions/${enc(missionId)}/simulation`);
    if (sim.status !== 200 || sim.body.plan_version !== current) {
      sim = await apiSend('POST', `/api/v1/missions/${enc(missionId)}/simulate`, { draws: 10000, seed: 1 });
    }
    assert.equal(sim.status, 200, 'a simulation for the ranks');
    const ranks = new Map(sim.body.assumptions.map((a) => [a.id, a.priority_rank]));
    for (const a of plan.assumptions) {
      const cell = board.locator(`td[data-importance="${a.importance}"][data-evidence="${a.evidence}"]`);
      const card = cell.locator(`li[data-assumption="${a.id}"]`);
      assert.equal(await card.count(), 1, `${a.id} in the cell importance ${a.importance}, evidence ${a.evidence}`);
      const text = await card.innerText();
      assert.match(text, new RegExp(a.status, 'i'), `status of ${a.id}`);
      assert.equal(Number(await card.getAttribute('data-rank')), ranks.get(a.id), `rank of ${a.id}`);
      assert.ok(text.includes(`#${ranks.get(a.id)}`), `rank shown for ${a.id}`);
      const tests = plan.tests.filter((x) => x.assumption === a.id).map((x) => x.id);
      assert.deepEqual(await card.locator('li[data-test]').evaluateAll((els) => els.map((e) => e.dataset.test)), tests, `tests of ${a.id}`);
      // The full entry below the board, with its tests.
      const full = page.locator(`#assumption-${a.id}`);
      assert.ok((await full.innerText()).includes(a.text), `full text of ${a.id}`);
      assert.equal(await full.locator('li.gp-test').count(), tests.length);
    }
    // In rank order below the board.
    const order = await page.locator('.gp-assumption-full').evaluateAll((els) => els.map((e) => e.id.replace(/^assumption-/, '')));
    assert.deepEqual(order, [...plan.assumptions].sort((a, b) => ranks.get(a.id) - ranks.get(b.id)).map((a) => a.id));
    await screenshot(page, 'assumptions');
    await assertAccessible(page, 'the assumptions board');
    // "About" opens the theory of change with the assumption's node or link selected.
    const firstA = order[0];
    const on = plan.assumptions.find((a) => a.id === firstA).on;
    await page.locator(`#assumption-${firstA} dd a`).first().click();
    await page.waitForURL((u) => u.pathname.endsWith('/plan'));
    await waitReady(page);
    assert.equal(await page.locator('#selected-heading').getAttribute('data-selected'), on);
    assert.equal(await page.locator(`#selected .gp-assumption[data-assumption="${firstA}"]`).count(), 1);
    assertNoErrors('the assumptions board');
  });
});

describe('simulation', () => {
  test('runs from the form and shows the fan chart, p_meet, over-programming, tornado, what-if and contributions', async () => {
    const { page } = browser;
    await open(page, `/missions/${enc(missionId)}/simulation`);
    assert.equal((await page.locator('h1').innerText()).trim(), 'Simulation');
    // The form may be inside a closed details (when a stored run is shown).
    const det = page.locator('details:has(> .govuk-details__text > form.gp-sim-form)');
    if ((await det.count()) > 0 && !(await det.evaluate((d) => d.open))) await det.locator('> summary').click();
    await page.locator('#sim-draws').fill('5000');
    await page.locator('#sim-seed').fill('7');
    await page.locator('form.gp-sim-form button[type="submit"]').click();
    await page.waitForURL((u) => u.searchParams.get('run') === '1' && u.searchParams.get('seed') === '7');
    await waitReady(page);
    const res = await apiSend('POST', `/api/v1/missions/${enc(missionId)}/simulate`, { draws: 5000, seed: 7, confidence: 0.8 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const sim = res.body;
    assert.equal(Number(await page.locator('section.gp-sim').getAttribute('data-draws')), 5000);
    for (const t of sim.targets) {
      const card = page.locator(`[data-sim-target="${t.id}"]`);
      assert.equal((await card.locator('[data-p-meet]').innerText()).trim(), fmtProbability(t.p_meet), `p_meet of ${t.id}`);
      assert.equal(Number(await card.locator('[data-p-meet-se]').getAttribute('data-p-meet-se')), t.p_meet_se, `p_meet se of ${t.id}`);
    }
    assert.equal(await page.locator('table.gp-sim-targets tbody tr').count(), sim.targets.length);
    assert.match(await page.locator('section.gp-sim').innerText(), /Over-programming/);
    // Fan chart: one per metric, a point per simulated period, the bands and the targets.
    const metrics = [...new Set(sim.trajectory.map((p) => p.metric))];
    for (const m of metrics) {
      const fan = page.locator(`section[data-fan-metric="${m}"] svg.gp-fan`);
      assert.equal(await fan.count(), 1, `fan chart of ${m}`);
      assert.equal(Number(await fan.getAttribute('data-periods')), sim.trajectory.filter((p) => p.metric === m).length);
      for (const band of ['p5-p95', 'p10-p90', 'p25-p75', 'median']) {
        assert.equal(await fan.locator(`[data-series="${band}"]`).count(), 1, `${band} of ${m}`);
      }
      const targets = plan.targets.filter((t) => t.metric === m);
      assert.equal(await fan.locator('[data-series^="target:"]').count(), targets.length, 'a marker per target');
      assert.equal(await fan.locator('[data-series^="trajectory:"]').count(), targets.length, 'a trajectory per target');
      assert.equal(await page.locator(`section[data-fan-metric="${m}"] table.gp-fan-table tbody tr`).count(), sim.trajectory.filter((p) => p.metric === m).length);
    }
    // Tornado: the largest shares, largest first; all of them in the table.
    if (sim.sensitivity.length > 0) {
      const tornado = page.locator('svg.gp-tornado');
      assert.equal(Number(await tornado.getAttribute('data-bars')), Math.min(12, sim.sensitivity.length));
      assert.equal(await page.locator('table.gp-sens-table tbody tr').count(), sim.sensitivity.length);
      const top = [...sim.sensitivity].sort((a, b) => b.variance_share - a.variance_share)[0];
      assert.ok((await page.locator('table.gp-sens-table tbody tr').first().textContent()).includes(top.input), 'largest share first');
    }
    // What if an assumption fails: a row per assumption in rank order.
    const whatif = page.locator('table.gp-whatif-table tbody tr');
    assert.equal(await whatif.count(), sim.assumptions.length);
    const byRank = [...sim.assumptions].sort((a, b) => a.priority_rank - b.priority_rank);
    for (let i = 0; i < byRank.length; i++) {
      const cells = await whatif.nth(i).locator('td').allInnerTexts();
      assert.equal(cells[0].trim(), String(byRank[i].priority_rank));
      assert.ok(cells[1].includes(byRank[i].id));
      assert.ok(cells[4].startsWith(fmtProbability(byRank[i].p_meet_if_fails)), `p_meet if ${byRank[i].id} fails: ${cells[4]}`);
    }
    // What the tests taught (when a finished test has an estimate).
    const updates = sim.learning?.updates ?? [];
    assert.equal(await page.locator('table.gp-learning-updates tbody tr').count(), updates.length);
    if (updates.length > 0) assert.equal(await page.locator('table.gp-learning-targets tbody tr').count(), sim.learning.targets.length);
    // Contributions per activity at the main target's period.
    const primary = sim.targets.find((t) => t.id === sim.primary_target) ?? sim.targets[0];
    const contribs = sim.contributions.filter((c) => c.period === primary.period);
    assert.equal(await page.locator('table.gp-contrib-table tbody tr').count(), contribs.length);
    await screenshot(page, 'simulation');
    await assertAccessible(page, 'the simulation page');
    assertNoErrors('the simulation page');
  });

  test('refuses more than 20,000 draws without a token, in words', async () => {
    const { page } = browser;
    await page.evaluate(() => sessionStorage.removeItem('gameplan.apiToken'));
    await open(page, `/missions/${enc(missionId)}/simulation?run=1&draws=50000&seed=1`);
    const summary = page.locator('.govuk-error-summary');
    assert.equal(await summary.count(), 1);
    assert.match(await summary.innerText(), /at most 20,000 draws/);
    await assertAccessible(page, 'the simulation page with an error');
    browser.errors.splice(0); // the 422 answer is logged: expected
    notFound.splice(0);
  });
});

describe('simulation with a token', () => {
  test('the token typed into the form allows more draws and never enters the address', async (t) => {
    if (!TOKEN) {
      t.skip('no GAMEPLAN_TOKEN');
      return;
    }
    const { page } = browser;
    await open(page, `/missions/${enc(missionId)}/simulation`);
    await page.evaluate(() => sessionStorage.removeItem('gameplan.apiToken'));
    const det = page.locator('details:has(> .govuk-details__text > form.gp-sim-form)');
    if ((await det.count()) > 0 && !(await det.evaluate((d) => d.open))) await det.locator('> summary').click();
    await page.locator('#sim-draws').fill('30000');
    await page.locator('#sim-seed').fill('2');
    await page.locator('form.gp-sim-form details summary').click();
    await page.locator('#sim-token').fill(TOKEN);
    await page.locator('form.gp-sim-form button[type="submit"]').click();
    await page.waitForURL((u) => u.searchParams.get('draws') === '30000');
    await waitReady(page);
    assert.ok(!page.url().includes(TOKEN), 'no token in the address');
    assert.equal(Number(await page.locator('section.gp-sim').getAttribute('data-draws')), 30000);
    // A run with a token is stored: the page without ?run shows it.
    await open(page, `/missions/${enc(missionId)}/simulation`);
    assert.equal(await page.locator('[data-run]').getAttribute('data-run'), 'stored');
    assert.equal(Number(await page.locator('section.gp-sim').getAttribute('data-draws')), 30000);
    await assertAccessible(page, 'the simulation page showing the stored run');
    assertNoErrors('the simulation with a token');
  });
});

describe('plan versions', () => {
  test('lists every version, opens an earlier one, and compares p_meet between two', async () => {
    const { page } = browser;
    const versions = (await apiGet(`/api/v1/missions/${enc(missionId)}/plan/versions`)).versions;
    await open(page, `/missions/${enc(missionId)}/versions`);
    assert.equal((await page.locator('h1').innerText()).trim(), 'Plan versions');
    const rows = page.locator('table.gp-versions-table tbody tr');
    assert.equal(await rows.count(), versions.length);
    const newest = [...versions].reverse();
    for (let i = 0; i < newest.length; i++) {
      const v = newest[i];
      assert.equal((await rows.nth(i).locator('th').innerText()).split('\n')[0].trim(), String(v.version));
      const cells = await rows.nth(i).locator('td').allInnerTexts();
      assert.equal(cells[1].trim(), v.actor);
      if (v.reason) assert.equal(cells[2].trim(), v.reason);
    }
    await screenshot(page, 'versions');
    await assertAccessible(page, 'the plan versions page');
    if (versions.length < 2) return;

    // The plan as of the first version.
    const first = versions[0].version;
    await rows.last().locator('a', { hasText: 'Theory of change' }).click();
    await page.waitForURL((u) => u.searchParams.get('version') === String(first));
    await waitReady(page);
    assert.equal(await page.locator('[data-version]').getAttribute('data-version'), String(first));
    const old = await apiGet(`/api/v1/missions/${enc(missionId)}/plan?version=${first}`);
    assert.equal(await page.locator('svg.gp-toc g[data-node]').count(), old.nodes?.length ?? 0);
    assert.equal(await page.locator('form.gp-edit-form').count(), 0, 'a former version cannot be edited');
    await screenshot(page, 'toc-version');
    await assertAccessible(page, 'a former version of the plan');

    // Compare the first and the last version with the same seed.
    const last = versions[versions.length - 1].version;
    await open(page, `/missions/${enc(missionId)}/versions`);
    await page.locator('#cmp-a').selectOption(String(first));
    await page.locator('#cmp-b').selectOption(String(last));
    await page.locator('#cmp-draws').fill('4000');
    await page.locator('#cmp-seed').fill('3');
    await page.locator('form.gp-sim-form button[type="submit"]').click();
    await page.waitForURL((u) => u.searchParams.get('a') === String(first) && u.searchParams.get('b') === String(last));
    await waitReady(page);
    const [sa, sb] = await Promise.all(
      [first, last].map(async (v) => (await apiSend('POST', `/api/v1/missions/${enc(missionId)}/simulate`, { version: v, draws: 4000, seed: 3 })).body),
    );
    const cmp = page.locator('table.gp-compare-table tbody tr');
    const ids = [...new Set([...sa.targets.map((x) => x.id), ...sb.targets.map((x) => x.id)])];
    assert.equal(await cmp.count(), ids.length);
    for (let i = 0; i < ids.length; i++) {
      const ta = sa.targets.find((x) => x.id === ids[i]);
      const tb = sb.targets.find((x) => x.id === ids[i]);
      const cells = await cmp.nth(i).locator('td').allInnerTexts();
      if (ta) assert.ok(cells[0].startsWith(fmtProbability(ta.p_meet)), `version ${first} p_meet of ${ids[i]}: ${cells[0]}`);
      if (tb) assert.ok(cells[1].startsWith(fmtProbability(tb.p_meet)), `version ${last} p_meet of ${ids[i]}: ${cells[1]}`);
      if (ta && tb) {
        const diff = Number(await cmp.nth(i).locator('[data-diff]').getAttribute('data-diff'));
        assert.ok(Math.abs(diff - (tb.p_meet - ta.p_meet)) < 1e-12, `change of ${ids[i]}`);
      }
    }
    await screenshot(page, 'versions-compare');
    await assertAccessible(page, 'the version comparison');
    assertNoErrors('the plan versions');
  });
});

describe('editing the plan', () => {
  test('a link edited through the form with the API token becomes a new plan version', async (t) => {
    if (!TOKEN || !plan.edges?.length) {
      t.skip(TOKEN ? 'no edges to edit' : 'no GAMEPLAN_TOKEN to edit with');
      return;
    }
    const { page } = browser;
    const before = (await apiGet(`/api/v1/missions/${enc(missionId)}/plan/versions`)).versions;
    const edge = plan.edges[0];
    const newEvidence = edge.evidence === 5 ? 4 : edge.evidence + 1;
    await open(page, `/missions/${enc(missionId)}/plan?edge=${enc(`${edge.from}->${edge.to}`)}`);
    await page.locator('#selected details:has(form[data-edit="edit-edge"]) > summary').click();
    await page.locator('#edit-edge-evidence').selectOption(String(newEvidence));
    // Without a token: an error summary that links to the token field.
    await page.evaluate(() => sessionStorage.removeItem('gameplan.apiToken'));
    await page.locator('#edit-edge-token').fill('');
    await page.locator('#edit-edge-reason').fill('Browser test: evidence reviewed');
    await page.locator('form[data-edit="edit-edge"] button[type="submit"]').click();
    assert.match(await page.locator('.govuk-error-summary').innerText(), /API token/);
    await screenshot(page, 'toc-edit-error');
    await assertAccessible(page, 'the edit form with an error');
    await page.locator('#edit-edge-token').fill(TOKEN);
    await page.locator('form[data-edit="edit-edge"] button[type="submit"]').click();
    const banner = page.locator('.govuk-notification-banner--success');
    await banner.waitFor();
    const saved = Number(await banner.locator('[data-saved-version]').getAttribute('data-saved-version'));
    assert.equal(saved, before[before.length - 1].version + 1);
    const after = await apiGet(`/api/v1/missions/${enc(missionId)}/plan`);
    const changed = after.edges.find((e) => e.from === edge.from && e.to === edge.to);
    assert.equal(changed.evidence, newEvidence, 'the server has the new evidence level');
    assert.deepEqual(changed.effect, edge.effect, 'the effect is unchanged');
    assert.equal(after.nodes.length, plan.nodes.length, 'the rest of the plan is kept');
    const versions = (await apiGet(`/api/v1/missions/${enc(missionId)}/plan/versions`)).versions;
    assert.equal(versions[versions.length - 1].reason, 'Browser test: evidence reviewed');
    // The token stays for this tab only.
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gameplan.apiToken')), TOKEN);
    // The graph shows the new level.
    assert.match(await page.locator(`svg.gp-toc g.gp-toc__label[data-edge="${edge.from}->${edge.to}"]`).textContent(), new RegExp(`E${newEvidence}$`));
    await screenshot(page, 'toc-edited');
    await assertAccessible(page, 'the theory of change after an edit');

    // An assumption's status, from the same panel (the token is remembered for the tab).
    const a = after.assumptions.find((x) => x.on.startsWith('edge:') && x.status !== 'testing');
    if (a) {
      const [from, to] = a.on.slice(5).split('->');
      await open(page, `/missions/${enc(missionId)}/plan?edge=${enc(`${from}->${to}`)}`);
      const block = page.locator(`#selected .gp-assumption[data-assumption="${a.id}"]`);
      await block.locator('details summary').click();
      await block.locator('select[id$="-status"]').selectOption('testing');
      assert.equal(await block.locator('input[id$="-token"]').inputValue(), TOKEN, 'token remembered in this tab');
      await block.locator('button[type="submit"]').click();
      await page.locator('.govuk-notification-banner--success').waitFor();
      const now = await apiGet(`/api/v1/missions/${enc(missionId)}/plan`);
      assert.equal(now.assumptions.find((x) => x.id === a.id).status, 'testing');
      assert.equal(now.assumptions.find((x) => x.id === a.id).text, a.text);
      assert.match(await page.locator(`#selected .gp-assumption[data-assumption="${a.id}"]`).innerText(), /Testing/);
      plan = now;
    } else {
      plan = after;
    }
    assertNoErrors('editing the plan');
  });
});

describe('game plan pages on a small screen', () => {
  test('theory of change, assumptions, simulation and versions work at 375 px wide', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      const pages = [
        ['toc-mobile', `/missions/${enc(missionId)}/plan`],
        ['assumptions-mobile', `/missions/${enc(missionId)}/assumptions`],
        ['simulation-mobile', `/missions/${enc(missionId)}/simulation?run=1&draws=2000&seed=1`],
        ['versions-mobile', `/missions/${enc(missionId)}/versions`],
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
    assertNoErrors('the small-screen game plan pages');
  });
});
