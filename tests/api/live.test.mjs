// API tests of live (incremental) conversation results: a second server is
// started on its own database with `--live-from 0`, so that even the small
// committed fixture (tests/reference/data/delib_small) is analysed live.
// Votes cast through the API are folded into the kept running state; the
// vote counts of every statement must equal those of a from-scratch
// `gameplan deliberation analyse ID --json` of the same votes (counts do not
// depend on the path), and a restarted server must go on from the kept state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = process.env.GAMEPLAN_BIN;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE = join(root, 'tests/reference/data/delib_small');
const dir = mkdtempSync(join(tmpdir(), 'gp-live-'));
const DB = join(dir, 'live.db');
let server = null;
let base = null;

function cli(...args) {
  return execFileSync(BIN, [...args, '--db', DB], { encoding: 'utf8' });
}

// Starts `gameplan serve --port 0 --live-from 0` and resolves with its URL.
function start() {
  return new Promise((resolve, reject) => {
    // --refresh 0: no background refresher, so each update is the request's own
    server = spawn(BIN, ['serve', '--db', DB, '--port', '0', '--live-from', '0', '--refresh', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
    server.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

async function stop() {
  if (!server) return;
  const s = server;
  server = null;
  s.removeAllListeners('exit');
  await new Promise((resolve) => { s.on('exit', resolve); s.kill('SIGTERM'); });
}

// A participant with its own gp_pid cookie.
function participant() {
  let cookie = null;
  return async (method, path, body) => {
    const headers = {};
    if (cookie) headers.Cookie = cookie;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
    const sc = res.headers.get('set-cookie');
    if (sc) cookie = sc.split(';')[0];
    return { status: res.status, json: await res.json() };
  };
}

// The results, as a client polls them: a live conversation's updates are
// spaced out (an update right after another is not started; the reply is the
// last analysis, marked stale), so ask again until the reply is current.
async function results() {
  for (let i = 0; ; i++) {
    const res = await fetch(`${base}/api/v1/conversations/buses/results`);
    assert.equal(res.status, 200);
    const r = await res.json();
    if (!r.stale) return r;
    assert.ok(r.analysed_revision < r.revision);
    assert.ok(i < 200, 'the results stayed stale');
    await new Promise((done) => setTimeout(done, 25));
  }
}

// "id:agree/disagree/seen" for every statement of an analysis document.
function counts(doc) {
  return doc.statements.map((s) => `${s.statement}:${s.agree}/${s.disagree}/${s.seen}`).join(' ');
}

function assertSameCounts(live) {
  const fresh = JSON.parse(cli('deliberation', 'analyse', 'buses', '--json'));
  assert.equal(counts(live), counts(fresh));
  for (const k of ['participants', 'statements', 'vote_events', 'votes'])
    assert.equal(live.conversation[k], fresh.conversation[k], k);
}

// `people` new participants vote on statements 0-4 (blocs by parity).
async function cast(people, seed) {
  for (let p = 0; p < people; p++) {
    const req = participant();
    for (let j = 0; j < 5; j++) {
      const vote = ((p + seed) % 2 ? 1 : -1) * (j < 3 ? 1 : -1);
      const r = await req('POST', '/api/v1/conversations/buses/votes', { statement: j, vote });
      assert.equal(r.status, 201);
    }
  }
}

before(async () => {
  execFileSync(BIN, ['init', '--db', DB], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  cli('deliberation', 'import', FIXTURE, '--id', 'buses');
  base = await start();
});

after(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

test('live results: the first update from scratch, then only the new votes', async () => {
  let r = await results();
  assert.equal(r.ready, true);
  assert.equal(r.update.mode, 'full');
  const events0 = r.update.new_events;
  assert.ok(events0 > 0);
  assert.equal(r.analysis.conversation.vote_events, events0);
  const inBefore = r.analysis.participants.map((p) => p.in_conversation);

  await cast(4, 0);
  r = await results();
  assert.equal(r.update.mode, 'incremental');
  assert.equal(r.update.new_events, 20);
  assert.equal(r.analysis.conversation.participants, 24);
  // once in the conversation, always in
  inBefore.forEach((was, i) => { if (was) assert.equal(r.analysis.participants[i].in_conversation, true); });
  assertSameCounts(r.analysis);

  // nothing new: the kept document, no update
  const again = await results();
  assert.equal(again.update, undefined);
  assert.deepEqual(again.analysis, r.analysis);
});

test('live results: a restarted server goes on from the kept running state', async () => {
  const before = await results();
  await stop();
  base = await start();
  const same = await results(); // nothing happened: the kept document
  assert.equal(same.update, undefined);
  assert.deepEqual(same.analysis, before.analysis);

  await cast(2, 1);
  const r = await results();
  // the matrix is rebuilt from the event log, the analysis starts from the kept state
  assert.equal(r.update.mode, 'incremental');
  assert.equal(r.analysis.conversation.vote_events, before.analysis.conversation.vote_events + 10);
  assertSameCounts(r.analysis);
});
