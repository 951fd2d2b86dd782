// Browser test of the conversation pages (web/src/pages/conversation.ts). The demo
// database of run.sh has no conversation, so this test starts its own `gameplan serve`
// on a fresh database into which the committed fixture export
// tests/reference/data/delib_small is imported (two blocs of ten participants, statements
// 0-4 approved). A visitor takes part: one statement at a time, agree / disagree / pass
// until none is left, then adds a statement (sent for moderation); the results page shows
// the opinion map (SVG, role img, one marker per participant in the conversation and one
// labelled centre per group) and the statements defining each group, compared with the
// API's own results; the team's moderation page (API token) approves the new statement;
// axe-core finds no WCAG 2.2 AA violations on any of the pages.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, axeViolations, launch, screenshot, serve } from './lib.mjs';

const BIN = process.env.GAMEPLAN || path.join(ROOT, 'build', 'gameplan');
const FIXTURE = path.join(ROOT, 'tests', 'reference', 'data', 'delib_small');
let tmp;
let server;
let base;
let browser;
let token;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gameplan-delib-'));
  const db = path.join(tmp, 'delib.db');
  token = execFileSync(BIN, ['init', '--db', db], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  execFileSync(BIN, ['deliberation', 'import', FIXTURE, '--id', 'buses', '--db', db], { stdio: 'ignore' });
  ({ base, server } = await serve(BIN, db));
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

test('conversations: the list, taking part one statement at a time, adding a statement; accessible', async () => {
  const { page, errors } = browser;
  await open(page, '/conversations');
  assert.equal((await page.locator('h1').innerText()).trim(), 'Conversations');
  await page.click('#delib-list a:has-text("Buses in the city centre")');
  await page.waitForSelector('#delib-statement');
  assert.equal((await page.locator('h1').innerText()).trim(), 'Buses in the city centre');
  assert.match(await page.locator('main').innerText(), /How should the city's buses change\?/);
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'conversation');

  const seen = [];
  const votes = ['1', '-1', '0', '1', '1'];
  for (const v of votes) {
    const sid = await page.locator('#delib-statement').getAttribute('data-statement');
    assert.ok(!seen.includes(sid), 'each statement is shown once');
    seen.push(sid);
    await page.click(`#delib-card button[data-vote="${v}"]`);
    await page.waitForFunction(
      (prev) => {
        const el = document.querySelector('#delib-statement');
        return !el || el.getAttribute('data-statement') !== prev;
      },
      sid,
    );
  }
  assert.deepEqual([...seen].sort(), ['0', '1', '2', '3', '4']);
  assert.match(await page.locator('#delib-card').innerText(), /You have responded to every statement/);
  assert.match(await page.locator('#delib-status').innerText(), /You (agreed with|disagreed with|passed on) statement/);

  // the server counted the votes: five more vote events
  const list = await (await fetch(`${base}/api/v1/conversations`)).json();
  assert.equal(list.conversations[0].votes, 121 + 5);

  // an empty statement is refused in the page; a real one is sent for moderation
  await page.click('#delib-form button[type="submit"]');
  await page.waitForSelector('#delib-feedback .govuk-error-summary');
  await page.fill('#delib-text', 'Buses should be electric by 2030.');
  await page.click('#delib-form button[type="submit"]');
  await page.waitForSelector('#delib-feedback .govuk-notification-banner--success');
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(errors, []);
});

test('conversations: results page with the opinion map and what defines each group; accessible', async () => {
  const { page, errors } = browser;
  await open(page, '/conversations/buses/results');
  await page.waitForSelector('#delib-map');
  const api = await (await fetch(`${base}/api/v1/conversations/buses/results`)).json();
  assert.equal(api.ready, true);
  const a = api.analysis;
  const map = page.locator('#delib-map');
  assert.equal(await map.getAttribute('role'), 'img');
  assert.match(await map.getAttribute('aria-label'), new RegExp(`${a.groups.length} groups`));
  const placed = a.participants.filter((p) => p.in_conversation && p.group !== null).length;
  assert.equal(await page.locator('#delib-map .gp-delib-points > *').count(), placed);
  assert.equal(await page.locator('#delib-map .gp-delib-centre').count(), a.groups.length);
  assert.equal(a.groups.length, 2);
  // the groups table and each group's representative statements, as the API says
  const sizes = await page.locator('#delib-groups tbody tr td:nth-child(2)').allInnerTexts();
  assert.deepEqual(sizes.map(Number), a.groups.map((g) => g.size));
  for (const g of a.groups) {
    const rows = await page.locator(`#delib-rep-${g.id} tbody tr`).count();
    assert.equal(rows, g.representative.length);
  }
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'conversation-results');
  assert.deepEqual(errors, []);
});

test('conversations: the moderation page approves a pending statement with the API token; accessible', async () => {
  const { page, errors } = browser;
  await open(page, '/conversations/buses/moderation');
  assert.equal((await page.locator('h1').innerText()).trim(), 'Moderation');
  // without a token: an error summary linking to the field
  await page.fill('#mod-token', '');
  await page.click('#mod-form button[type="submit"]');
  await page.waitForSelector('#mod-feedback .govuk-error-summary');
  await page.fill('#mod-token', token);
  await page.click('#mod-form button[type="submit"]');
  await page.waitForSelector('#mod-table');
  const q = await (await fetch(`${base}/api/v1/conversations/buses/moderation`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const mine = q.pending.find((st) => st.text === 'Buses should be electric by 2030.');
  assert.ok(mine, 'the statement added in the first test waits for moderation');
  assert.equal(await page.locator('#mod-table tbody tr').count(), q.pending.length);
  assert.deepEqual(await axeViolations(page), []);
  await page.click(`#mod-table button[data-approve="${mine.id}"]`);
  await page.waitForSelector('#mod-feedback .govuk-notification-banner--success');
  assert.equal(await page.locator(`#mod-table button[data-approve="${mine.id}"]`).count(), 0);
  const conv = await (await fetch(`${base}/api/v1/conversations/buses`)).json();
  assert.ok(conv.statements.some((st) => st.id === mine.id), 'approved statements are shown to participants');
  await screenshot(page, 'conversation-moderation');
  assert.deepEqual(errors, []);
});

// ---- a mission's conversations (web/src/pages/missionconversations.ts) ----------------

// A published mission with two plan assumptions, and one conversation on it.
async function talkMission() {
  const plan = {
    mission: { id: 'talk', title: 'Talking it through', start: '2025', horizon: '2030' },
    metrics: [{ id: 'talk-turnout', name: 'Turnout', unit: '%', direction: 'higher' }],
    nodes: [
      { id: 'act', kind: 'activity', label: 'Hold conversations' },
      { id: 'out', kind: 'outcome', label: 'Turnout', metric: 'talk-turnout' },
    ],
    edges: [{ from: 'act', to: 'out', effect: 1, evidence: 2 }],
    assumptions: [
      { id: 'a1', text: 'People will take part', on: 'node:act', importance: 3, evidence: 2, status: 'untested' },
      { id: 'a2', text: 'Answers change decisions', on: 'edge:act->out', importance: 4, evidence: 1, status: 'untested' },
    ],
  };
  const auth = { Authorization: `Bearer ${token}` };
  let r = await fetch(`${base}/api/v1/missions/talk/plan`, { method: 'PUT', headers: auth, body: JSON.stringify(plan) });
  assert.equal(r.status, 201, await r.text());
  r = await fetch(`${base}/api/v1/missions/talk/publish`, { method: 'POST', headers: auth });
  assert.equal(r.status, 200);
  r = await fetch(`${base}/api/v1/conversations`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: 'talk-where', title: 'Where should we meet?', question: 'Where would you come to talk?', mission: 'talk', assumption: 'a1', statements: ['At the library', 'Online'] }),
  });
  assert.equal(r.status, 201, await r.text());
}

test('mission page: lists its conversations; a visitor gets no form; accessible', async () => {
  const { page, errors } = browser;
  await talkMission();
  await page.evaluate(() => window.sessionStorage.clear());
  await open(page, '/missions/talk');
  await page.waitForSelector('#mission-conversations');
  const rows = page.locator('#mission-conversations tbody tr');
  assert.equal(await rows.count(), 1);
  const row = await rows.first().innerText();
  assert.match(row, /Where should we meet\?/);
  assert.match(row, /Where would you come to talk\?/);
  assert.match(row, /a1: People will take part/);
  assert.equal(await page.locator('#mission-conversations a[href="/conversations/talk-where"]').count(), 1);
  assert.equal(await page.locator('#mission-conversations a[href="/conversations/talk-where/results"]').count(), 1);
  assert.equal(await page.locator('#conv-new').count(), 0, 'no form without a token');
  assert.deepEqual(await axeViolations(page), []);
  // "Take part" goes to the conversation, one of the seed statements shown
  await page.click('#mission-conversations a[href="/conversations/talk-where"]');
  await page.waitForSelector('#delib-statement');
  assert.equal((await page.locator('h1').innerText()).trim(), 'Where should we meet?');
  assert.ok(['At the library', 'Online'].includes((await page.locator('#delib-statement').innerText()).trim()));
  assert.deepEqual(errors, []);
});

test('mission page: with the API token the team opens a conversation and lands on it; errors name the field', async () => {
  const { page, errors } = browser;
  await page.evaluate(() => window.sessionStorage.clear());
  await open(page, '/missions/talk');
  // enter the token: the form appears
  await page.click('#conv-team summary');
  await page.fill('#conv-token', token);
  await page.click('#conv-token-form button[type="submit"]');
  await page.waitForSelector('#conv-new');
  const options = await page.locator('#conv-assumption option').allInnerTexts();
  assert.deepEqual(options, ['None: the mission as a whole', 'a1: People will take part', 'a2: Answers change decisions']);
  // an empty form is refused in the page, naming the fields
  await page.click('#conv-new button[type="submit"]');
  await page.waitForSelector('#conv-new-errors .govuk-error-summary');
  assert.deepEqual(await page.locator('#conv-new-errors .govuk-error-summary__list a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['#conv-id', '#conv-title']);
  assert.deepEqual(await axeViolations(page), []);
  // a taken id: the server's error, at the id field
  await page.fill('#conv-id', 'talk-where');
  await page.fill('#conv-title', 'Another one');
  await page.click('#conv-new button[type="submit"]');
  await page.waitForFunction(() => /exists already/.test(document.querySelector('#conv-new-errors')?.textContent ?? ''));
  assert.equal(await page.locator('#conv-new-errors .govuk-error-summary__list a').getAttribute('href'), '#conv-id');
  assert.equal(await page.locator('#conv-id-error').count(), 1);
  assert.deepEqual(await axeViolations(page), []);
  // a good one: lands on the new conversation
  await page.fill('#conv-id', 'talk-when');
  await page.fill('#conv-title', 'When should we meet?');
  await page.fill('#conv-question', 'What time suits you?');
  await page.selectOption('#conv-assumption', 'a2');
  await page.fill('#conv-statements', 'Weekday evenings\n\nSaturday mornings\n');
  await page.click('#conv-new button[type="submit"]');
  await page.waitForFunction(() => window.location.pathname === '/conversations/talk-when' && document.body.dataset.ready === 'true');
  await page.waitForSelector('#delib-statement');
  assert.equal((await page.locator('h1').innerText()).trim(), 'When should we meet?');
  const doc = await (await fetch(`${base}/api/v1/conversations/talk-when`)).json();
  assert.equal(doc.mission, 'talk');
  assert.equal(doc.assumption, 'a2');
  assert.equal(doc.question, 'What time suits you?');
  assert.deepEqual(doc.statements.map((s) => s.text), ['Weekday evenings', 'Saturday mornings']);
  // and the mission page lists both
  await open(page, '/missions/talk');
  await page.waitForSelector('#mission-conversations');
  assert.equal(await page.locator('#mission-conversations tbody tr').count(), 2);
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'mission-conversations');
  // the only console error is the browser's note of the expected 409 (the taken id)
  assert.deepEqual(errors.filter((e) => !/status of 409/.test(e)), []);
});
