// Browser test of the results page of a large conversation: 10,500 participants
// (three blocs with some noise) vote on 8 statements, 84,000 vote events, written
// here as a Pol.is export and imported into a fresh database served by its own
// `gameplan serve`. With more than 10,000 participants the results document does
// not list every participant (participants_listed: false), so the opinion map draws
// the base clusters, one marker each, sized by their members; with more than 20,000
// vote events (serve's default --live-from) the results are live, and the page says
// how they were brought up to date. axe-core finds no WCAG 2.2 AA violations.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, axeViolations, launch, screenshot, serve } from './lib.mjs';

const BIN = process.env.GAMEPLAN || path.join(ROOT, 'build', 'gameplan');
const PEOPLE = 10500;
const STATEMENTS = 8;
let tmp;
let server;
let base;
let browser;

// A Pol.is export of the synthetic conversation (deterministic: a small LCG).
function writeExport(dir) {
  fs.mkdirSync(dir);
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const comments = ['timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body'];
  for (let j = 0; j < STATEMENTS; j++) comments.push(`${1700000000000 + j},,${j},-1,,,1,Statement number ${j + 1}.`);
  const votes = ['timestamp,datetime,comment-id,voter-id,vote'];
  let t = 1700000100000;
  for (let i = 0; i < PEOPLE; i++) {
    const bloc = i % 3;
    for (let j = 0; j < STATEMENTS; j++) {
      let v = (j % 3 === bloc) ? 1 : -1;
      if (rand() < 0.2) v = rand() < 0.5 ? 0 : -v;
      votes.push(`${t++},,${j},${i},${v}`);
    }
  }
  fs.writeFileSync(path.join(dir, 'comments.csv'), comments.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'votes.csv'), votes.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'summary.csv'), 'topic,A large conversation\nconversation-description,Which statements do you agree with?\n');
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gameplan-delib-large-'));
  const db = path.join(tmp, 'large.db');
  execFileSync(BIN, ['init', '--db', db], { stdio: 'ignore' });
  writeExport(path.join(tmp, 'large'));
  execFileSync(BIN, ['deliberation', 'import', path.join(tmp, 'large'), '--id', 'large', '--db', db], { stdio: 'ignore' });
  // --refresh 0: the page's own requests do the updates (no background refresher)
  ({ base, server } = await serve(BIN, db, ['--refresh', '0']));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (server) server.kill('SIGTERM');
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('a large conversation: the map draws base clusters; live results say how they were updated; accessible', async () => {
  const { page, errors } = browser;
  await page.goto(`${base}/conversations/large/results`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await page.waitForSelector('#delib-map');
  // the page's request analysed the conversation (live: over 20,000 vote events)
  assert.match(await page.locator('#delib-update').innerText(), /Analysed from all 84000 votes/);
  const api = await (await fetch(`${base}/api/v1/conversations/large/results`)).json();
  const a = api.analysis;
  assert.equal(a.participants_listed, false);
  assert.equal(a.participants, undefined);
  assert.equal(a.conversation.participants, PEOPLE);
  assert.equal(a.groups.length, 3, 'the three blocs');
  const drawn = a.bases.filter((b) => b.x !== null && b.y !== null && b.group !== null).length;
  assert.ok(drawn > 10 && drawn <= 100);
  assert.equal(await page.locator('#delib-map .gp-delib-points > *').count(), drawn);
  assert.match(await page.locator('#delib-map').getAttribute('aria-label'), /clusters of people who voted alike/);
  // bigger clusters get bigger markers
  const radii = await page.locator('#delib-map .gp-delib-points > circle').evaluateAll((els) => els.map((e) => Number(e.getAttribute('r'))));
  if (radii.length > 1) assert.ok(Math.max(...radii) > Math.min(...radii));
  assert.match(await page.locator('main').innerText(), /the map shows clusters of people who voted alike/);
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'conversation-results-large');

  // a new vote, then the results again: brought up to date from the last update
  const vote = await fetch(`${base}/api/v1/conversations/large/votes`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ statement: 0, vote: 1 }),
  });
  assert.equal(vote.status, 201);
  // (updates are spaced out: wait until one is due, as a client polling would)
  await new Promise((done) => setTimeout(done, 4000));
  await page.goto(`${base}/conversations/large/results`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  assert.match(await page.locator('#delib-update').innerText(), /Brought up to date with 1 new votes/);
  assert.deepEqual(errors, []);
});
