// Browser tests of adding and deleting nodes and links in the theory-of-change editor
// (/missions/{id}/plan) against a real `gameplan serve` (see run.sh), with the API token:
// starting from a plan with no theory of change, add an activity (every field the plan
// file has for one), an output and a link with its effect distribution, each saved as a
// new plan version and checked in the API's plan; reload and see them in the graph and the
// tables; a link that would close a cycle is refused by the server and its message and
// JSON path are shown in an error summary linking to the field; a bad id is refused in the
// page without a request; a link and then a node (with its links, assumptions and their
// tests) are deleted after a confirmation. axe-core finds nothing at each step. The plan
// is restored at the end.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, apiGet, axeViolations, launch, open, screenshot, waitReady } from './lib.mjs';

const TOKEN = process.env.GAMEPLAN_TOKEN || '';
let browser;
let missionId;
let original;
/** PUT …/plan requests the browser sent. */
const puts = [];
const enc = (s) => encodeURIComponent(s);

async function apiPut(urlPath, body) {
  const res = await fetch(BASE_URL + urlPath, {
    method: 'PUT',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const planOf = () => apiGet(`/api/v1/missions/${enc(missionId)}/plan`);
const versionsOf = async () => (await apiGet(`/api/v1/missions/${enc(missionId)}/plan/versions`)).versions;

async function assertAccessible(page, what) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe-core WCAG 2.2 AA violations on ${what}:\n${violations.join('\n')}`);
}

/** Opens the details that holds the form `data-edit=name`, if closed. */
async function openForm(page, name) {
  const det = page.locator(`details:has(form[data-edit="${name}"])`);
  assert.equal(await det.count(), 1, `the ${name} form`);
  if (!(await det.evaluate((d) => d.open))) await det.locator('> summary').click();
  return page.locator(`form[data-edit="${name}"]`);
}

/** Submits a form and waits for the success banner; returns the saved version. */
async function submitAndWait(page, form, button = 'button[type="submit"]:visible') {
  const before = puts.length;
  await form.locator(button).first().click();
  const banner = page.locator('.govuk-notification-banner--success');
  await banner.waitFor({ timeout: 15000 });
  assert.equal(puts.length, before + 1, 'one PUT of the plan');
  return Number(await banner.locator('[data-saved-version]').getAttribute('data-saved-version'));
}

before(async () => {
  const missions = (await apiGet('/api/v1/missions')).missions;
  const plans = await Promise.all(missions.map(async (m) => [m.id, await apiGet(`/api/v1/missions/${enc(m.id)}/plan`)]));
  // A mission with targets and no theory of change yet (the demo has several); else the smallest.
  plans.sort((a, b) => (a[1].nodes?.length ?? 0) - (b[1].nodes?.length ?? 0) || (b[1].targets?.length ?? 0) - (a[1].targets?.length ?? 0));
  [missionId, original] = plans[0];
  browser = await launch();
  browser.page.on('request', (r) => {
    if (r.method() === 'PUT' && /\/api\/v1\/missions\/[^/]+\/plan$/.test(new URL(r.url()).pathname)) puts.push(r.url());
  });
});

after(async () => {
  // Put the plan back as it was (a new version with the original content).
  if (TOKEN && missionId && original) await apiPut(`/api/v1/missions/${enc(missionId)}/plan?reason=${enc('Browser tests: restore the plan')}`, original);
  await browser?.close();
});

describe('editing the theory of change', () => {
  test('add an activity, an output and a link; reload and see them; a cycle is refused; delete a link and a node', async (t) => {
    if (!TOKEN) {
      t.skip('no GAMEPLAN_TOKEN to edit with');
      return;
    }
    const { page } = browser;
    const nodes0 = original.nodes?.length ?? 0;
    await open(page, `/missions/${enc(missionId)}/plan`);
    await page.evaluate(() => sessionStorage.removeItem('gameplan.apiToken'));
    if (nodes0 === 0) assert.match(await page.locator('main').innerText(), /no theory of change yet/);

    // A bad id is refused in the page: nothing is sent.
    let form = await openForm(page, 'add-node');
    await form.locator('#add-node-id').fill('Bad Id');
    await form.locator('#add-node-token').fill(TOKEN);
    await form.locator('button[type="submit"]').click();
    let summary = form.locator('.govuk-error-summary');
    assert.equal(await summary.locator('a').getAttribute('href'), '#add-node-id');
    assert.match(await summary.innerText(), /1 to 64 characters/);
    assert.match(await page.locator('.govuk-form-group:has(#add-node-id)').getAttribute('class'), /govuk-form-group--error/);
    assert.equal(puts.length, 0, 'nothing sent');
    await assertAccessible(page, 'the add-node form with an error');

    // An activity with every field.
    const v0 = (await versionsOf()).at(-1).version;
    await form.locator('#add-node-id').fill('ui-test-activity');
    await form.locator('#add-node-kind').selectOption('activity');
    await form.locator('#add-node-label').fill('UI test: an activity');
    await form.locator('#add-node-stage').selectOption('test');
    await form.locator('#add-node-cost').fill('1,500,000');
    await form.locator('#add-node-start').fill('2025');
    await form.locator('#add-node-ramp').fill('2');
    await form.locator('#add-node-delivery-dist').selectOption('beta');
    await form.locator('#add-node-delivery-a').fill('8');
    await form.locator('#add-node-delivery-b').fill('2');
    await form.locator('#add-node-sources').fill('A source\nAnother source');
    await form.locator('#add-node-reason').fill('Browser test: add an activity');
    assert.equal(await submitAndWait(page, form), v0 + 1);
    let plan = await planOf();
    assert.deepEqual(plan.nodes.find((n) => n.id === 'ui-test-activity'), {
      id: 'ui-test-activity',
      kind: 'activity',
      label: 'UI test: an activity',
      cost: 1500000,
      stage: 'test',
      start: '2025',
      ramp: 2,
      delivery: { dist: 'beta', a: 8, b: 2 },
      sources: ['A source', 'Another source'],
    });
    assert.equal((await versionsOf()).at(-1).reason, 'Browser test: add an activity');
    assert.equal(await page.locator('#selected-heading').getAttribute('data-selected'), 'node:ui-test-activity', 'the new node is selected');
    assert.equal(new URL(page.url()).searchParams.get('node'), 'ui-test-activity');
    assert.equal(await page.locator('svg.gp-toc g[data-node]').count(), nodes0 + 1);
    await screenshot(page, 'toc-add-node');
    await assertAccessible(page, 'the theory of change after adding a node');

    // An output (its kind changes the fields: no cost, a metric instead).
    form = await openForm(page, 'add-node');
    await form.locator('#add-node-kind').selectOption('output');
    assert.equal(await form.locator('#add-node-cost').count(), 0, 'an output has no cost');
    await form.locator('#add-node-id').fill('ui-test-output');
    await form.locator('#add-node-label').fill('UI test: an output');
    assert.equal(await form.locator('#add-node-token').inputValue(), TOKEN, 'the token is remembered in this tab');
    await submitAndWait(page, form);
    plan = await planOf();
    assert.deepEqual(plan.nodes.find((n) => n.id === 'ui-test-output'), { id: 'ui-test-output', kind: 'output', label: 'UI test: an output' });

    // A link between them, with its effect distribution.
    form = await openForm(page, 'add-edge');
    await form.locator('#add-edge-from').selectOption('ui-test-activity');
    await form.locator('#add-edge-to').selectOption('ui-test-output');
    await form.locator('#add-edge-effect-dist').selectOption('normal');
    await form.locator('#add-edge-effect-mean').fill('0.5');
    await form.locator('#add-edge-effect-sd').fill('0.1');
    await form.locator('#add-edge-lag').fill('1');
    await form.locator('#add-edge-evidence').selectOption('2');
    await submitAndWait(page, form);
    plan = await planOf();
    assert.deepEqual(plan.edges.find((e) => e.from === 'ui-test-activity' && e.to === 'ui-test-output'), {
      from: 'ui-test-activity',
      to: 'ui-test-output',
      effect: { dist: 'normal', mean: 0.5, sd: 0.1 },
      lag: 1,
      evidence: 2,
    });
    assert.equal(await page.locator('#selected-heading').getAttribute('data-selected'), 'edge:ui-test-activity->ui-test-output');

    // Reload: the graph and the tables show them.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitReady(page);
    assert.equal(await page.locator('svg.gp-toc g[data-node]').count(), nodes0 + 2);
    for (const id of ['ui-test-activity', 'ui-test-output']) assert.equal(await page.locator(`svg.gp-toc g[data-node="${id}"]`).count(), 1, `node ${id} drawn`);
    assert.match(await page.locator('svg.gp-toc g.gp-toc__label[data-edge="ui-test-activity->ui-test-output"]').textContent(), /0\.5 ± 0\.1.*E2$/);
    assert.equal(await page.locator('table.gp-toc-nodes tbody tr').count(), nodes0 + 2);
    assert.equal(await page.locator('table.gp-toc-edges tbody tr').count(), (original.edges?.length ?? 0) + 1);
    await screenshot(page, 'toc-add-edge');
    await assertAccessible(page, 'the theory of change after a reload');

    // A link that closes a cycle is refused by the server: its message and JSON path are shown.
    form = await openForm(page, 'add-node');
    await form.locator('#add-node-kind').selectOption('outcome');
    await form.locator('#add-node-id').fill('ui-test-outcome');
    await submitAndWait(page, form);
    form = await openForm(page, 'add-edge');
    await form.locator('#add-edge-from').selectOption('ui-test-output');
    await form.locator('#add-edge-to').selectOption('ui-test-outcome');
    await form.locator('#add-edge-effect-value').fill('1');
    await submitAndWait(page, form);
    const vBefore = (await versionsOf()).at(-1).version;
    form = await openForm(page, 'add-edge');
    await form.locator('#add-edge-from').selectOption('ui-test-outcome');
    await form.locator('#add-edge-to').selectOption('ui-test-output');
    await form.locator('#add-edge-effect-value').fill('2');
    const n = puts.length;
    await form.locator('button[type="submit"]').click();
    summary = form.locator('.govuk-error-summary');
    await summary.waitFor();
    assert.equal(puts.length, n + 1, 'sent to the server');
    const text = await summary.innerText();
    assert.match(text, /cycle: .*ui-test-output.*ui-test-outcome/);
    assert.match(text, /\(at plan\.edges\[\d+\]\)/);
    assert.equal(await summary.locator('a').getAttribute('href'), '#add-edge-to');
    assert.match(await page.locator('.govuk-form-group:has(#add-edge-to)').getAttribute('class'), /govuk-form-group--error/);
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')), true, 'focus on the summary');
    assert.equal((await versionsOf()).at(-1).version, vBefore, 'nothing saved');
    assert.equal((await planOf()).edges.some((e) => e.from === 'ui-test-outcome'), false);
    await screenshot(page, 'toc-cycle');
    await assertAccessible(page, 'the refused cycle');
    browser.errors.splice(0); // the 422 answer is logged by the browser: expected

    // Delete the first link, after a confirmation.
    await open(page, `/missions/${enc(missionId)}/plan?edge=${enc('ui-test-activity->ui-test-output')}`);
    form = await openForm(page, 'delete-edge');
    assert.match(await form.locator('.govuk-warning-text').innerText(), /deletes nothing else/);
    await form.locator('button[type="submit"]').click();
    const question = form.locator('.gp-confirm');
    assert.match(await question.innerText(), /Are you sure you want to delete the link from ‘ui-test-activity’ to ‘ui-test-output’/);
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('gp-confirm')), true, 'focus on the question');
    await assertAccessible(page, 'the delete confirmation');
    // "No, keep it" backs out.
    await form.locator('[data-cancel]').click();
    assert.equal(await form.locator('.gp-confirm').count(), 0);
    await form.locator('button[type="submit"]:visible').click();
    await submitAndWait(page, form, '[data-confirm]');
    plan = await planOf();
    assert.equal(plan.edges.some((e) => e.from === 'ui-test-activity' && e.to === 'ui-test-output'), false, 'the link is gone');
    assert.equal(plan.nodes.filter((x) => x.id.startsWith('ui-test-')).length, 3, 'the nodes stay');
    assert.equal(new URL(page.url()).searchParams.get('edge'), null, 'nothing selected');

    // An assumption (with a test) on the output, then delete the output: its link, the
    // assumption and the test go with it.
    plan.assumptions = [...(plan.assumptions ?? []), { id: 'ui-test-a', text: 'UI test assumption', on: 'node:ui-test-output', importance: 3, evidence: 2, status: 'untested' }];
    plan.tests = [...(plan.tests ?? []), { id: 'ui-test-t', assumption: 'ui-test-a', method: 'pilot', status: 'planned' }];
    const put = await apiPut(`/api/v1/missions/${enc(missionId)}/plan`, plan);
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await open(page, `/missions/${enc(missionId)}/plan?node=ui-test-output`);
    form = await openForm(page, 'delete-node');
    const warning = form.locator('.govuk-warning-text');
    assert.equal(await warning.locator('[data-delete-edges]').getAttribute('data-delete-edges'), '1');
    assert.equal(await warning.locator('[data-delete-assumptions]').getAttribute('data-delete-assumptions'), '1');
    assert.match(await warning.innerText(), /1 link that touches it, and 1 assumption on it or on its links and 1 test of them/);
    await form.locator('button[type="submit"]').click();
    await submitAndWait(page, form, '[data-confirm]');
    plan = await planOf();
    assert.equal(plan.nodes.some((x) => x.id === 'ui-test-output'), false, 'the node is gone');
    assert.equal((plan.edges ?? []).some((e) => e.from === 'ui-test-output' || e.to === 'ui-test-output'), false, 'its links are gone');
    assert.equal((plan.assumptions ?? []).some((a) => a.id === 'ui-test-a'), false, 'its assumption is gone');
    assert.equal((plan.tests ?? []).some((x) => x.id === 'ui-test-t'), false, 'the test is gone');
    assert.deepEqual(plan.nodes.filter((x) => x.id.startsWith('ui-test-')).map((x) => x.id).sort(), ['ui-test-activity', 'ui-test-outcome']);
    assert.equal(await page.locator('#selected-heading').innerText(), 'Nothing selected');
    assert.match(await page.locator('.govuk-notification-banner--success').innerText(), /Deleted the node ‘ui-test-output’ and 1 link/);
    assert.equal(await page.locator('svg.gp-toc g[data-node="ui-test-output"]').count(), 0);
    await screenshot(page, 'toc-deleted');
    await assertAccessible(page, 'the theory of change after deleting');
    assert.deepEqual(browser.errors.splice(0), [], 'no errors in the browser');
  });
});
