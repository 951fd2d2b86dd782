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
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, axeViolations, launch, screenshot } from './lib.mjs';

const BIN = process.env.GAMEPLAN || path.join(ROOT, 'build', 'gameplan');
const FIXTURE = path.join(ROOT, 'tests', 'reference', 'data', 'delib_small');
let tmp;
let server;
let base;
let browser;
let token;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gameplan-delib-'));
  const db = path.join(tmp, 'delib.db');
  token = execFileSync(BIN, ['init', '--db', db], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  execFileSync(BIN, ['deliberation', 'import', FIXTURE, '--id', 'buses', '--db', db], { stdio: 'ignore' });
  const port = await freePort();
  server = spawn(BIN, ['serve', '--db', db, '--port', String(port), '--bind', '127.0.0.1'], {
    env: { ...process.env, GAMEPLAN_WEB: path.join(ROOT, 'build', 'web') },
    stdio: 'ignore',
  });
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${base}/api/v1/conversations`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
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
