// Browser test of theme sets (web/src/pages/themes.ts): the "Themes in the statements"
// section of a conversation's results page and the theme sets on the assumptions board.
// Like delib.test.mjs it starts its own `gameplan serve` on a fresh database: a small
// published plan (mission "themes-b", assumptions a1 and a2) is PUT, the committed fixture
// export tests/reference/data/delib_small is imported as conversation "buses" linked to
// assumption a1, and eight survey answers (four about buses, four about housing) are
// synthesised through the API and linked to assumption a2. Checks: without a token the
// section says no themes have been found and offers no button; with the token "Find
// themes" asks the server and draws the themes it returns (compared with the API); the
// assumptions board shows each assumption's linked sets (k themes, the top theme's terms,
// one quote, a link to the conversation); axe-core finds no WCAG 2.2 AA violations.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, axeViolations, launch, screenshot, serve } from './lib.mjs';

const BIN = process.env.GAMEPLAN || path.join(ROOT, 'build', 'gameplan');
const FIXTURE = path.join(ROOT, 'tests', 'reference', 'data', 'delib_small');
const M = 'themes-b';
let tmp;
let server;
let base;
let browser;
let token;

const ANSWERS = [
  'The buses are late and the bus stops are dirty',
  'Housing rents are too high for young families',
  'Bus fares are too high and buses are late',
  'Affordable housing and lower rents for families',
  'More buses at night, the late bus is always full',
  'Build more social housing, rents keep rising',
  'Bus drivers are kind but the buses are late',
  'Families cannot pay the rents, we need housing',
];

async function apiCall(method, urlPath, body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(base + urlPath, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null, text };
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gameplan-themes-'));
  const db = path.join(tmp, 'themes.db');
  token = execFileSync(BIN, ['init', '--db', db], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  ({ base, server } = await serve(BIN, db));
  const plan = {
    mission: { id: M, title: 'Better buses and homes', start: '2025', horizon: '2030' },
    metrics: [{ id: `${M}-metric`, name: 'Satisfaction', unit: '%', direction: 'higher' }],
    targets: [{ id: 'up', metric: `${M}-metric`, kind: 'committed', baseline: { period: '2025', value: 50 }, target: { period: '2030', value: 60 } }],
    nodes: [
      { id: 'act', kind: 'activity', label: 'Listen to people' },
      { id: 'out', kind: 'outcome', label: 'Satisfaction', metric: `${M}-metric` },
    ],
    edges: [{ from: 'act', to: 'out', effect: 1, evidence: 2 }],
    assumptions: [
      { id: 'a1', text: 'People care most about buses', on: 'node:act', importance: 4, evidence: 1, status: 'untested' },
      { id: 'a2', text: 'Housing costs worry families', on: 'edge:act->out', importance: 3, evidence: 2, status: 'untested' },
    ],
  };
  let r = await apiCall('PUT', `/api/v1/missions/${M}/plan`, plan);
  assert.equal(r.status, 201, r.text);
  // a stored simulation, so that the assumptions board does not run one
  r = await apiCall('POST', `/api/v1/missions/${M}/simulate`, { draws: 1000, seed: 1 });
  assert.equal(r.status, 200, r.text);
  r = await apiCall('POST', `/api/v1/missions/${M}/publish`);
  assert.equal(r.status, 200, r.text);
  execFileSync(BIN, ['deliberation', 'import', FIXTURE, '--id', 'buses', '--mission', M, '--assumption', 'a1', '--db', db], { stdio: 'ignore' });
  r = await apiCall('POST', `/api/v1/missions/${M}/themes`, { assumption: 'a2', source: 'survey 2025', texts: ANSWERS, k: 2 });
  assert.equal(r.status, 201, r.text);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (server) server.kill('SIGTERM');
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function open(page, urlPath) {
  await page.goto(base + urlPath, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
}

test('results page: no themes yet and no button for a visitor; "Find themes" with the token draws them; accessible', async () => {
  const { page, errors } = browser;
  await open(page, '/');
  await page.evaluate(() => window.sessionStorage.clear());
  await open(page, '/conversations/buses/results');
  await page.waitForSelector('#themes');
  assert.equal((await page.locator('#themes-h').innerText()).trim(), 'Themes in the statements');
  assert.match(await page.locator('#themes-body').innerText(), /No themes have been found/);
  assert.equal(await page.locator('#themes-find').count(), 0, 'no button without a token');
  assert.deepEqual(await axeViolations(page), []);

  await page.evaluate((t) => window.sessionStorage.setItem('gameplan.apiToken', t), token);
  await open(page, '/conversations/buses/results');
  await page.click('#themes-find');
  await page.waitForSelector('#themes-list');
  assert.match(await page.locator('#themes-status').innerText(), /Found \d+ themes? in 5 statements/);
  // what the page shows is the set the server kept
  const sets = (await (await fetch(`${base}/api/v1/conversations/buses/themes`)).json()).theme_sets;
  assert.equal(sets.length, 1, 'one click, one stored set');
  const set = sets[0];
  assert.equal(set.mission, M);
  assert.equal(set.assumption, 'a1');
  assert.equal(await page.locator('#themes-about').getAttribute('data-theme-set'), String(set.id));
  const items = page.locator('#themes-list > li');
  assert.equal(await items.count(), set.themes.themes.length);
  for (let i = 0; i < set.themes.themes.length; i++) {
    const th = set.themes.themes[i];
    const item = items.nth(i);
    const heading = (await item.locator('h3').innerText()).trim();
    assert.equal(heading, `Theme ${i + 1}: ${th.terms.slice(0, 5).map((t) => t.term).join(', ') || '(no common words)'}`);
    assert.match(await item.locator('.gp-theme-size').innerText(), new RegExp(`^${th.size} statements?$`));
    const quotes = await item.locator('blockquote').allInnerTexts();
    assert.deepEqual(quotes.map((q) => q.trim()), th.representative.slice(0, 2).map((r) => `“${r.text}”`));
  }
  // the section still works on a second visit: the latest set is drawn on load
  await open(page, '/conversations/buses/results');
  await page.waitForSelector('#themes-list');
  assert.equal(await page.locator('#themes-about').getAttribute('data-theme-set'), String(set.id));
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'conversation-themes');
  assert.deepEqual(errors, []);
});

test('assumptions board: each assumption shows its linked theme sets; accessible', async () => {
  const { page, errors } = browser;
  // the conversation's set exists (made now if the first test did not run)
  let sets = (await (await fetch(`${base}/api/v1/missions/${M}/themes`)).json()).theme_sets;
  if (!sets.some((s) => s.conversation === 'buses')) {
    const r = await apiCall('POST', '/api/v1/conversations/buses/themes', {});
    assert.equal(r.status, 201, r.text);
    sets = (await (await fetch(`${base}/api/v1/missions/${M}/themes`)).json()).theme_sets;
  }
  await page.evaluate(() => window.sessionStorage.clear());
  await open(page, `/missions/${M}/assumptions`);
  await page.waitForSelector('#assumption-a1');
  for (const aid of ['a1', 'a2']) {
    const mine = sets.filter((s) => s.assumption === aid);
    assert.ok(mine.length >= 1);
    const list = page.locator(`#assumption-${aid} [data-theme-sets]`);
    assert.equal(await list.getAttribute('data-theme-sets'), String(mine.length));
    const first = list.locator('li').first();
    assert.equal(await first.getAttribute('data-theme-set'), String(mine[0].id));
    const text = await first.innerText();
    const top = mine[0].themes.themes[0];
    assert.match(text, new RegExp(`^${mine[0].k} themes? in ${mine[0].documents} answers`));
    assert.ok(text.includes(top.terms.slice(0, 4).map((t) => t.term).join(', ')), text);
    assert.ok(text.includes(`“${top.representative[0].text}”`), text);
  }
  // a1's set came from the conversation: a link to its results; a2's from the survey
  assert.equal(await page.locator('#assumption-a1 [data-theme-sets] a[href="/conversations/buses/results"]').count(), 1);
  assert.match(await page.locator('#assumption-a2 [data-theme-sets]').innerText(), /from survey 2025/);
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'assumptions-themes');
  assert.deepEqual(errors, []);
});
